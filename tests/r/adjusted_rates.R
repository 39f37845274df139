# Reference values for recidivism trends adjusted for the composition of exit cohorts
# (issue 17): the direct method (standardisation of a Cox model with the exit year as a factor,
# riskRegression::ate with its influence-function standard error) and the indirect method (the
# Recidivemonitor's correction: observed - expected + observed of the reference), on exit
# cohorts 2012-2019 with a common data cut-off, so that later cohorts have shorter follow-up.
#   Rscript tests/r/adjusted_rates.R          (run from the repository root)
# Writes : tests/data/exit_cohorts.csv       simulated persons, seeded
#          tests/r/adjusted_rates.json
# Every fit below is made on the data as read back from the CSV file, so Python reads exactly
# the rows R used. Non-finite values (NA, NaN, Inf) are written as null.
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(data.table); library(jsonlite)
})
seed <- 20250701
set.seed(seed)
fin <- function(x) { x[!is.finite(x)] <- NA; x }

# ---- data ------------------------------------------------------------------------------------
# 2,000 persons, exit years 2012-2019 (exit date uniform within the year), one data cut-off
# (2021-06-30): the 2012 cohort is followed 8.5-9.5 years, the 2019 cohort 1.5-2.5 years.
# Composition shifts over the years: younger (mean age 35 -> 28), more prior cases (mean
# 1.2 -> 3.3), more labour exploitation. True hazard: Weibull (shape 0.75) proportional hazards
# with age, sex, log1p(prior_cases), exploitation form and a small exit-year effect (log HR
# -0.04 per year). Drop-out (death, emigration) censors at a rate of 1/40 per year.
# days = ceiling of the continuous time: integer days >= 1 with many ties.
simulate <- function(n = 2000) {
  years <- 2012:2019
  exit_year <- sort(sample(years, n, replace = TRUE))
  k <- exit_year - 2012
  exit_date <- as.Date(paste0(exit_year, "-01-01")) + floor(runif(n) * 365)
  cutoff <- as.Date("2021-06-30")
  fu <- as.numeric(cutoff - exit_date)
  age <- round(18 + rgamma(n, shape = 2.5, scale = (17 - 1.0 * k) / 2.5), 2)
  sex <- ifelse(runif(n) < 0.8, "M", "F")
  prior_cases <- rnbinom(n, size = 1.2, mu = 1.2 + 0.3 * k)
  forms <- c("arbeid", "binnenlands_seksueel", "buitenlands_seksueel")
  u <- runif(n)
  p_bin <- 0.55 - 0.03 * k
  p_arb <- 0.20 + 0.02 * k
  form <- ifelse(u < p_bin, forms[2], ifelse(u < p_bin + p_arb, forms[1], forms[3]))
  lp <- -0.03 * (age - 30) + 0.3 * (sex == "M") + 0.5 * log1p(prior_cases) +
    c(arbeid = -0.3, binnenlands_seksueel = 0, buitenlands_seksueel = -0.15)[form] - 0.04 * k
  t_event <- 4000 * (-log(runif(n)) / exp(lp))^(1 / 0.75)
  t_drop <- rexp(n, 1 / (365.25 * 40))
  days <- ceiling(pmin(t_event, t_drop, fu))
  event <- as.integer(t_event <= pmin(t_drop, fu))
  data.frame(id = seq_len(n), exit_year, exit_date = format(exit_date),
             cutoff_date = format(cutoff), days, event, age, sex, prior_cases,
             exploitation_form = form,
             # the same data with every tie broken (for the check of the formula against ate)
             days_untied = days + (seq_len(n) - 1) * 1e-5)
}
path <- "tests/data/exit_cohorts.csv"
write.csv(simulate(), path, row.names = FALSE, quote = FALSE)
d <- read.csv(path)
d$exit_year <- factor(d$exit_year)
d$sex <- factor(d$sex, levels = c("F", "M"))
d$exploitation_form <- factor(d$exploitation_form)
years <- levels(d$exit_year)
base_year <- "2012"
horizons_years <- c(2, 5, 7)
times <- horizons_years * 365.25
all_rows <- seq_len(nrow(d))
base_rows <- which(d$exit_year == base_year)

