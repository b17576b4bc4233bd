# Times R's glm.fit (logit, 1,000,000 x 20) and survival::coxph (Efron, 1,000,000 x 10) on
# data of the same shape as pdlab's estimation benchmarks. Prints JSON. Run by run_bench.py
# only where R (and survival) are installed.
set.seed(1)
n <- 1e6
x <- cbind(1, matrix(rnorm(n * 19), n, 19))
b <- c(-1, 0.1 * ((1:19) %% 5 - 2))
y <- rbinom(n, 1, plogis(drop(x %*% b)))
t_glm <- system.time(glm.fit(x, y, family = binomial()))[["elapsed"]]
library(survival)
xc <- matrix(rnorm(n * 10), n, 10)
eta <- drop(xc %*% (0.1 * ((0:9) %% 3 - 1)))
tt <- ceiling(100 * rexp(n) / exp(eta)) / 100 + 0.01
stop <- pmin(tt, 2)
ev <- as.integer(tt <= 2)
t_cox <- system.time(coxph(Surv(stop, ev) ~ xc, ties = "efron"))[["elapsed"]]
cat(sprintf('{"r_glm_fit_logit_1e6x20_s": %.3f, "r_coxph_efron_1e6x10_s": %.3f, "r_version": "%s"}\n',
            t_glm, t_cox, paste(R.version$major, R.version$minor, sep = ".")))
