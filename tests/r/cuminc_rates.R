# Reference values for recidivism rates with death as a competing event (issue 14, item 6):
# cmprsk::cuminc point estimates (what recidivism_rates(estimator = "aalen-johansen") must
# equal) and the standard errors of R survfit's multi-state (Aalen-Johansen) curves (what
# its standard errors are compared with), at 2, 5 and 7 years, overall and by group.
#   Rscript tests/r/cuminc_rates.R          (run from the repository root)
# Input  : tests/data/sim_competing.csv (made by tests/data/make_sim_competing.py): 1,500
#          persons, days (multiples of 7, 13 at day 0), cause 0 censored / 1 reoffence /
#          2 death, group a/b/c; administrative censoring at 2,000-3,000 days
# Output : tests/r/cuminc_rates.json      (non-finite values written as null)
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
set.seed(20250702)   # nothing random below; set for the house rule
fin <- function(x) { x[!is.finite(x)] <- NA; x }

sim <- read.csv("tests/data/sim_competing.csv")
horizons_years <- c(2, 5, 7)
times <- horizons_years * 365.25
groups <- sort(unique(sim$group))

# ---- cmprsk::cuminc + timepoints --------------------------------------------------------------
# cuminc's components are named "<group> <cause>" (without a group: "1 <cause>"); timepoints()
# gives est and var as matrices (component x time), the step function at each time.
cuminc_at <- function(ci, group, cause) {
  tp <- timepoints(ci, times)
  key <- paste(group, cause)
  list(cif = unname(tp$est[key, ]), var_cuminc = fin(unname(tp$var[key, ])))
}
ci_all <- cuminc(sim$days, sim$cause, cencode = 0)
ci_grp <- cuminc(sim$days, sim$cause, sim$group, cencode = 0)
cuminc_out <- list(overall = list(cause_1 = cuminc_at(ci_all, "1", 1),
                                  cause_2 = cuminc_at(ci_all, "1", 2)))
for (g in groups) {
  cuminc_out[[paste0("group_", g)]] <- list(cause_1 = cuminc_at(ci_grp, g, 1),
                                            cause_2 = cuminc_at(ci_grp, g, 2))
}

# ---- survfit multi-state (Aalen-Johansen, infinitesimal-jackknife std.err) --------------------
sim$state <- factor(sim$cause, 0:2, c("censor", "reoffence", "death"))
aj_at <- function(data) {
  fit <- survfit(Surv(days, state) ~ 1, data = data)
  s <- summary(fit, times = times)
  k1 <- which(fit$states == "reoffence")
  k2 <- which(fit$states == "death")
  list(time = s$time, n_risk = s$n.risk[, 1],
       cause_1 = list(cif = s$pstate[, k1], std_err = s$std.err[, k1],
                      lower = fin(s$lower[, k1]), upper = fin(s$upper[, k1])),
       cause_2 = list(cif = s$pstate[, k2], std_err = s$std.err[, k2]))
}
survfit_out <- list(overall = aj_at(sim))
for (g in groups) survfit_out[[paste0("group_", g)]] <- aj_at(sim[sim$group == g, ])
# the grouped fit gives the same curves as the per-group fits
fit_by <- survfit(Surv(days, state) ~ group, data = sim)
s_by <- summary(fit_by, times = times)
k1 <- which(fit_by$states == "reoffence")
by_cif <- split(s_by$pstate[, k1], s_by$strata)
by_se <- split(s_by$std.err[, k1], s_by$strata)

diffs <- unlist(lapply(names(cuminc_out), function(nm) c(
  cuminc_out[[nm]]$cause_1$cif - survfit_out[[nm]]$cause_1$cif,
  cuminc_out[[nm]]$cause_2$cif - survfit_out[[nm]]$cause_2$cif)))
diffs_by <- unlist(lapply(groups, function(g) c(
  by_cif[[paste0("group=", g)]] - survfit_out[[paste0("group_", g)]]$cause_1$cif,
  by_se[[paste0("group=", g)]] - survfit_out[[paste0("group_", g)]]$cause_1$std_err)))
se_ratio <- unlist(lapply(names(cuminc_out), function(nm)
  sqrt(cuminc_out[[nm]]$cause_1$var_cuminc) / survfit_out[[nm]]$cause_1$std_err))
max_days <- c(overall = max(sim$days), tapply(sim$days, sim$group, max))

ref <- list(
  meta = list(
    R = R.version.string, survival = as.character(packageVersion("survival")),
    cmprsk = as.character(packageVersion("cmprsk")),
    jsonlite = as.character(packageVersion("jsonlite")),
    data = "tests/data/sim_competing.csv (tests/data/make_sim_competing.py): days, cause (0 censored, 1 reoffence, 2 death), group a/b/c",
    horizons_years = horizons_years, horizons_days = times,
    groups = groups, max_days = as.list(max_days),
    calls = c("cuminc(ftime = days, fstatus = cause, [group = group,] cencode = 0); timepoints(fit, times)",
              "survfit(Surv(days, factor(cause, 0:2, c('censor', 'reoffence', 'death'))) ~ 1) per group and overall; summary(fit, times = times)"),
    checks = list(
      max_abs_diff_cuminc_vs_survfit_cif = max(abs(diffs)),
      max_abs_diff_grouped_vs_per_group_survfit = max(abs(diffs_by)),
      sqrt_var_cuminc_over_survfit_std_err_cause_1 = range(se_ratio)),
    notes = c(
      "Every horizon lies within the follow-up of every group (max_days); 13 persons have days = 0 (11 of them reoffend at day 0): both cuminc and survfit count those events at time 0 in the full risk set.",
      "cuminc.<block>.cause_k.cif: cmprsk::cuminc's estimate at the horizon (timepoints: the step function's value at the last jump <= t), the Aalen-Johansen cumulative incidence of cause k with the other cause competing and cause 0 censoring. It equals survfit's multi-state pstate at the same times (checks.max_abs_diff_cuminc_vs_survfit_cif): this is the point estimate recidivism_rates(estimator = 'aalen-johansen') must equal.",
      "cuminc's var_cuminc is cmprsk's own variance estimator (per ?cuminc: an estimate of the asymptotic variance of Aalen (1978)), not the infinitesimal-jackknife variance of survival's survfit; the two differ (checks.sqrt_var_cuminc_over_survfit_std_err_cause_1 gives the range of the ratio of the SEs here). recidive's standard errors are to be compared with survfit.<block>.cause_k.std_err, never with var_cuminc; var_cuminc is stored for information only.",
      "survfit.<block>: survfit(Surv(days, state) ~ 1) on the block's rows, state = factor(cause, 0:2, c('censor', 'reoffence', 'death')); std_err = summary(fit, times)$std.err of pstate (infinitesimal jackknife, survival >= 3.0); lower/upper are R's default interval for pstate (conf.type 'log'); n_risk = summary's n.risk (first column: at risk in the initial state). The grouped fit survfit(... ~ group) gives the same values (checks.max_abs_diff_grouped_vs_per_group_survfit).",
      "Blocks: overall (all 1,500 rows) and group_a, group_b, group_c; cause_1 = reoffence (the rate), cause_2 = death.")),
  cuminc = cuminc_out,
  survfit = survfit_out)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null"),
           "tests/r/cuminc_rates.json")
cat("wrote tests/r/cuminc_rates.json\n")
