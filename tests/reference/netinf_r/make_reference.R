# Reference output of R NetworkInference's netinf() for pdlab's networkinference flavour
# (tests/test_netinf_reference.cpp compares pdlab with it edge by edge).
#
# Made with R 4.2.2 (Debian 12 r-base-core 4.2.2.20221110-2), Rcpp 1.0.10 (r-cran-rcpp),
# RcppProgress 0.4.2 (r-cran-rcppprogress) and NetworkInference 1.2.5 built from the GitHub
# snapshot of desmarais-lab/NetworkInference at commit 78bee0b (2025-11-28):
#   git --git-dir=<snapshot> archive 78bee0b | tar -x -C /tmp/ni
#   R CMD INSTALL --no-build-vignettes -l /tmp/Rlib /tmp/ni
# Run from this folder (C locale: cascade order follows sort() of the cascade ids):
#   LC_ALL=C R_LIBS=/tmp/Rlib Rscript make_reference.R
#
# Inputs are the package's own data sets. pdlab reads them from
#   sim_validation_input.csv / sim_validation_node_names.csv  (written here, times %.17g)
#   ../snap_cascades.csv / ../snap_cascades_node_names.csv     (checked identical here)
#   ../../../examples/spid/cascades.csv (node list: order of first appearance; checked)
# in the order netinf() sees them (node ids are positions in the node list, cascades in the
# order of the cascade object), which matters for ties and for the order of summation.
# Writes <case>_edges.csv (rank, origin_node, destination_node, improvement, p_value, numbers
# %.17g) and cases.csv (the settings, the lambda used and the edge count of each case).
suppressPackageStartupMessages(library(NetworkInference))
stopifnot(packageVersion("NetworkInference") == "1.2.5")

g17 <- function(x) sprintf("%.17g", x)

same_cascades <- function(a, b) {
  identical(a$node_names, b$node_names) &&
    identical(names(a$cascade_nodes), names(b$cascade_nodes)) &&
    identical(unname(lapply(a$cascade_nodes, unname)), unname(lapply(b$cascade_nodes, unname))) &&
    identical(unname(a$cascade_times), unname(b$cascade_times))
}

# A long cascade file as pdlab reads it: cascades in order of first appearance, the nodes of
# each in stable order of event time, node ids from the node list (or first appearance).
read_long <- function(path, node_names = NULL) {
  d <- read.csv(path, colClasses = c("character", "numeric", "character"))
  if (is.null(node_names)) node_names <- unique(d$node_name)
  ids <- unique(d$cascade_id)
  by_id <- split(d, factor(d$cascade_id, levels = ids))
  o <- lapply(by_id, function(x) order(x$event_time))
  list(node_names = node_names,
       cascade_nodes = setNames(lapply(ids, function(i) by_id[[i]]$node_name[o[[i]]]), ids),
       cascade_times = setNames(lapply(ids, function(i) by_id[[i]]$event_time[o[[i]]]), ids))
}

cases <- list()
run_case <- function(case, casc, ..., trans_mod = "exponential") {
  out <- netinf(casc, trans_mod = trans_mod, quiet = TRUE, ...)
  edges <- data.frame(rank = seq_len(nrow(out)),
                      origin_node = out$origin_node,
                      destination_node = out$destination_node,
                      improvement = g17(as.numeric(out$improvement)),
                      p_value = g17(out$p_value), stringsAsFactors = FALSE)
  write.csv(edges, paste0(case, "_edges.csv"), row.names = FALSE, quote = c(2, 3))
  args <- list(...)
  cases[[length(cases) + 1]] <<- data.frame(
    case = case,
    model = trans_mod,
    lambda = g17(attr(out, "diffusion_model_parameters")),
    lambda_given = !is.null(args$params),
    p_value_cutoff = if (is.null(args$p_value_cutoff)) NA else args$p_value_cutoff,
    n_edges = if (is.null(args$n_edges)) NA else args$n_edges,
    edges = nrow(out))
}

# (a) The package's own data sets.
# sim_validation: 50 cascades over 50 nodes simulated by the package authors.
data(sim_validation)
sim <- sim_validation$input
long <- do.call(rbind, lapply(names(sim$cascade_nodes), function(id) {
  data.frame(node_name = sim$cascade_nodes[[id]], event_time = g17(sim$cascade_times[[id]]),
             cascade_id = id)
}))
write.csv(long, "sim_validation_input.csv", row.names = FALSE, quote = c(1, 3))
write.csv(data.frame(node_name = sim$node_names), "sim_validation_node_names.csv",
          row.names = FALSE)
stopifnot(same_cascades(read_long("sim_validation_input.csv",
                                  read.csv("sim_validation_node_names.csv",
                                           colClasses = "character")$node_name), sim))
run_case("sim_validation_p05", sim, p_value_cutoff = 0.05)
run_case("sim_validation_p10_l05", sim, p_value_cutoff = 0.1, params = 0.5)
# Rayleigh needs params: the package's default for it is NaN with more than ~170 infections
# (exp(lgamma(N)) overflows), and netinf() stops with "May not contain missing values".
run_case("sim_validation_rayleigh_p10_l2", sim, p_value_cutoff = 0.1, params = 2,
         trans_mod = "rayleigh")

# cascades: SNAP's netinf example cascades (the package's own test infers 5 edges, lambda 1).
data(cascades)
stopifnot(same_cascades(read_long("../snap_cascades.csv",
                                  read.csv("../snap_cascades_node_names.csv",
                                           colClasses = "character")$node_name), cascades))
run_case("snap_cascades_n5", cascades, n_edges = 5, params = 1)
run_case("snap_cascades_p10", cascades, p_value_cutoff = 0.1, params = 1)

# (b) SPID v1.0 as shipped in the package (data(policies)), made into cascades as in the
# package's README; pdlab's examples/spid/cascades.csv holds the same cascades.
data(policies)
spid <- as_cascade_long(policies, cascade_node_name = "statenam", event_time = "adopt_year",
                        cascade_id = "policy")
stopifnot(same_cascades(read_long("../../../examples/spid/cascades.csv"), spid))
run_case("spid_p10_l05", spid, p_value_cutoff = 0.1, params = 0.5)
run_case("spid_p10", spid, p_value_cutoff = 0.1)

write.csv(do.call(rbind, cases), "cases.csv", row.names = FALSE)
writeLines(c(paste("Sys.getlocale():", Sys.getlocale()), capture.output(sessionInfo())),
           "sessionInfo.txt")