# ---- follow-up per exit year: a (year, horizon) past the year's longest time is not reported
max_days <- tapply(d$days, d$exit_year, max)
grid <- expand.grid(horizon = seq_along(times), year = years, stringsAsFactors = FALSE)
grid$time <- times[grid$horizon]
grid$within <- as.vector(grid$time < max_days[grid$year])
status <- ifelse(grid$within, "ok", "insufficient_follow_up")
masked <- function(x) { x[!grid$within] <- NA; fin(x) }
rows_out <- function(...) c(list(exit_year = as.integer(grid$year),
                                 horizon_years = horizons_years[grid$horizon],
                                 status = status), list(...))

# ---- Kaplan-Meier: observed rates by exit year and for all rows --------------------------
km_rates <- function(data) {
  s <- summary(survfit(Surv(days, event) ~ 1, data = data), times = times, extend = TRUE)
  list(rate = 1 - s$surv, std_err = s$std.err, n_risk = s$n.risk)
}
km_year <- lapply(years, function(g) km_rates(d[d$exit_year == g, ]))
names(km_year) <- years
km_long <- function(field) unlist(lapply(years, function(g) km_year[[g]][[field]]))
km_all <- km_rates(d)
km_base <- km_year[[base_year]]

# ---- direct method --------------------------------------------------------------------------
rhs <- "age + sex + log1p(prior_cases) + exploitation_form"
fml_factor <- as.formula(paste("Surv(days, event) ~ exit_year +", rhs))
fml_strata <- as.formula(paste("Surv(days, event) ~ strata(exit_year) +", rhs))
# the call names the data frame (d or du): ate looks the data up again through fit$call
fit_cox <- function(formula, ties, data = "d") {
  eval(bquote(coxph(.(formula), data = .(as.name(data)), ties = .(ties), x = TRUE, y = TRUE)),
       globalenv())
}
fb <- fit_cox(fml_factor, "breslow")
fe <- fit_cox(fml_factor, "efron")
sb <- fit_cox(fml_strata, "breslow")
se_ <- fit_cox(fml_strata, "efron")

# mean over the reference rows of 1 - S(t | x, year = g), R's survfit(coxph, newdata)
# (Breslow fit: Breslow cumulative hazard; Efron fit: survfit's default ctype 2, the
# Efron-adjusted cumulative hazard; S = exp(-H), survfit's default stype 2). survfit with
# 2,000 newdata rows takes minutes (a stratified fit much longer), so R's curve is taken for
# the first reference row and carried to the others by S_j = S_1^exp(eta_j - eta_1), which
# is how survfit.coxph builds a curve for newdata (H(t | x) = H_c(t) exp(eta)); the
# full-newdata result is compared on the base-year rows (checks.max_abs_diff_scaled_vs_full_*).
survfit_risk_rows <- function(fit, nd, full = FALSE) {
  if (full) {
    s <- summary(survfit(fit, newdata = nd, se.fit = FALSE), times = times, extend = TRUE)
    return(1 - matrix(s$surv, nrow = length(times)))
  }
  s1 <- summary(survfit(fit, newdata = nd[1, ], se.fit = FALSE), times = times,
                extend = TRUE)$surv
  eta <- drop(model.matrix(fit, data = nd) %*% coef(fit))
  1 - outer(s1, exp(eta - eta[1]), "^")                  # times x rows
}
survfit_mean_risk <- function(fit, ref, full = FALSE) {
  unlist(lapply(years, function(g) {
    nd <- d[ref, ]
    nd$exit_year <- factor(g, levels = years)
    rowMeans(survfit_risk_rows(fit, nd, full))
  }))
}

# riskRegression::ate, G-formula; ate's rows come ordered by year then time, as grid
ate_mean_risk <- function(fit, ref, data = d) {
  a <- if (length(ref) == nrow(data)) {
    ate(fit, treatment = "exit_year", data = data, times = times, se = TRUE, verbose = FALSE)
  } else {
    ate(fit, treatment = "exit_year", data = data[ref, ], data.index = ref, times = times,
        se = TRUE, verbose = FALSE)
  }
  m <- as.data.table(a, type = "meanRisk")
  stopifnot(identical(as.character(m$level), as.character(grid$year)),
            isTRUE(all.equal(m$time, grid$time)))
  list(estimate = m$estimate, std_err = m$se)
}

