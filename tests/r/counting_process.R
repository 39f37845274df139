# Reference values from R survival for counting-process (start, stop] data (issue 15):
# Kaplan-Meier and Aalen-Johansen with delayed entry, coxph with (start, stop] intervals,
# time-varying covariate, strata, cluster(id), weights, aliased covariates, Andersen-Gill
# and gap-time models.
#   Rscript tests/r/counting_process.R          (run from the repository root)
# Writes : tests/data/counting_process.csv         simulated (start, stop] rows, seeded
#          tests/data/counting_process_person.csv  one row per person built from it
#          tests/data/heart.csv, tests/data/cgd.csv  survival's heart and cgd data
#          tests/r/counting_process.json
# Every fit below is made on the data as read back from the CSV files, so Python reads
# exactly the rows R used. Non-finite values (NA, NaN, Inf) are written as null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})
set.seed(20250615)
fin <- function(x) { x[!is.finite(x)] <- NA; x }
write_data <- function(d, path) {
  write.csv(d, path, row.names = FALSE, quote = FALSE)
  read.csv(path)
}

# ---- (a) simulated counting-process data -------------------------------------------------
# 300 persons, 1-5 intervals each, integer times (heavy ties), delayed entry for about half,
# gaps between some intervals (not at risk: detention), a time-varying binary covariate tv,
# a fixed continuous x (2 decimals), a fixed 3-level factor3 (a, b, c), a stratum (s1, s2),
# an integer frequency weight 1-3 (per person) and recurrent events (at most one per row).
simulate <- function(n = 300) {
  rows <- vector("list", n)
  for (i in seq_len(n)) {
    k <- sample(1:5, 1)
    t <- if (runif(1) < 0.55) sample(1:10, 1) else 0
    x <- round(rnorm(1), 2)
    f3 <- sample(c("a", "b", "c"), 1, prob = c(0.4, 0.35, 0.25))
    st <- sample(c("s1", "s2"), 1)
    w <- sample(1:3, 1)
    tv <- rbinom(1, 1, 0.4)
    r <- data.frame(id = integer(k), start = 0, stop = 0, event = 0L, tv = 0L)
    for (j in seq_len(k)) {
      if (j > 1 && runif(1) < 0.3) t <- t + sample(1:4, 1)      # a gap: not at risk
      if (j > 1 && runif(1) < 0.5) tv <- 1L - tv                # tv changes
      len <- sample(1:8, 1)
      lp <- -1.3 + 0.6 * tv + 0.4 * x + c(a = 0, b = 0.3, c = -0.4)[[f3]] + 0.3 * (st == "s2")
      r[j, ] <- list(i, t, t + len, rbinom(1, 1, plogis(lp)), tv)
      t <- t + len
    }
    r$x <- x; r$factor3 <- f3; r$stratum <- st; r$weight <- w
    rows[[i]] <- r
  }
  do.call(rbind, rows)
}
cp <- simulate()
cp <- cp[, c("id", "start", "stop", "event", "tv", "x", "factor3", "stratum", "weight")]
cp <- write_data(cp, "tests/data/counting_process.csv")

# one row per person: first start as entry, last stop as exit, event of the last row;
# a competing cause on it (1 = reoffence, 2 = death) for Aalen-Johansen with entry
last <- !duplicated(cp$id, fromLast = TRUE)
first <- !duplicated(cp$id)
pp <- data.frame(id = cp$id[first], entry = cp$start[first], exit = cp$stop[last],
                 event = cp$event[last], x = cp$x[first], factor3 = cp$factor3[first],
                 stratum = cp$stratum[first], weight = cp$weight[first])
pp$cause <- ifelse(pp$event == 1, sample(1:2, nrow(pp), replace = TRUE, prob = c(0.7, 0.3)), 0L)
pp <- write_data(pp, "tests/data/counting_process_person.csv")

# ---- (b) heart, (c) cgd ----------------------------------------------------------------------
heart_out <- heart
heart_out$transplant <- as.integer(as.character(heart_out$transplant))
hr <- write_data(heart_out[, c("id", "start", "stop", "event", "age", "year", "surgery",
                               "transplant")], "tests/data/heart.csv")
