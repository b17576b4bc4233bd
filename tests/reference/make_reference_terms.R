# Reference values for pdlab's formula terms beyond plain columns (log(), interactions a:b and
# a*b, a period trend), computed once with R's glm on the data of make_reference.R.
# Run from this folder: Rscript make_reference_terms.R   (R 4.2.2, Debian 12 r-base-core)
# Writes glm_terms_reference.csv (coefficients, model-based SEs, log-likelihood, AIC).
options(digits = 17)
d <- read.csv("synthetic.csv")
rs <- read.csv("dual_carbon_riskset.csv")
rows <- list()
add <- function(case, fit) {
  s <- summary(fit)$coefficients
  cf <- coef(fit)
  for (term in names(cf)) {
    rows[[length(rows) + 1]] <<- data.frame(
      case = case, term = term, estimate = unname(cf[term]),
      std_error = if (term %in% rownames(s)) s[term, 2] else NA,
      loglik = as.numeric(logLik(fit)), aic = AIC(fit), deviance = deviance(fit))
  }
}
add("synthetic_log_interaction_logit", glm(y ~ x1 + log(x3) + x1:x2, binomial("logit"), d))
add("synthetic_cross_cloglog", glm(y ~ x1 * x2 + x3, binomial("cloglog"), d))
add("dual_carbon_trend_cloglog",
    glm(event ~ horizontal + migrant_share * log_gdp_pc + log(population) + period,
        binomial("cloglog"), rs))
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), "glm_terms_reference.csv", row.names = FALSE, quote = FALSE)
