# Reference values from R survival for the mean cumulative function of recurrent events
# (issue 16): the Nelson-Aalen estimate with id, survfit(Surv(start, stop, event) ~ 1,
# id = id, robust = TRUE): cumhaz is the MCF, std.chaz its robust (infinitesimal jackknife)
# standard error, checked here against a direct Lawless-Nadeau (1995) computation; and
# tests of equal MCFs (Cook, Lawless and Nadeau 1996 pseudo-score; Andersen-Gill robust score).
#   Rscript tests/r/mcf.R          (run from the repository root, after counting_process.R)
# Inputs : tests/data/cgd.csv, tests/data/counting_process.csv (written by counting_process.R)
# Output : tests/r/mcf.json         (non-finite values written as null)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
set.seed(20250616)   # nothing random below; set for the house rule
fin <- function(x) { x[!is.finite(x)] <- NA; x }

cg <- read.csv("tests/data/cgd.csv")
cg$treat <- factor(cg$treat, levels = c("placebo", "rIFN-g"))
cp <- read.csv("tests/data/counting_process.csv")
# hand-checkable case: 4 persons, (start, stop] rows; ties at 3, 5 and 8; B is not at risk
# on (3, 6] (a gap); C enters at 2; D's follow-up ends with an event
tiny <- data.frame(
  id    = c("A", "A", "A", "B", "B", "B", "C", "C", "C", "D", "D"),
  start = c(0,   3,   5,   0,   6,   8,   2,   5,   7,   0,   4),
  stop  = c(3,   5,   9,   3,   8,   10,  5,   7,   12,  4,   8),
  event = c(1,   1,   0,   1,   1,   1,   1,   1,   0,   1,   1),
  group = c("g1", "g1", "g1", "g1", "g1", "g1", "g2", "g2", "g2", "g2", "g2"),
  weight = c(1,  1,   1,   2,   2,   2,   1,   1,   1,   3,   3))

# ---- survfit: MCF = cumhaz, robust SE = std.chaz ----------------------------------------------
mcf_fit <- function(formula, data, weighted = FALSE, robust = TRUE) {
  if (weighted) survfit(formula, data = data, id = id, robust = robust, weights = weight)
  else survfit(formula, data = data, id = id, robust = robust)
}
mcf_curve <- function(fit, fit_poisson) {
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       n_enter = fit$n.enter, mcf = fit$cumhaz, std_err = fin(fit$std.chaz),
       std_err_poisson = fin(fit_poisson$std.chaz))
}
mcf_at <- function(fit, times) {
  s <- summary(fit, times = times, extend = TRUE)
  list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
       mcf = s$cumhaz, std_err = fin(s$std.chaz))
}
# formula ~ 1 or ~ group; a grouped fit is stored per group as <name>_<var>_<level>
mcf_sets <- function(name, formula, data, times, weighted = FALSE) {
  fit <- mcf_fit(formula, data, weighted)
  fit0 <- mcf_fit(formula, data, weighted, robust = FALSE)
  out <- list()
  if (is.null(fit$strata)) {
    out[[name]] <- list(curve = mcf_curve(fit, fit0), at = mcf_at(fit, times))
  } else {
    for (k in seq_along(fit$strata)) {
      lev <- sub("=", "_", names(fit$strata)[k])
      out[[paste0(name, "_", lev)]] <- list(curve = mcf_curve(fit[k], fit0[k]),
                                           at = mcf_at(fit[k], times))
    }
  }
  out
}
times_cgd <- c(0, 50, 100, 200, 300, 400, max(cg$tstop) + 10)
times_cp <- c(0, 1, 3, 7.5, 10, 20, 30, 40, max(cp$stop) + 5)
times_tiny <- c(0, 2, 3, 4.5, 8, 9, 10, 12, 15)
mcf <- c(
  mcf_sets("cgd", Surv(tstart, tstop, status) ~ 1, cg, times_cgd),
  mcf_sets("cgd", Surv(tstart, tstop, status) ~ treat, cg, times_cgd),
  mcf_sets("intervals", Surv(start, stop, event) ~ 1, cp, times_cp),
  mcf_sets("intervals", Surv(start, stop, event) ~ stratum, cp, times_cp),
  mcf_sets("intervals_weighted", Surv(start, stop, event) ~ 1, cp, times_cp, weighted = TRUE),
  mcf_sets("tiny", Surv(start, stop, event) ~ 1, tiny, times_tiny),
  mcf_sets("tiny_weighted", Surv(start, stop, event) ~ 1, tiny, times_tiny, weighted = TRUE)
)