cgd_out <- cgd[, c("id", "tstart", "tstop", "status", "treat", "sex", "age", "inherit",
                   "steroids", "enum")]
cg <- write_data(cgd_out, "tests/data/cgd.csv")
cg$treat <- factor(cg$treat, levels = c("placebo", "rIFN-g"))        # survival's levels
cg$sex <- factor(cg$sex, levels = c("male", "female"))
cg$inherit <- factor(cg$inherit, levels = c("X-linked", "autosomal"))

# ---- Kaplan-Meier with entry -------------------------------------------------------------------
times_cp <- c(0, 1, 3, 7.5, 10, 20, 30, 40, max(cp$stop) + 5)
km_curve <- function(fit) {
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       surv = fit$surv, std_err = fin(fit$std.err), std_err_surv = fin(fit$std.err * fit$surv),
       lower = fin(fit$lower), upper = fin(fit$upper),
       cumhaz = fit$cumhaz, std_chaz = fin(fit$std.chaz))
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
km_one <- function(fit) list(curve = km_curve(fit), at = km_at(fit, times_cp),
                             quantile = km_quant(fit))
# formula ~ 1 or ~ stratum; a stratified fit is stored per stratum as <name>_stratum_<level>
km_sets <- function(name, formula, data, weighted = FALSE) {
  out <- list()
  for (ct in c("log", "log-log", "plain")) {
    fit <- if (weighted) survfit(formula, data = data, conf.type = ct, weights = weight)
           else survfit(formula, data = data, conf.type = ct)
    if (is.null(fit$strata)) {
      out[[name]][[ct]] <- km_one(fit)
    } else {
      for (k in seq_along(fit$strata)) {
        lev <- sub("^stratum=", "", names(fit$strata)[k])
        out[[paste0(name, "_stratum_", lev)]][[ct]] <- km_one(fit[k])
      }
    }
  }
  out
}
km <- c(
  km_sets("intervals", Surv(start, stop, event) ~ 1, cp),
  km_sets("intervals", Surv(start, stop, event) ~ stratum, cp),
  km_sets("intervals_weighted", Surv(start, stop, event) ~ 1, cp, weighted = TRUE),
  km_sets("person", Surv(entry, exit, event) ~ 1, pp),
  km_sets("person", Surv(entry, exit, event) ~ stratum, pp),
  km_sets("person_weighted", Surv(entry, exit, event) ~ 1, pp, weighted = TRUE)
)

# ---- Aalen-Johansen with entry: multi-state survfit, id = id, IJ standard errors -------------
aj_one <- function(data, weighted = FALSE) {
  data$causef <- factor(data$cause, 0:2, c("censor", "reoffence", "death"))
  fit <- if (weighted) survfit(Surv(entry, exit, causef) ~ 1, id = id, data = data,
                               weights = weight)
         else survfit(Surv(entry, exit, causef) ~ 1, id = id, data = data)
  s <- summary(fit, times = times_cp, extend = TRUE)
  k1 <- which(fit$states == "reoffence"); k2 <- which(fit$states == "death")
  list(curve = list(time = fit$time, n_risk = fit$n.risk[, 1], n_event_1 = fit$n.event[, k1],
                    n_event_2 = fit$n.event[, k2], n_censor = fit$n.censor,
                    cif_1 = fit$pstate[, k1], se_1 = fit$std.err[, k1],
                    lower_1 = fin(fit$lower[, k1]), upper_1 = fin(fit$upper[, k1]),
                    cif_2 = fit$pstate[, k2], se_2 = fit$std.err[, k2],
                    lower_2 = fin(fit$lower[, k2]), upper_2 = fin(fit$upper[, k2])),
       at = list(time = s$time, n_risk = s$n.risk[, 1],
                 cif_1 = s$pstate[, k1], se_1 = s$std.err[, k1],
                 lower_1 = fin(s$lower[, k1]), upper_1 = fin(s$upper[, k1]),
                 cif_2 = s$pstate[, k2], se_2 = s$std.err[, k2]))
}
aj <- list(person = aj_one(pp), person_weighted = aj_one(pp, weighted = TRUE))

# ---- Cox -----------------------------------------------------------------------------------------
test3 <- function(v) if (is.null(v)) NULL else
  list(statistic = unname(v[1]), df = unname(v[2]), p = unname(v[3]))