# The influence function of mean_{j in ref} (1 - S(t | x_j, g)) written out (Breslow fit):
#   IF_i = 1{i in ref} (F_i - Fbar) / m
#        + mean_j(S_j e_j) IF_i(L0(t)) + L0(t) mean_j(S_j e_j x_jg)' IF_i(beta)
#   IF_i(beta) = score residual_i %*% vcov(fit)
#   IF_i(L0(t)) = sum_{t_k <= t} (dN_i(t_k) - Y_i(t_k) r_i dL0_k) / S0_k - H(t)' IF_i(beta),
#                 H(t) = sum_{t_k <= t} E_k dL0_k,  E_k = S1_k / S0_k
#   std_err = sqrt(sum_i IF_i^2)
# (x_jg: row j's uncentred model-matrix row with the year set to g, e_j = exp(x_jg' beta),
# L0: Breslow cumulative hazard at x = 0, dL0_k = d_k / S0_k, r_i = exp(x_i' beta).)
# score = "dfbeta": the Breslow score residual, sum_k (dN_ik - Y_ik r_i dL0_k)(x_i - E_k),
#   = residuals(fit, "dfbeta") %*% solve(vcov); score = "riskRegression": the form in
#   riskRegression's IFbeta_cpp, sum_k (dN_ik - Y_ik r_i / S0_k)(x_i - E_k), which counts
#   one event per distinct event time (d_k = 1) and so differs from it at tied event times.
cox_pieces <- function(fit, score = c("dfbeta", "riskRegression")) {
  score <- match.arg(score)
  X <- fit$x; beta <- coef(fit); time <- fit$y[, 1]; status <- fit$y[, 2]
  r <- exp(drop(X %*% beta))
  et <- sort(unique(time[status == 1]))
  Y <- outer(time, et, ">=")
  dNi <- (outer(time, et, "==") & (status == 1)) * 1
  S0 <- colSums(Y * r)
  E <- crossprod(Y * r, X) / S0
  dL <- colSums(dNi) / S0
  M <- dNi - Y * r * rep(dL, each = nrow(X))
  Ms <- if (score == "dfbeta") M else dNi - Y * r * rep(1 / S0, each = nrow(X))
  U <- X * rowSums(Ms) - Ms %*% E
  list(beta = beta, et = et, S0 = S0, E = E, dL = dL, M = M, IFb = U %*% fit$var)
}
if_mean_risk <- function(fit, P, ref, data = d) {
  out <- lapply(years, function(g) {
    nd <- data[ref, ]
    nd$exit_year <- factor(g, levels = years)
    Xg <- model.matrix(fit, data = nd)
    e <- exp(drop(Xg %*% P$beta))
    sapply(times, function(t) {
      k <- P$et <= t
      L0 <- sum(P$dL[k])
      H <- colSums(P$E[k, , drop = FALSE] * P$dL[k])
      IFL <- drop(P$M[, k, drop = FALSE] %*% (1 / P$S0[k])) - drop(P$IFb %*% H)
      S <- exp(-L0 * e)
      F <- 1 - S
      IF <- mean(S * e) * IFL + drop(P$IFb %*% (L0 * colMeans(S * e * Xg)))
      IF[ref] <- IF[ref] + (F - mean(F)) / length(ref)
      c(mean(F), sqrt(sum(IF^2)))
    })
  })
  list(estimate = unlist(lapply(out, function(o) o[1, ])),
       std_err = unlist(lapply(out, function(o) o[2, ])))
}

