# Reference value from R survival for the test of equal MCFs when the robust variance of
# observed - expected is singular (issue 16): one group's persons have no residual, so its
# variance is 0, which floating point leaves as ~1e-33. The Andersen-Gill robust score test,
# coxph(Surv(entry, stop, event) ~ factor(group) + cluster(id), ties = "breslow")$rscore,
# with each group as the reference level (a generalized inverse gives the same value).
# The data are a hypothesis example that once gave 1.8 in recidive instead of 1.
#   Rscript tests/r/mcf_equality_singular.R    (run from the repository root)
# Output : tests/r/mcf_equality_singular.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
set.seed(20261201)   # nothing random below; set for the house rule
d <- data.frame(
  id    = c(0, 1, 1, 1, 1, 2, 2, 3, 4, 4, 4, 4),
  entry = c(0, 0, 1, 2, 3, 0, 2, 0, 0, 1, 2, 4),
  stop  = c(1, 1, 2, 3, 7, 2, 4, 1, 1, 2, 4, 7),
  event = c(0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1),
  group = c(0, 1, 2, 0, 1, 0, 1, 0, 2, 0, 1, 2))
rscore <- sapply(list(c(0, 1, 2), c(1, 0, 2), c(2, 0, 1)), function(lv) {
  f <- suppressWarnings(coxph(Surv(entry, stop, event) ~ factor(group, levels = lv) +
                                cluster(id), data = d, ties = "breslow"))
  as.numeric(f$rscore)
})
write_json(list(data = d, robust_score = rscore, df = 2L,
                call = "coxph(Surv(entry, stop, event) ~ factor(group) + cluster(id), ties = 'breslow')$rscore"),
           "tests/r/mcf_equality_singular.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
