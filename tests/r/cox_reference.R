# Reference values for recidive's Cox model tests, from R survival.
#   Rscript tests/r/cox_reference.R        (run from the repository root)
# Inputs : tests/data/cox_cohort.csv, tests/data/cox_collapsed.csv
#          (written by tests/r/cox_make_data.py, seeded)
# Output : tests/r/cox_reference.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
d <- read.csv("tests/data/cox_cohort.csv")
d$sex <- factor(d$sex)                                     # reference "F" (first level)
d$form <- relevel(factor(d$form), ref = "crimineel")       # reference "crimineel"
d$region <- factor(d$region)

fit_info <- function(f) {
  s <- summary(f)
  cf <- coef(f)
  list(
    names = names(cf), coef = unname(cf), se = unname(sqrt(diag(vcov(f)))),
    naive_se = if (is.null(f$naive.var)) NULL else unname(sqrt(diag(f$naive.var))),
    vcov = unname(vcov(f)), loglik_null = f$loglik[1], loglik = f$loglik[2],
    lr_test = unname(s$logtest["test"]), wald_test = unname(f$wald.test),
    score_test = unname(s$sctest["test"]),
    concordance = unname(f$concordance["concordance"]),
    concordance_se = unname(f$concordance["std"]),
    concordance_counts = as.list(f$concordance[c("concordant", "discordant", "tied.x",
                                                 "tied.y", "tied.xy")]),
    iterations = f$iter, n = f$n, nevent = f$nevent
  )
}
zph_info <- function(f) {
  z <- cox.zph(f)                 # transform = "km", terms = TRUE
  list(terms = rownames(z$table), chisq = unname(z$table[, "chisq"]),
       df = unname(z$table[, "df"]), p = unname(z$table[, "p"]),
       y_head = unname(z$y[1:10, , drop = FALSE]), x_head = unname(z$x[1:10]),
       time_head = unname(z$time[1:10]))
}

form_strat <- Surv(days, event) ~ young + prior + sex + form + strata(region)
form_plain <- Surv(days, event) ~ young + prior + sex + form
out <- list()
for (ties in c("efron", "breslow")) {
  fs <- coxph(form_strat, data = d, ties = ties)
  fp <- coxph(form_plain, data = d, ties = ties)
  fr <- coxph(form_plain, data = d, ties = ties, robust = TRUE)
  nd <- data.frame(young = c(0, 1, 1), prior = c(0, 2, 5),
                   sex = factor(c("M", "F", "M"), levels = levels(d$sex)),
                   form = factor(c("crimineel", "arbeid", "binnenlands"), levels = levels(d$form)),
                   region = factor(c("noord", "zuid", "midden"), levels = levels(d$region)))
  times <- c(30, 100, 365, 500, 729)
  sp <- summary(survfit(fp, newdata = nd), times = times)
  ss <- lapply(1:3, function(i) summary(survfit(fs, newdata = nd[i, ]), times = times)$surv)
  out[[ties]] <- list(
    strata = fit_info(fs), plain = fit_info(fp), robust = fit_info(fr),
    zph_strata = zph_info(fs), zph_plain = zph_info(fp),
    predict_times = times,
    predict_plain = unname(sp$surv),          # rows = times, columns = newdata rows
    predict_strata = unname(do.call(cbind, ss))
  )
}

w <- read.csv("tests/data/cox_collapsed.csv")
long <- w[rep(seq_len(nrow(w)), w$n), ]
long$group <- factor(long$group)
wout <- list()
for (ties in c("efron", "breslow")) {
  f <- coxph(Surv(months, event) ~ young + group, data = long, ties = ties)
  wout[[ties]] <- fit_info(f)
  wout[[ties]]$zph <- zph_info(f)
}

ref <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              note = paste("cox_cohort: sex reference F, form reference crimineel;",
                           "expanded = cox_collapsed.csv rows repeated n times")),
  cohort = out, expanded = wout
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(15), pretty = TRUE, null = "null"),
           "tests/r/cox_reference.json")
cat("wrote tests/r/cox_reference.json\n")