direct_block <- function(fit, ref, P = NULL, data = d) {
  a <- ate_mean_risk(fit, ref, data)
  res <- list(estimate = a$estimate, std_err_ate = a$std_err)
  if (!is.null(P)) {
    h <- if_mean_risk(fit, P$dfbeta, ref, data)
    h_rr <- if_mean_risk(fit, P$riskRegression, ref, data)
    res$std_err_dfbeta <- h$std_err
    res$check <- list(
      max_abs_diff_estimate_hand_vs_ate = max(abs(h$estimate - a$estimate)),
      max_abs_diff_std_err_riskRegression_form_vs_ate = max(abs(h_rr$std_err - a$std_err)),
      max_abs_diff_std_err_dfbeta_vs_ate = max(abs(h$std_err - a$std_err)))
  }
  res
}
pieces <- function(fit) list(dfbeta = cox_pieces(fit, "dfbeta"),
                             riskRegression = cox_pieces(fit, "riskRegression"))
Pb <- pieces(fb)
dir_b_all <- direct_block(fb, all_rows, Pb)
dir_b_base <- direct_block(fb, base_rows, Pb)
sv_b_all <- survfit_mean_risk(fb, all_rows)
sv_b_base <- survfit_mean_risk(fb, base_rows)
sv_e_all <- survfit_mean_risk(fe, all_rows)
sv_e_base <- survfit_mean_risk(fe, base_rows)
ate_e_all <- ate_mean_risk(fe, all_rows)
sv_sb_all <- survfit_mean_risk(sb, all_rows)
sv_sb_base <- survfit_mean_risk(sb, base_rows)
sv_se_all <- survfit_mean_risk(se_, all_rows)
sv_se_base <- survfit_mean_risk(se_, base_rows)
ate_sb_all <- ate_mean_risk(sb, all_rows)
ate_sb_base <- ate_mean_risk(sb, base_rows)

# the same data with ties broken (days_untied): here the written-out formula equals ate
du <- d
du$days <- du$days_untied
fu_b <- fit_cox(fml_factor, "breslow", "du")
Pu <- pieces(fu_b)
dir_u_all <- direct_block(fu_b, all_rows, Pu, du)
dir_u_base <- direct_block(fu_b, base_rows, Pu, du)

checks <- list(
  breslow_all = dir_b_all$check, breslow_base = dir_b_base$check,
  untied_all = dir_u_all$check, untied_base = dir_u_base$check,
  max_abs_diff_ate_vs_survfit_breslow_all = max(abs(dir_b_all$estimate - sv_b_all)),
  max_abs_diff_ate_vs_survfit_breslow_base = max(abs(dir_b_base$estimate - sv_b_base)),
  max_abs_diff_ate_vs_survfit_efron_all = max(abs(ate_e_all$estimate - sv_e_all)),
  max_abs_diff_ate_vs_survfit_strata_breslow_all =
    max(abs(masked(ate_sb_all$estimate) - masked(sv_sb_all)), na.rm = TRUE),
  max_abs_diff_ate_vs_survfit_strata_breslow_base =
    max(abs(masked(ate_sb_base$estimate) - masked(sv_sb_base)), na.rm = TRUE),
  max_abs_diff_dfbeta_vs_residuals_dfbeta =
    max(abs(Pb$dfbeta$IFb - residuals(fb, "dfbeta"))),
  max_abs_diff_riskRegression_form_vs_iidCox_IFbeta =
    max(abs(Pb$riskRegression$IFb - iidCox(fb, return.object = FALSE)$IFbeta)),
  max_abs_diff_scaled_vs_full_efron_base =
    max(abs(sv_e_base - survfit_mean_risk(fe, base_rows, full = TRUE))),
  max_abs_diff_scaled_vs_full_strata_efron_base =
    max(abs(sv_se_base - survfit_mean_risk(se_, base_rows, full = TRUE))),
  ate_strata_null_exactly_where_past_follow_up =
    identical(is.na(ate_sb_all$estimate), !grid$within)
)
strip <- function(b) { b$check <- NULL; lapply(b, masked) }
direct <- list(
  breslow_all = do.call(rows_out, strip(dir_b_all)),
  breslow_base = do.call(rows_out, strip(dir_b_base)),
  efron_all = rows_out(estimate = masked(sv_e_all),
                       std_err_ate_efron_fit = masked(ate_e_all$std_err)),
  efron_base = rows_out(estimate = masked(sv_e_base)),
  strata_breslow_all = rows_out(estimate = masked(sv_sb_all),
                                std_err_ate = masked(ate_sb_all$std_err)),
  strata_breslow_base = rows_out(estimate = masked(sv_sb_base),
                                 std_err_ate = masked(ate_sb_base$std_err)),
  strata_efron_all = rows_out(estimate = masked(sv_se_all)),
  strata_efron_base = rows_out(estimate = masked(sv_se_base)),
  untied_breslow_all = do.call(rows_out, strip(dir_u_all)),
  untied_breslow_base = do.call(rows_out, strip(dir_u_base))
)