# ---- Lawless-Nadeau (1995) variance computed directly ---------------------------------------
# At each time t of the curve: Y(t) = sum_i w_i Y_i(t) (Y_i(t) = 1 when a row of i has
# start < t <= stop), dN(t) = sum_i w_i dN_i(t), dL = dN / Y, MCF = cumsum(dL).
# Person i: D_i(t) = sum_{s <= t} (dN_i(s) - Y_i(s) dL(s)) / Y(s).
#   var_ij   = sum_i (w_i D_i(t))^2      (infinitesimal jackknife; Lawless-Nadeau when w = 1)
#   var_freq = sum_i  w_i D_i(t)^2       (w_i read as w_i independent copies of person i)
lawless_nadeau <- function(start, stop, event, id, w = rep(1, length(id))) {
  times <- sort(unique(stop))
  ids <- unique(id)
  at_risk <- sapply(times, function(t) tapply(start < t & t <= stop, factor(id, ids), any))
  dn_i <- sapply(times, function(t) tapply(event * (stop == t), factor(id, ids), sum))
  at_risk <- matrix(at_risk, nrow = length(ids)); dn_i <- matrix(dn_i, nrow = length(ids))
  wi <- as.vector(tapply(w, factor(id, ids), `[`, 1))
  y <- colSums(wi * at_risk); dn <- colSums(wi * dn_i)
  dl <- ifelse(y > 0, dn / y, 0)
  incr <- sweep(dn_i - sweep(at_risk, 2, dl, `*`), 2, ifelse(y > 0, y, 1), `/`)
  d <- t(apply(incr, 1, cumsum))
  list(time = times, n_risk = y, mcf = cumsum(dl),
       std_err = sqrt(colSums((wi * d)^2)), std_err_freq = sqrt(colSums(wi * d^2)))
}
ln_check <- function(fit, d, weighted = FALSE) {
  w <- if (weighted) d$weight else rep(1, nrow(d))
  ln <- lawless_nadeau(d$start, d$stop, d$event, d$id, w)
  stopifnot(isTRUE(all.equal(ln$time, fit$time)))
  list(max_abs_diff_mcf = max(abs(ln$mcf - fit$cumhaz)),
       max_abs_diff_std_err = max(abs(ln$std_err - fit$std.chaz)),
       max_abs_diff_std_err_freq = max(abs(ln$std_err_freq - fit$std.chaz)))
}
cg_sp <- data.frame(id = cg$id, start = cg$tstart, stop = cg$tstop, event = cg$status)
tiny_ln <- lawless_nadeau(tiny$start, tiny$stop, tiny$event, tiny$id)
tiny_ln_w <- lawless_nadeau(tiny$start, tiny$stop, tiny$event, tiny$id, tiny$weight)
ln_checks <- list(
  tiny = ln_check(survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE, data = tiny),
                  tiny),
  tiny_weighted = ln_check(survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE,
                                   data = tiny, weights = weight), tiny, weighted = TRUE),
  cgd = ln_check(survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE, data = cg_sp),
                 cg_sp),
  intervals = ln_check(survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE,
                               data = cp), cp),
  intervals_weighted = ln_check(survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE,
                                        data = cp, weights = weight), cp, weighted = TRUE)
)
print(ln_checks)

