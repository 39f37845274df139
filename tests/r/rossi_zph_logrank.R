# R reference for the Rossi notebook (notebooks/02_rossi_recidivism.ipynb) and
# tests/estimation/test_rossi_zph_logrank.py: cox.zph and survdiff on the Rossi data.
#   cd tests/r && Rscript rossi_zph_logrank.R     (R 4.2.2, survival 3.5-3)
suppressPackageStartupMessages({library(survival); library(jsonlite)})
d <- read.csv("../../recidive/datasets/data/rossi.csv")
fit <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = d)
z <- cox.zph(fit)   # transform = "km", terms = TRUE
sd <- survdiff(Surv(week, arrest) ~ fin, data = d)
out <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              zph = "cox.zph(coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio))",
              logrank = "survdiff(Surv(week, arrest) ~ fin)"),
  zph = list(term = rownames(z$table), chisq = unname(z$table[, "chisq"]),
             df = unname(z$table[, "df"]), p = unname(z$table[, "p"])),
  logrank = list(chisq = sd$chisq, df = length(sd$n) - 1,
                 p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
                 observed = unname(sd$obs), expected = unname(sd$exp))
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "rossi_zph_logrank.json")
cat("wrote rossi_zph_logrank.json\n")