# ---- indirect method (the Recidivemonitor's correction) ----------------------------------
# expected_g = mean over the rows of year g of 1 - S(t | x) from a Cox model WITHOUT the year;
# adjusted_g = observed_g - expected_g + observed_ref
fml_noyear <- as.formula(paste("Surv(days, event) ~", rhs))
indirect_block <- function(ties, ref) {
  fit <- fit_cox(fml_noyear, ties)
  risk <- survfit_risk_rows(fit, d)                      # times x rows
  expected <- unlist(lapply(years, function(g) rowMeans(risk[, d$exit_year == g, drop = FALSE])))
  observed <- km_long("rate")
  obs_ref <- if (ref == "all") km_all$rate else km_base$rate
  exp_ref <- rowMeans(risk[, if (ref == "all") all_rows else base_rows, drop = FALSE])
  obs_ref_long <- obs_ref[grid$horizon]
  exp_ref_long <- exp_ref[grid$horizon]
  rows_out(observed = masked(observed), expected = masked(expected),
           observed_ref = masked(obs_ref_long),
           adjusted = masked(observed - expected + obs_ref_long),
           expected_ref = masked(exp_ref_long),
           adjusted_by_expected_ref = masked(observed - expected + exp_ref_long))
}
indirect <- list(breslow_all = indirect_block("breslow", "all"),
                 breslow_base = indirect_block("breslow", "base"),
                 efron_all = indirect_block("efron", "all"),
                 efron_base = indirect_block("efron", "base"))

# ---- the fits, for debugging -------------------------------------------------------------
fit_summary <- function(fit) list(names = names(coef(fit)), coef = unname(coef(fit)),
                                  std_err = unname(sqrt(diag(fit$var))),
                                  loglik = fit$loglik[2])
fits <- list(factor_breslow = fit_summary(fb), factor_efron = fit_summary(fe),
             strata_breslow = fit_summary(sb), strata_efron = fit_summary(se_),
             noyear_breslow = fit_summary(fit_cox(fml_noyear, "breslow")),
             noyear_efron = fit_summary(fit_cox(fml_noyear, "efron")),
             untied_factor_breslow = fit_summary(fu_b))

data_summary <- list(
  exit_year = as.integer(years), n = as.integer(table(d$exit_year)),
  n_events = as.integer(tapply(d$event, d$exit_year, sum)),
  max_days = as.integer(max_days), max_days_all = max(d$days),
  mean_age = unname(tapply(d$age, d$exit_year, mean)),
  mean_prior_cases = unname(tapply(d$prior_cases, d$exit_year, mean)),
  share_male = unname(tapply(d$sex == "M", d$exit_year, mean)),
  n_tied_event_days = sum(duplicated(d$days[d$event == 1])),
  n_distinct_event_days = length(unique(d$days[d$event == 1])))

km <- list(
  by_year = rows_out(observed_rate = masked(km_long("rate")), std_err = masked(km_long("std_err")),
                     n_risk = km_long("n_risk")),
  all = list(horizon_years = horizons_years, observed_rate = km_all$rate,
             std_err = km_all$std_err, n_risk = km_all$n_risk))

