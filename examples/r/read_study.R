# The R route to a pdlab study: the study file is SQLite, so DBI + RSQLite read its tables
# as data frames (Debian: apt-get install r-cran-dbi r-cran-rsqlite). docs/python.md.
#   pdlab run scenarios/examples/toy_pilot.toml --out toy.sqlite -r 3
#   Rscript examples/r/read_study.R toy.sqlite
library(DBI)

args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 1)
con <- dbConnect(RSQLite::SQLite(), args[1], flags = RSQLite::SQLITE_RO)
on.exit(dbDisconnect(con))

print(dbListTables(con))
summary_time <- dbReadTable(con, "summary_time")  # docs/outputs.md: one row per period
runs <- dbReadTable(con, "runs")

# Adoption share by level in the last period, mean and 90% band over replicates.
last <- subset(summary_time, metric == "adopted" & period == max(period))
print(last[, c("level", "date", "mean", "q05", "q95")], row.names = FALSE)
for (i in seq_len(nrow(last))) {
  cat(sprintf("%s adopted by %s: %.6f\n", last$level[i], last$date[i], last$mean[i]))
}

# A query in SQL instead: adoptions per replicate and level.
print(dbGetQuery(con, "SELECT replicate, level, COUNT(*) AS adoptions FROM adoptions
                       GROUP BY replicate, level ORDER BY replicate, level"))
cat("replicates:", nrow(runs), "\n")
