# Reference values for the mean cumulative function with FREQUENCY weights (issue 16).
# recidive reads a weight w as "this person is w persons": the result must equal that of
# the data with each person replicated w times under distinct ids. R's survfit weights are
# sampling weights (robust variance sum_i (w_i D_i)^2, see mcf.json meta.notes), so the
# reference is R on the expanded data, which is computed here:
#   survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE) on the expanded rows
#   (cumhaz = MCF, std.chaz = Lawless-Nadeau SE), and the test of equal MCFs as
#   coxph(Surv(start, stop, event) ~ group + cluster(id), ties = "breslow")$rscore on the
#   expanded rows (the Andersen-Gill robust score test; see mcf.json meta.notes), also with
#   three groups (factor3) to check the degrees of freedom beyond two groups.
#   Rscript tests/r/mcf_weights.R          (run from the repository root, after mcf.R)
# Inputs : tests/r/mcf.json (tiny_data), tests/data/counting_process.csv
# Output : tests/r/mcf_weights.json       (non-finite values written as null)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
set.seed(20250617)   # nothing random below; set for the house rule
fin <- function(x) { x[!is.finite(x)] <- NA; x }

tiny <- as.data.frame(fromJSON("tests/r/mcf.json")$tiny_data)
cp <- read.csv("tests/data/counting_process.csv")

# every row of person i repeated weight_i times; copy j of person i gets id "i#j"
expand <- function(d) {
  reps <- rep(seq_len(nrow(d)), d$weight)
  out <- d[reps, ]
  out$copy <- sequence(d$weight)
  out$id <- paste0(out$id, "#", out$copy)
  out$weight <- 1
  rownames(out) <- NULL
  out
}
tiny_x <- expand(tiny)
cp_x <- expand(cp)

curve <- function(d) {
  fit <- survfit(Surv(start, stop, event) ~ 1, data = d, id = id, robust = TRUE)
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, mcf = fit$cumhaz,
       std_err = fin(fit$std.chaz))
}
rscore <- function(formula, d) {
  f <- coxph(formula, data = d, ties = "breslow")
  s <- as.numeric(f$rscore)
  df <- length(coef(f))
  list(statistic = s, df = df, p_value = pchisq(s, df, lower.tail = FALSE))
}

ref <- list(
  meta = list(
    R = R.version.string, survival = as.character(packageVersion("survival")),
    jsonlite = as.character(packageVersion("jsonlite")),
    expanded = paste("each person's rows repeated weight times with distinct ids",
                     "(id#copy); weight then 1"),
    rows = list(tiny = nrow(tiny), tiny_expanded = nrow(tiny_x), intervals = nrow(cp),
                intervals_expanded = nrow(cp_x)),
    notes = c(
      paste("mcf_expanded: survfit(Surv(start, stop, event) ~ 1, id = id, robust = TRUE)",
            "on the expanded rows; mcf = cumhaz, std_err = std.chaz. This is the frequency",
            "weight meaning (variance sum_i w_i D_i^2); R's weights= gives sum_i (w_i D_i)^2."),
      paste("equal_mcf_tests_expanded: coxph(Surv(start, stop, event) ~ group +",
            "cluster(id), ties = 'breslow')$rscore on the expanded rows; df = number of",
            "coefficients. factor3 (3 levels) is also tested on the unweighted rows.")
    )
  ),
  mcf_expanded = list(tiny = curve(tiny_x), intervals = curve(cp_x)),
  equal_mcf_tests_expanded = list(
    tiny_group = rscore(Surv(start, stop, event) ~ group + cluster(id), tiny_x),
    intervals_stratum = rscore(Surv(start, stop, event) ~ stratum + cluster(id), cp_x),
    intervals_factor3 = rscore(Surv(start, stop, event) ~ factor3 + cluster(id), cp_x)
  ),
  equal_mcf_tests = list(
    intervals_factor3 = rscore(Surv(start, stop, event) ~ factor3 + cluster(id), cp)
  )
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), pretty = FALSE, na = "null",
                  null = "null"),
           "tests/r/mcf_weights.json")
cat("wrote tests/r/mcf_weights.json\n")