recidivemonitor <- list(
  summary = paste(
    "Searched the stored pages (Dutch and English queries: gecorrigeerde recidive, Recidive onder",
    "justitiabelen in Nederland, referentiejaar, voorspelde recidive, Recidivebericht). The",
    "stored excerpts name the method but do not reach its text: the biennial report 'Recidive",
    "onder justitiabelen in Nederland. Verslag over de periode 2006-2018' (Cahier 2019-10,",
    "Weijters, Verweij, Tollenaar, Hill) has sections 2.2.1 'Berekenen feitelijke recidive',",
    "2.2.2 'Berekenen gecorrigeerde recidive', 2.2.3 'Correctie prevalentie recidive'; the",
    "WODC high-impact-crime reports (Cahier 2021-7, Kros; Cahier 2020-1, Blokdijk) have",
    "'Feitelijke en gecorrigeerde recidiveontwikkeling in de tijd', a 'Referentiegroep' section",
    "and an appendix 'Voorspellingsmodellen gecorrigeerde recidiveontwikkeling' (the correction",
    "rests on a prediction model of recidivism from background characteristics); the WODC",
    "magazine (2019) says the REPRIS figures are descriptive and not corrected for shifts in",
    "the composition of the populations; the Recidivebericht 2015 factsheet says its series",
    "starts at 2002 as the start year of the recidivism-reduction programmes. Which cohort",
    "the monitor takes as reference (the first year of the series, or all years pooled) and",
    "the exact formula could not be read in the stored material: confirm from the PDF of",
    "Cahier 2019-10, section 2.2.2, before documenting it as the monitor's."),
  sources = c(
    "https://www.parlementairemonitor.nl/9353000/1/j9vvij5epmj1ey0/vkztiy3pt9xi",
    "https://5dok.net/document/zx5047dv-achtergronden-recidive-onder-daders-high-impact-crimes-veroordeeld.html",
    "https://5dok.net/document/qmjvpd65-achtergronden-recidive-onder-daders-high-impact-crimes-veroordeeld.html",
    "https://magazines.wodc.nl/wodcmagazine/2019/03/tweejaarlijkse-recidive",
    "https://repository.wodc.nl/handle/20.500.12832/1/browse?type=title&value=Landelijke+cijfers+over+de+terugval+van+justitiabelen+bestraft+in+de+periode+2002-2012",
    "https://wodc.nl/cijfers-en-prognoses/Recidive-monitor/Onderzoeksmethode/index.aspx"))