fit_info <- function(f) {
  s <- summary(f)
  cf <- coef(f)
  ok <- !is.na(cf)
  robust <- !is.null(f$naive.var)
  naive <- if (robust) f$naive.var else f$var
  wald_naive <- if (robust) {
    st <- drop(t(cf[ok]) %*% solve(naive[ok, ok, drop = FALSE], cf[ok]))
    list(statistic = st, df = sum(ok), p = pchisq(st, sum(ok), lower.tail = FALSE))
  }
  list(
    names = names(cf), coef = unname(cf),
    se = unname(sqrt(diag(vcov(f)))), vcov = unname(vcov(f)),
    var = unname(f$var), naive_var = unname(naive), naive_se = unname(sqrt(diag(naive))),
    robust = robust,
    loglik_null = f$loglik[1], loglik = f$loglik[2],
    lr_test = test3(s$logtest), score_test = test3(s$sctest),
    wald_test = list(statistic = f$wald.test, df = sum(ok),     # summary() rounds it to 2 dp
                     p = pchisq(f$wald.test, sum(ok), lower.tail = FALSE)),
    robust_score_test = test3(s$robscore), wald_test_naive = wald_naive,
    concordance = as.list(f$concordance),
    iterations = f$iter, n = f$n, nevent = f$nevent
  )
}
zph_info <- function(f) {
  z <- cox.zph(f)                 # transform = "km", terms = TRUE
  list(terms = rownames(z$table), chisq = unname(z$table[, "chisq"]),
       df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
}
cp_cox <- cp
cp_cox$factor3 <- factor(cp_cox$factor3, levels = c("a", "b", "c"))
cox <- list()
for (ties in c("efron", "breslow")) {
  base <- Surv(start, stop, event) ~ tv + x + factor3
  plain <- coxph(base, data = cp_cox, ties = ties)
  strat <- coxph(update(base, . ~ . + strata(stratum)), data = cp_cox, ties = ties)
  clust <- coxph(update(base, . ~ . + cluster(id)), data = cp_cox, ties = ties)
  strat_clust <- coxph(update(base, . ~ . + strata(stratum) + cluster(id)), data = cp_cox,
                       ties = ties)
  wtd <- coxph(base, data = cp_cox, ties = ties, weights = weight)
  wtd_clust <- coxph(update(base, . ~ . + cluster(id)), data = cp_cox, ties = ties,
                     weights = weight)
  hp <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hr,
              ties = ties)
  hc <- coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hr,
              ties = ties, cluster = id)
  cox[[ties]] <- list(
    plain = fit_info(plain), strata = fit_info(strat), cluster = fit_info(clust),
    strata_cluster = fit_info(strat_clust), weights = fit_info(wtd),
    weights_cluster = fit_info(wtd_clust),
    zph_plain = zph_info(plain), zph_strata = zph_info(strat),
    heart_plain = fit_info(hp), heart_cluster = fit_info(hc), zph_heart_plain = zph_info(hp)
  )
}

# ---- aliased covariates: R reports NA and fits the rest ------------------------------------
al <- cp_cox
al$s2 <- as.numeric(al$stratum == "s2")          # constant within each stratum
al$x3 <- al$x + 2 * al$tv                         # exact linear combination of x and tv
aliased <- list()
for (ties in c("efron", "breslow")) {
  aliased[[ties]] <- list(
    strata_constant = fit_info(coxph(Surv(start, stop, event) ~ tv + s2 + x + factor3 +
                                       strata(stratum), data = al, ties = ties)),
    strata_constant_cluster = fit_info(coxph(Surv(start, stop, event) ~ tv + s2 + x +
                                               factor3 + strata(stratum) + cluster(id),
                                             data = al, ties = ties)),
    linear_last = fit_info(coxph(Surv(start, stop, event) ~ tv + x + x3 + factor3,
                                 data = al, ties = ties)),
    linear_first = fit_info(coxph(Surv(start, stop, event) ~ x3 + tv + x + factor3,
                                  data = al, ties = ties))
  )
}