# ---- tests of equal MCFs in two groups --------------------------------------------------------
# U = sum_t Y1 Y2 / Y (dL1 - dL2) = sum_t (dN1 - Y1 dN / Y)   (constant weight, CLN 1996)
# robust variance sum_i U_i^2 with, for i in group 1, U_i = sum_t Y2/Y (dN_i - Y_i dL_r) and,
# in group 2, U_i = -sum_t Y1/Y (dN_i - Y_i dL_r); dL_r = dL_k of the person's own group
# ("groupwise", Cook-Lawless-Nadeau 1996 eq. 3.3, as reda::mcfDiff.test) or the pooled
# dL = dN / Y ("pooled": the null; equals the Andersen-Gill Breslow robust score test).
# "poisson": variance sum_t (Y1 Y2 / Y)^2 (dL1 / Y1 + dL2 / Y2) (reda's "Poisson").
mcf_test <- function(start, stop, event, id, group) {
  times <- sort(unique(stop[event > 0]))
  ids <- unique(id)
  fid <- factor(id, ids)
  g <- as.vector(tapply(group, fid, `[`, 1))
  lev <- sort(unique(group))
  at_risk <- matrix(sapply(times, function(t) tapply(start < t & t <= stop, fid, any)),
                    nrow = length(ids))
  dn_i <- matrix(sapply(times, function(t) tapply(event * (stop == t), fid, sum)),
                 nrow = length(ids))
  in1 <- g == lev[1]
  y1 <- colSums(at_risk[in1, , drop = FALSE]); y2 <- colSums(at_risk[!in1, , drop = FALSE])
  n1 <- colSums(dn_i[in1, , drop = FALSE]); n2 <- colSums(dn_i[!in1, , drop = FALSE])
  y <- y1 + y2
  both <- y1 > 0 & y2 > 0
  dl1 <- ifelse(y1 > 0, n1 / y1, 0); dl2 <- ifelse(y2 > 0, n2 / y2, 0)
  dl <- (n1 + n2) / y
  wconst <- ifelse(both, y1 * y2 / y, 0)
  u <- sum(wconst * (dl1 - dl2))
  ones <- rep(1, length(ids))
  fac <- ifelse(in1 %o% rep(1, length(times)) == 1, ones %o% (y2 / y), -ones %o% (y1 / y))
  fac <- fac * (ones %o% both)                      # persons x times
  resid <- function(dl_own) rowSums(fac * (dn_i - at_risk * dl_own))
  dl_group <- ifelse(in1 %o% rep(1, length(times)) == 1, ones %o% dl1, ones %o% dl2)
  dl_pool <- ones %o% dl
  one <- function(v) list(u = u, variance = v, statistic = u^2 / v, df = 1,
                          p = pchisq(u^2 / v, 1, lower.tail = FALSE))
  pois <- sum(wconst^2 * (ifelse(y1 > 0, dl1 / y1, 0) + ifelse(y2 > 0, dl2 / y2, 0)))
  list(groups = lev, robust_groupwise = one(sum(resid(dl_group)^2)),
       robust_pooled = one(sum(resid(dl_pool)^2)), poisson = one(pois))
}
ag_score <- function(formula, data, ties) {
  f <- coxph(formula, data = data, ties = ties)
  list(ties = ties, robust_score = as.numeric(f$rscore), score = as.numeric(f$score),
       p_robust = pchisq(as.numeric(f$rscore), 1, lower.tail = FALSE))
}
tests <- list(
  cgd_treat = c(mcf_test(cg$tstart, cg$tstop, cg$status, cg$id, as.character(cg$treat)),
                list(andersen_gill_breslow = ag_score(Surv(tstart, tstop, status) ~ treat +
                                                        cluster(id), cg, "breslow"),
                     andersen_gill_efron = ag_score(Surv(tstart, tstop, status) ~ treat +
                                                      cluster(id), cg, "efron"))),
  intervals_stratum = c(mcf_test(cp$start, cp$stop, cp$event, cp$id, cp$stratum),
                        list(andersen_gill_breslow = ag_score(Surv(start, stop, event) ~
                                                                stratum + cluster(id), cp,
                                                              "breslow"),
                             andersen_gill_efron = ag_score(Surv(start, stop, event) ~
                                                              stratum + cluster(id), cp,
                                                            "efron"))),
  tiny_group = mcf_test(tiny$start, tiny$stop, tiny$event, tiny$id, tiny$group)
)
for (k in c("cgd_treat", "intervals_stratum")) {
  stopifnot(abs(tests[[k]]$robust_pooled$statistic -
                tests[[k]]$andersen_gill_breslow$robust_score) < 1e-10)
}