notes <- c(
  "Rows of every block: exit_year x horizon_years (years ascending, horizons 2, 5, 7 within a year); status 'insufficient_follow_up' where the horizon lies past the year's longest observed time (data_summary.max_days), and then every rate of the row is null (R's values there are extrapolations of the pooled or proportional-hazards baseline, never reported); 'ok' otherwise. Past follow-up: 2015-2019 at 7 years, 2017-2019 at 5 years.",
  "Data: tests/data/exit_cohorts.csv; exit_year as a factor (levels 2012-2019, reference 2012), sex factor (reference F), exploitation_form factor (reference arbeid), covariates age (years, 2 decimals), log1p(prior_cases). Horizons in days: years * 365.25. Reference populations: '_all' = all 2,000 rows (pooled), '_base' = the rows of base year 2012 (the first cohort).",
  "Direct method (direct.*.estimate): for each year g, the mean over the reference rows of 1 - S(t | x_j, year = g) from coxph(Surv(days, event) ~ exit_year + age + sex + log1p(prior_cases) + exploitation_form), i.e. R's 1 - rowMeans(summary(survfit(fit, newdata = ref rows with exit_year set to g), times)$surv). Breslow fit: S = exp(-L0_Breslow(t) exp(x'b)); equal to riskRegression::ate(fit, treatment = 'exit_year', data, times, se = TRUE) (checks.max_abs_diff_ate_vs_survfit_*). Efron fit: survfit's default ctype 2 (Efron-adjusted cumulative hazard: at a time with d tied events the increment is sum_{r=0}^{d-1} 1 / (S0 - r/d * sum of the tied events' risk scores)), stype 2 (exp(-H)); riskRegression 2022.11.28 uses the same Efron baseline for an Efron fit (checks.max_abs_diff_ate_vs_survfit_efron_all).",
  "What ate computes (G-formula, Cox, se = TRUE, B = 0): estimate = mean_j F(t | x_j, g); std_err = sqrt(sum_i IF_i^2) with the influence function written out in adjusted_rates.R (if_mean_risk): the first term 1{i in ref}(F_i - Fbar)/m for the reference population's covariates, the second the Cox model's (baseline hazard and coefficients), no n/(n-1) factor. With data.index (the base-year reference) the first term sits on the base-year rows only and m is their number, while the model term runs over all n persons.",
  "SURPRISE: riskRegression 2022.11.28's IF of beta (src/iidCox.cpp, IFbeta_cpp) is not the Breslow score residual when event times are tied: its compensator is sum_{t_k <= T_i} r_i (x_i - E_k) / S0_k, one event per distinct time, instead of sum d_k r_i (x_i - E_k) / S0_k (residuals(fit, 'dfbeta')). The written-out formula with that form equals ate to rounding (checks.*.max_abs_diff_std_err_riskRegression_form_vs_ate); with the Breslow score residual (std_err_dfbeta) it differs from ate by up to checks.breslow_all.max_abs_diff_std_err_dfbeta_vs_ate on these tied days. On the same data with ties broken (days_untied = days + (row - 1) * 1e-5, untied_* blocks) the two agree with ate to rounding: the formula is right, only the tie multiplicity differs. std_err_ate is what ate reports; std_err_dfbeta is the influence function with the correct Breslow score residual.",
  "direct.efron_all.std_err_ate_efron_fit: ate on the Efron fit, informational: the same formula with the Efron fit's coefficients and vcov and Efron baseline increments dL0_k, and the riskRegression score form (Breslow risk-set means E_k, 1/S0_k); it is not an Efron-consistent influence function.",
  "Stratified alternative (direct.strata_*): coxph(Surv(days, event) ~ strata(exit_year) + covariates); estimate = mean over the reference rows of 1 - S_g(t | x) with year g's own baseline (survfit(fit, newdata with exit_year = g)); std_err_ate = ate on the stratified Breslow fit (riskRegression score form as above). ate returns NA exactly where the horizon is past the stratum's longest time (checks.ate_strata_null_exactly_where_past_follow_up).",
  "Indirect method (indirect.*): observed = 1 - Kaplan-Meier of year g at t; expected = mean over the rows of year g of 1 - S(t | x) from coxph(Surv(days, event) ~ age + sex + log1p(prior_cases) + exploitation_form) WITHOUT the year (breslow_*: ties = 'breslow'; efron_*: ties = 'efron'; survfit(fit, newdata) with its default ctype per ties); observed_ref = 1 - KM of the reference (_all: all rows; _base: year 2012); adjusted = observed - expected + observed_ref. Alternatives: expected_ref = mean of the same model's 1 - S(t | x) over the reference rows, adjusted_by_expected_ref = observed - expected + expected_ref (with it, adjusted_base of 2012 equals its observed rate exactly, which adjusted with observed_ref does not). Point estimates only.",
  "Note on observed_ref with staggered follow-up: the pooled KM at 5 and 7 years is estimated from the early cohorts only (the later ones are censored before), so the pooled reference at long horizons carries the early cohorts' composition, while expected_ref averages over all rows.",
  "km.by_year: 1 - KM by exit year with Greenwood std_err of S (summary(survfit)$std.err) and n_risk (R's n.risk at the next time); km.all for all rows.",
  "riskRegression's predictions use exp(-cumulative hazard) for a Cox model (product.limit = FALSE), as survfit.coxph's default stype 2."
)

ref <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              riskRegression = as.character(packageVersion("riskRegression")),
              data.table = as.character(packageVersion("data.table")),
              jsonlite = as.character(packageVersion("jsonlite")), seed = seed,
              data = "tests/data/exit_cohorts.csv (written by this script, read back before every fit)",
              horizons_years = horizons_years, horizons_days = times, base_year = as.integer(base_year),
              formula_direct = deparse1(fml_factor), formula_strata = deparse1(fml_strata),
              formula_indirect = deparse1(fml_noyear),
              ate_call = "ate(fit, treatment = 'exit_year', data = d, times = times, se = TRUE); base year: ate(fit, treatment = 'exit_year', data = d[base, ], data.index = base, times = times, se = TRUE)",
              notes = notes, recidivemonitor = recidivemonitor, checks = checks),
  data_summary = data_summary, km = km, direct = direct, indirect = indirect, fits = fits
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null"),
           "tests/r/adjusted_rates.json")
cat("wrote tests/data/exit_cohorts.csv and tests/r/adjusted_rates.json\n")