# ---- cgd: Andersen-Gill and gap time, cluster(id) -------------------------------------------
cgd_cov <- "treat + sex + age + inherit + steroids + cluster(id)"
recurrent <- list()
for (ties in c("efron", "breslow")) {
  recurrent[[ties]] <- list(
    andersen_gill = fit_info(coxph(as.formula(paste("Surv(tstart, tstop, status) ~", cgd_cov)),
                                   data = cg, ties = ties)),
    gap_time = fit_info(coxph(as.formula(paste("Surv(tstop - tstart, status) ~", cgd_cov)),
                              data = cg, ties = ties))
  )
}

ref <- list(
  meta = list(
    R = R.version.string, survival = as.character(packageVersion("survival")),
    jsonlite = as.character(packageVersion("jsonlite")), seed = 20250615,
    times = times_cp,
    data = list(
      counting_process = paste("tests/data/counting_process.csv: id, start, stop, event, tv,",
                               "x, factor3 (reference a), stratum (s1, s2), weight (1-3, per",
                               "person); a row is at risk on (start, stop]"),
      person = paste("tests/data/counting_process_person.csv: entry = first start, exit =",
                     "last stop, event = event of the last row, cause 0/1/2 (1 reoffence,",
                     "2 death) drawn for the events"),
      heart = "tests/data/heart.csv: survival::heart, transplant written as 0/1",
      cgd = paste("tests/data/cgd.csv: survival::cgd columns; reference levels treat",
                  "placebo, sex male, inherit X-linked (set them: sex is not alphabetical)"),
      aliased = "s2 = (stratum == 's2') as 0/1; x3 = x + 2 * tv"),
    notes = c(
      paste("KM on (start, stop]: fit$time holds the stop times only (events and censorings),",
            "not the entry times; a row is at risk at t when start < t <= stop, so a row",
            "entering at t is not at risk at t while rows exiting at t are."),
      paste("KM std_err is R's fit$std.err: the SE of -log S (Greenwood sum d/(n(n-d))),",
            "std_err_surv = surv * std_err is the SE of S (what summary() reports);",
            "lower/upper are R's for each conf.type."),
      paste("summary(fit, times=, extend=TRUE) (the 'at' blocks): n_risk at a time that is",
            "not a stop time is R's n.risk of the next stop time (before the first stop",
            "time: that of the first one; past the end 0), not the risk set at that time;",
            "with delayed entry the two differ. n_event/n_censor are the counts since the",
            "previous requested time."),
      paste("Cox: var is fit$var (robust when clustered), naive_var the model-based",
            "(fit$naive.var; fit$var when not robust), se = sqrt(diag(vcov)).",
            "wald_test is R's: with cluster() it uses the robust variance; wald_test_naive",
            "is computed here with the model-based variance. score_test is the model-based",
            "score test at beta = 0 (summary()$sctest); robust_score_test is R's robust score",
            "test (fit$rscore, summary()$robscore) present only when robust. lr_test is the",
            "likelihood-ratio test (unchanged by cluster())."),
      paste("Weights are case weights; with cluster(id) the robust variance sums the",
            "weighted dfbeta residuals within id: sum_id (sum_rows w * dfbeta)^2, which for",
            "integer weights is not the variance of the expanded (replicated) data."),
      paste("Aliased covariates: R sets the coefficient NA (null here) but keeps zeros in",
            "its row and column of fit$var/vcov(), so R's se is 0 there (stored as R gives",
            "it; recidive's NaN is the intended counterpart); the other coefficients, the",
            "log-likelihoods and all tests use df = number of non-NA coefficients. For a",
            "linear combination the later column in the formula is the one set NA",
            "(linear_last: x3 NA; linear_first, same model with x3 first: x NA)."),
      paste("wald_test is fit$wald.test unrounded (summary()$waldtest rounds the statistic",
            "to 2 decimals; its p-value is from the unrounded statistic, as here)."),
      "concordance is fit$concordance (concordant, discordant, tied.x, tied.y, tied.xy, concordance, std).",
      "Non-finite values are written as null.")
  ),
  km = km, aj = aj, cox = cox, aliased = aliased, recurrent = recurrent
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null",
                  null = "null"),
           "tests/r/counting_process.json")
cat("wrote tests/r/counting_process.json\n")
