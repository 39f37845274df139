# More reference values for counting-process Cox models (issue 15), beside counting_process.R:
# frequency weights as the expanded data (each row repeated `weight` times, its id kept),
# which is what recidive's weights mean (R's weighted Efron is not the expanded data), and
# predicted survival (survfit.coxph with newdata) of a (start, stop] fit.
#   Rscript tests/r/counting_process_extra.R     (run from the repository root, after
#                                                 counting_process.R has written the data)
# Reads  : tests/data/counting_process.csv
# Writes : tests/r/counting_process_extra.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
fin <- function(x) { x[!is.finite(x)] <- NA; x }
cp <- read.csv("tests/data/counting_process.csv")
cp$factor3 <- factor(cp$factor3, levels = c("a", "b", "c"))
ex <- cp[rep(seq_len(nrow(cp)), cp$weight), ]          # frequency weights, expanded

test3 <- function(v) if (is.null(v)) NULL else
  list(statistic = unname(v[1]), df = unname(v[2]), p = unname(v[3]))
fit_info <- function(f) {
  s <- summary(f)
  naive <- if (is.null(f$naive.var)) f$var else f$naive.var
  list(names = names(coef(f)), coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))),
       naive_se = unname(sqrt(diag(naive))), loglik_null = f$loglik[1], loglik = f$loglik[2],
       lr_test = test3(s$logtest), score_test = test3(s$sctest),
       wald_test = list(statistic = f$wald.test, df = length(coef(f))),
       robust_score_test = test3(s$robscore), concordance = as.list(f$concordance),
       n = f$n, nevent = f$nevent)
}
base <- Surv(start, stop, event) ~ tv + x + factor3
newdata <- data.frame(tv = c(0, 1, 1), x = c(0, 1.5, -0.7), factor3 = c("a", "c", "b"),
                      stratum = c("s1", "s2", "s1"))
newdata$factor3 <- factor(newdata$factor3, levels = c("a", "b", "c"))
pred_times <- c(0.5, 1, 4, 7.5, 10, 20, 30, 39, 40)
predict_at <- function(fit) {
  s <- summary(survfit(fit, newdata = newdata), times = pred_times, extend = TRUE)
  # one row per requested time, one column per newdata row (per stratum for strata fits)
  m <- matrix(s$surv, nrow = length(pred_times))
  list(times = pred_times, surv = lapply(seq_len(ncol(m)), function(j) fin(m[, j])))
}
out <- list()
for (ties in c("efron", "breslow")) {
  plain <- coxph(base, data = cp, ties = ties)
  strat <- coxph(update(base, . ~ . + strata(stratum)), data = cp, ties = ties)
  out[[ties]] <- list(
    expanded = fit_info(coxph(base, data = ex, ties = ties)),
    expanded_cluster = fit_info(coxph(update(base, . ~ . + cluster(id)), data = ex,
                                      ties = ties)),
    predict_plain = predict_at(plain),
    strata_last_time = as.list(tapply(cp$stop, cp$stratum, max))
  )
  # a stratified fit predicts each newdata row in its own stratum
  sf <- survfit(strat, newdata = newdata)
  out[[ties]]$predict_strata <- lapply(seq_len(nrow(newdata)), function(j) {
    s <- summary(sf[j], times = pred_times, extend = TRUE)
    fin(s$surv)
  })
}
ref <- list(
  meta = list(
    R = R.version.string, survival = as.character(packageVersion("survival")),
    data = "tests/data/counting_process.csv (written by counting_process.R)",
    notes = c(
      paste("expanded: coxph on the data with each row repeated `weight` times (its id kept);",
            "recidive's fit_cox(weights='weight') should equal it, Efron included.",
            "expanded_cluster adds cluster(id): the copies of a row stay in its cluster."),
      paste("predict_*: summary(survfit(fit, newdata), times, extend = TRUE)$surv, one list",
            "per newdata row; survfit.coxph carries the curve forward past the last time",
            "(recidive gives NaN there); strata fits predict each row in its own stratum.")
    )),
  cox = out, newdata = newdata)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null",
                  null = "null"), "tests/r/counting_process_extra.json")
cat("wrote tests/r/counting_process_extra.json\n")
