# Reference values for pdlab's discrete-time EHA (binomial GLM), computed once with R's glm.
# Run from this folder: Rscript make_reference.R   (R 4.2.2, Debian 12 r-base-core)
# Writes synthetic.csv (data) and glm_reference.csv (coefficients and model-based SEs).
options(digits = 17)
set.seed(20181115)
n <- 5000
d <- data.frame(
  g = sample(1:50, n, replace = TRUE),
  x1 = rnorm(n),
  x2 = rbinom(n, 1, 0.4),
  x3 = runif(n)
)
d$x4 <- 2 * d$x1 - d$x3             # exactly collinear with x1 and x3
eta <- -2 + 0.5 * d$x1 - 0.7 * d$x2 + 1.2 * d$x3
d$y <- rbinom(n, 1, plogis(eta))
d$off <- log(1 + d$g / 50)          # an offset
d$g4 <- d$g %% 4
write.csv(d, "synthetic.csv", row.names = FALSE)

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
add("synthetic_logit", glm(y ~ x1 + x2 + x3, binomial("logit"), d))
add("synthetic_cloglog", glm(y ~ x1 + x2 + x3, binomial("cloglog"), d))
add("synthetic_offset_logit", glm(y ~ x1 + x2 + x3 + offset(off), binomial("logit"), d))
add("synthetic_collinear_logit", glm(y ~ x1 + x2 + x3 + x4, binomial("logit"), d))
add("synthetic_factor_cloglog", glm(y ~ x1 + factor(x2) + factor(g4), binomial("cloglog"), d))

rs <- read.csv("dual_carbon_riskset.csv")
add("dual_carbon_cloglog",
    glm(event ~ horizontal + migrant_share + log_gdp_pc + factor(period), binomial("cloglog"), rs))
add("dual_carbon_logit",
    glm(event ~ horizontal + migrant_share + log_gdp_pc + factor(period), binomial("logit"), rs))
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), "glm_reference.csv", row.names = FALSE, quote = FALSE)

# Cluster-robust standard errors: sandwich::vcovCL (sandwich 3.0.2), type "HC1" with the
# cluster adjustment G/(G-1), i.e. G/(G-1) * (N-1)/(N-K), bread from the expected information.
library(sandwich)
crows <- list()
addcl <- function(case, fit, cluster) {
  v <- vcovCL(fit, cluster = cluster, type = "HC1")
  cf <- coef(fit)
  for (term in names(cf)) {
    crows[[length(crows) + 1]] <<- data.frame(case = case, term = term,
      estimate = unname(cf[term]), std_error = sqrt(v[term, term]))
  }
}
addcl("synthetic_logit_cluster_g", glm(y ~ x1 + x2 + x3, binomial("logit"), d), ~g)
addcl("synthetic_cloglog_cluster_g", glm(y ~ x1 + x2 + x3, binomial("cloglog"), d), ~g)
rsc <- rs[complete.cases(rs[, c("horizontal", "migrant_share", "log_gdp_pc")]), ]
addcl("dual_carbon_cloglog_cluster_parent",
      glm(event ~ horizontal + migrant_share + log_gdp_pc + factor(period), binomial("cloglog"), rsc),
      ~parent_id)
write.csv(format(do.call(rbind, crows), digits = 17), "cluster_reference_r.csv",
          row.names = FALSE, quote = FALSE)

# Cox proportional hazards: survival::coxph (survival 3.4-0), counting-process data.
library(survival)
set.seed(2015)
m <- 800
cx <- data.frame(x1 = rnorm(m), x2 = rbinom(m, 1, 0.5), s = sample(1:3, m, TRUE), g = sample(1:40, m, TRUE))
tt <- round(rexp(m, exp(0.5 * cx$x1 - 0.3 * cx$x2)), 1) + 0.1   # rounded: many ties
cx$tstop <- pmin(tt, 3)
cx$event <- as.integer(tt <= 3)
cx$tstart <- ifelse(runif(m) < 0.25, round(runif(m, 0, 0.5), 2), 0)
cx$tstart <- pmin(cx$tstart, cx$tstop - 0.05)
write.csv(cx, "cox_synthetic.csv", row.names = FALSE)
xrows <- list()
addcox <- function(case, fit) {
  cf <- coef(fit)
  se <- sqrt(diag(fit$var))
  rse <- if (!is.null(fit$naive.var)) sqrt(diag(fit$var)) else rep(NA, length(cf))
  if (!is.null(fit$naive.var)) se <- sqrt(diag(fit$naive.var))
  for (j in seq_along(cf)) {
    xrows[[length(xrows) + 1]] <<- data.frame(case = case, term = names(cf)[j], estimate = cf[j],
      std_error = se[j], robust_se = rse[j], loglik = fit$loglik[2])
  }
}
addcox("cox_efron", coxph(Surv(tstart, tstop, event) ~ x1 + x2, cx, ties = "efron"))
addcox("cox_breslow", coxph(Surv(tstart, tstop, event) ~ x1 + x2, cx, ties = "breslow"))
addcox("cox_efron_strata", coxph(Surv(tstart, tstop, event) ~ x1 + x2 + strata(s), cx, ties = "efron"))
addcox("cox_efron_cluster", coxph(Surv(tstart, tstop, event) ~ x1 + x2, cx, ties = "efron", cluster = g))
addcox("cox_breslow_cluster", coxph(Surv(tstart, tstop, event) ~ x1 + x2, cx, ties = "breslow", cluster = g))
addcox("dual_carbon_cox_efron",
       coxph(Surv(tstart, tstop, event) ~ horizontal + migrant_share + log_gdp_pc, rsc, ties = "efron"))
addcox("dual_carbon_cox_efron_cluster",
       coxph(Surv(tstart, tstop, event) ~ horizontal + migrant_share + log_gdp_pc, rsc,
             ties = "efron", cluster = parent_id))
write.csv(format(do.call(rbind, xrows), digits = 17), "cox_reference.csv", row.names = FALSE, quote = FALSE)
