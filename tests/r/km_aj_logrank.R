# Reference values from R survival (and cmprsk) for the non-parametric estimators.
#   cd tests/r && Rscript km_aj_logrank.R      (R 4.2.2, survival 3.5-3, cmprsk 2.2-11)
# Inputs : ../data/sim_competing.csv (made by ../data/make_sim_competing.py)
#          rossi.csv from the shared reference folder (env ROSSI_CSV to override)
# Output : km_aj_logrank.json
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
sim <- read.csv("../data/sim_competing.csv")
rossi <- read.csv(Sys.getenv("ROSSI_CSV", "/work/shared/reference/rossi.csv"))
times_sim <- c(0, 100, 365, 730.5, 1000, 1826.25, 2500)
times_rossi <- c(0.5, 10, 20, 30, 40, 52)
fin <- function(x) { x[!is.finite(x)] <- NA; x }

km_curve <- function(fit) {
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       surv = fit$surv, std_err_surv = fin(fit$std.err * fit$surv),
       lower = fin(fit$lower), upper = fin(fit$upper))
}
km_at <- function(fit, times) {
  s <- summary(fit, times = times, extend = TRUE)
  list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
       surv = s$surv, std_err_surv = fin(s$std.err), lower = fin(s$lower), upper = fin(s$upper))
}
km_quant <- function(fit) {
  q <- quantile(fit, probs = c(0.1, 0.25, 0.5, 0.75))
  list(probs = c(0.1, 0.25, 0.5, 0.75), quantile = unname(q$quantile),
       lower = unname(q$lower), upper = unname(q$upper))
}
km_set <- function(formula, data, times, weights = NULL) {
  out <- list()
  for (ct in c("log", "log-log", "plain")) {
    fit <- if (is.null(weights)) survfit(formula, data = data, conf.type = ct)
           else survfit(formula, data = data, conf.type = ct, weights = weight)
    out[[ct]] <- list(curve = km_curve(fit), at = km_at(fit, times), quantile = km_quant(fit))
  }
  out
}

km <- list(
  rossi = km_set(Surv(week, arrest) ~ 1, rossi, times_rossi),
  sim = km_set(Surv(days, event) ~ 1, sim, times_sim),
  sim_weighted = km_set(Surv(days, event) ~ 1, sim, times_sim, weights = TRUE)
)
for (g in sort(unique(sim$group))) {
  km[[paste0("sim_group_", g)]] <- km_set(Surv(days, event) ~ 1, sim[sim$group == g, ], times_sim)
}

# Aalen-Johansen: multi-state survfit (IJ standard errors), cause 1 = reoffence, 2 = death
aj_one <- function(data) {
  data$causef <- factor(data$cause, 0:2, c("censor", "reoffence", "death"))
  fit <- survfit(Surv(days, causef) ~ 1, data = data)
  s <- summary(fit, times = times_sim, extend = TRUE)
  k1 <- which(fit$states == "reoffence"); k2 <- which(fit$states == "death")
  list(curve = list(time = fit$time, n_risk = fit$n.risk[, 1],
                    cif_1 = fit$pstate[, k1], se_1 = fit$std.err[, k1],
                    lower_1 = fin(fit$lower[, k1]), upper_1 = fin(fit$upper[, k1]),
                    cif_2 = fit$pstate[, k2], se_2 = fit$std.err[, k2]),
       at = list(time = s$time, cif_1 = s$pstate[, k1], se_1 = s$std.err[, k1],
                 lower_1 = fin(s$lower[, k1]), upper_1 = fin(s$upper[, k1]),
                 cif_2 = s$pstate[, k2], se_2 = s$std.err[, k2]))
}
aj <- list(sim = aj_one(sim), sim_group_a = aj_one(sim[sim$group == "a", ]))

# log-rank (survdiff) and Gray's test (cmprsk::cuminc)
lr <- function(formula, data) {
  f <- survdiff(formula, data = data)
  list(chisq = f$chisq, df = length(f$n) - 1, p = pchisq(f$chisq, length(f$n) - 1, lower.tail = FALSE),
       observed = f$obs, expected = f$exp, var = f$var, n = as.numeric(f$n))
}
logrank <- list(
  rossi_fin = lr(Surv(week, arrest) ~ fin, rossi),
  rossi_prio3 = lr(Surv(week, arrest) ~ pmin(prio, 3), rossi),
  sim_group = lr(Surv(days, event) ~ group, sim),
  sim_sex = lr(Surv(days, event) ~ sex, sim)
)
gt <- cuminc(sim$days, sim$cause, sim$group, cencode = 0)$Tests
gt_sex <- cuminc(sim$days, sim$cause, sim$sex, cencode = 0)$Tests
gray <- list(
  sim_group = list(stat = unname(gt[, "stat"]), pv = unname(gt[, "pv"]), df = unname(gt[, "df"]),
                   cause = as.numeric(rownames(gt))),
  sim_sex = list(stat = unname(gt_sex[, "stat"]), pv = unname(gt_sex[, "pv"]),
                 df = unname(gt_sex[, "df"]), cause = as.numeric(rownames(gt_sex)))
)

ref <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              cmprsk = as.character(packageVersion("cmprsk")),
              times_sim = times_sim, times_rossi = times_rossi,
              note = paste("KM std_err_surv is the SE of S(t) (Greenwood, std.err * surv);",
                           "summary(survfit, times=, extend=TRUE); AJ se = IJ std.err of pstate;",
                           "non-finite values written as null")),
  km = km, aj = aj, logrank = logrank, gray = gray
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null"),
           "km_aj_logrank.json")
cat("wrote km_aj_logrank.json\n")