ref <- list(
  meta = list(
    R = R.version.string, survival = as.character(packageVersion("survival")),
    jsonlite = as.character(packageVersion("jsonlite")),
    times = list(cgd = times_cgd, intervals = times_cp, tiny = times_tiny),
    data = list(
      cgd = "tests/data/cgd.csv (survival::cgd): Surv(tstart, tstop, status), id = id, group treat",
      intervals = paste("tests/data/counting_process.csv (see counting_process.R):",
                        "Surv(start, stop, event), id = id, group stratum, weights weight"),
      tiny = "the rows under tiny_data below (id A-D; group and weight used by the *_weighted/tiny_group entries)"),
    call = "survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE); mcf = fit$cumhaz, std_err = fit$std.chaz",
    notes = c(
      paste("mcf is survfit's cumhaz (Nelson-Aalen, ctype 1); the curve holds every stop",
            "time (event and censoring); n_risk counts rows with start < t <= stop (a gap",
            "leaves the risk set, an entry at t is not at risk at t)."),
      paste("std_err is std.chaz of survfit(..., id = id, robust = TRUE): the infinitesimal",
            "jackknife summed within id. It equals the Lawless-Nadeau (1995) robust",
            "variance sum_i (sum_{s<=t} (dN_i(s) - Y_i(s) dL(s)) / Y(s))^2 computed directly",
            "here (lawless_nadeau_check: differences at rounding level on tiny, cgd and the",
            "simulated data with gaps and delayed entry)."),
      paste("With weights R's robust variance is sum_i (w_i D_i)^2 (weights as sampling",
            "weights, the person's weight inside the square); it is NOT the variance of the",
            "data with each person replicated w_i times (sum_i w_i D_i^2,",
            "tiny_lawless_nadeau_weighted$std_err_freq; see max_abs_diff_std_err_freq)."),
      paste("std_err_poisson is std.chaz of the same fit with robust = FALSE:",
            "sqrt(sum dN / Y^2), the Poisson-process (non-robust) Nelson-Aalen SE, for contrast."),
      paste("summary(fit, times=, extend=TRUE) ('at' blocks): past the last time mcf and",
            "std_err are carried forward and n_risk is 0; n_risk at a time that is not a",
            "stop time is R's n.risk of the next stop time (not the risk set at that time)."),
      paste("R gives no confidence interval for cumhaz; lower/upper of a survfit refer to",
            "surv, and with robust = TRUE R marks std.err as on the S scale (logse = FALSE),",
            "so they cannot be turned into an MCF interval: compute the MCF interval from",
            "mcf and std_err (log: mcf * exp(+-z std_err / mcf))."),
      paste("Test of equal MCFs: survival has no function for it. The standard one is the",
            "Cook-Lawless-Nadeau (1996) pseudo-score test (reda::mcfDiff.test, not installed",
            "here: not in Debian and CRAN is not reachable), computed in this script with",
            "constant weight Y1 Y2 / Y: robust_groupwise uses each group's own rate in the",
            "residuals (CLN 1996 eq. 3.3, reda's robust default), robust_pooled the pooled",
            "rate, which is exactly coxph(Surv(start, stop, event) ~ group + cluster(id),",
            "ties = 'breslow')$rscore, the Andersen-Gill robust score (robust log-rank) test",
            "(checked to 1e-10). Efron's score at beta = 0 differs with tied event times.",
            "reda itself counts a person at risk on [origin, end] without gaps; here the",
            "(start, stop] risk sets with gaps are used."))
  ),
  tiny_data = as.list(tiny),
  mcf = mcf,
  tiny_lawless_nadeau = tiny_ln,
  tiny_lawless_nadeau_weighted = tiny_ln_w,
  lawless_nadeau_check = ln_checks,
  equal_mcf_tests = tests
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null",
                  null = "null"),
           "tests/r/mcf.json")
cat("wrote tests/r/mcf.json\n")
