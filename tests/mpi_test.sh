#!/usr/bin/env bash
# Distributed runs on MPI (docs/mpi.md): the same bytes at 1, 2 and 4 ranks (oversubscribed
# on this machine) as without mpirun; a run killed mid-way and resumed, with another rank
# count, gives the same bytes; bad uses (more ranks than work, a leftover shard folder, a
# resume of another study) are refused with nothing written.
# Usage: mpi_test.sh PDLAB SOURCE_DIR
set -u
PDLAB=$(realpath "$1")
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
source "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"
command -v mpirun >/dev/null || { echo "mpirun not found: skipped"; exit 77; }

# CI runs as root; the ranks share 2 cores here, on shared memory, unbound.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_pml=ob1 OMPI_MCA_osc=^ucx
export OMPI_MCA_hwloc_base_binding_policy=none OMPI_MCA_rmaps_base_oversubscribe=1
# Open MPI keeps its session folder under TMPDIR (/tmp/ompi.HOST.UID otherwise), and a rank
# killed on purpose below leaves it behind: keep it inside this test's folder.
export TMPDIR="$T"
export SOURCE_DATE_EPOCH=1700000000
mpi() {
  local n=$1
  shift
  mpirun --oversubscribe -n "$n" "$@"
}

# Runs a command in folder DIR (made if missing): in_dir DIR command...
in_dir() {
  local d=$1
  shift
  mkdir -p "$d" && (cd "$d" && "$@")
}

# Starts `mpirun -n N command...` in the background in folder DIR; $! is mpirun's pid.
mpi_in_background() {
  local dir=$1 n=$2
  shift 2
  (cd "$dir" && exec mpirun --oversubscribe -n "$n" "$@") >/dev/null 2>&1 &
}

# Kills the ranks of `mpirun` ($1: its pid) with SIGKILL once one has streamed its first
# unit of work to its shard ($2: the shard folder): the hardest stop, mid-way through.
kill_after_first_unit() {
  local pid=$1 dir=$2
  for _ in $(seq 1 1200); do
    if [ -d "$dir" ] && find "$dir" -name '*.units' -size +16c 2>/dev/null | grep -q .; then
      break
    fi
    sleep 0.02
  done
  local ranks
  ranks=$(ps -o pid= --ppid "$pid")
  # shellcheck disable=SC2086
  [ -n "$ranks" ] && kill -KILL $ranks 2>/dev/null
  wait "$pid" 2>/dev/null
}

EX="$SRC/scenarios/examples"
sed "s|^path = \"toy_hierarchy.csv\"|path = \"$EX/toy_hierarchy.csv\"|" "$EX/toy_pilot.toml" > "$T/sens.toml"
SA=(--factor vertical.pilot=0:2 --factor promotion.pilot_success=0.2:0.9 --samples 8
  --bootstrap 200 -r 3 --threads 1)

# Sensitivity: without mpirun, then 1, 2 and 4 ranks, and with --checkpoint alone.
check sens_alone 0 "32 design points x 3 replicates" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --out "$T/s0.csv"
for n in 1 2 4; do
  check sens_ranks_$n 0 "32 design points x 3 replicates" -- mpi $n "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --out "$T/s$n.csv"
  ok sens_ranks_${n}_identical cmp "$T/s0.csv" "$T/s$n.csv"
  ok sens_ranks_${n}_no_shards test ! -e "$T/s$n.csv.shards"
done
ok sens_one_printout test "$(grep -c "^Sobol indices over" "$T/out")" = 1
check sens_checkpoint 0 "" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]:0:10}" --checkpoint --threads 2 --out "$T/sc.csv"
ok sens_checkpoint_identical cmp "$T/s0.csv" "$T/sc.csv"

# Killed mid-way on 2 ranks, resumed on 4: the finished units are kept, the bytes the same.
# Jiangsu's 96 units (~30 ms each) take long enough to stop the run in the middle.
SB=(--factor vertical.attenuation=0.2:0.5 --samples 16 --bootstrap 100 -r 2 --threads 1)
J="$EX/jiangsu_mandate.toml"
"$PDLAB" sensitivity "$J" "${SB[@]}" --out "$T/k0.csv" >/dev/null 2>&1
mpi_in_background "$T" 2 "$PDLAB" sensitivity "$J" "${SB[@]}" --out "$T/k.csv"
kill_after_first_unit $! "$T/k.csv.shards"
ok sens_killed_midway test -d "$T/k.csv.shards" -a ! -e "$T/k.csv"
check sens_leftover_shards 73 "pass --resume" -- "$PDLAB" sensitivity "$J" "${SB[@]}" --out "$T/k.csv"
check sens_resume_other_study 78 "of another study" -- mpi 2 "$PDLAB" sensitivity "$J" "${SB[@]}" --seed 99 --out "$T/k.csv" --resume
ok sens_refused_nothing_written test ! -e "$T/k.csv"
check sens_resumed 0 "were already done" -- mpi 4 "$PDLAB" sensitivity "$J" "${SB[@]}" --out "$T/k.csv" --resume
ok sens_resumed_identical cmp "$T/k0.csv" "$T/k.csv"
ok sens_resumed_no_shards test ! -e "$T/k.csv.shards"
check sens_nothing_to_resume 64 "nothing to resume" -- "$PDLAB" sensitivity "$T/sens.toml" "${SA[@]}" --out "$T/n.csv" --resume

# Compare: variants x replicates shared out; the same table at 1, 2 and 4 ranks.
CA=(--vary stability.budget=20000,80000 -r 4 --threads 1)
check compare_alone 0 "Differences from" -- "$PDLAB" compare "$EX/toy_governance.toml" "${CA[@]}" --out "$T/c0.csv"
for n in 2 4; do
  check compare_ranks_$n 0 "Differences from" -- mpi $n "$PDLAB" compare "$EX/toy_governance.toml" "${CA[@]}" --out "$T/c$n.csv"
  ok compare_ranks_${n}_identical cmp "$T/c0.csv" "$T/c$n.csv"
done
check compare_too_many_ranks 64 "5 ranks but only 4 units of work (2 variants x 2 replicates)" -- mpi 5 "$PDLAB" compare "$EX/toy_governance.toml" --vary stability.budget=20000,80000 -r 2 --out "$T/cx.csv"
ok compare_too_many_nothing_written test ! -e "$T/cx.csv" -a ! -e "$T/cx.csv.shards"

# Calibrate (point fit): each evaluation's replicates shared out; the same fit at 2 ranks.
D="$SRC/tests/data"
KA=(--targets "$D/toy_calibrate_targets.csv" --threads 1 --set calibrate.starts=1 --set calibrate.max_evaluations=12)
check calibrate_alone 0 "Fit on 200" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KA[@]}" --report "$T/cal0.csv"
check calibrate_ranks_2 0 "Fit on 200" -- mpi 2 "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KA[@]}" --report "$T/cal2.csv"
ok calibrate_ranks_2_identical cmp "$T/cal0.csv" "$T/cal2.csv"
ok calibrate_one_printout test "$(grep -c "Fit on 200" "$T/out")" = 1
# Calibrate's simulations kept in OUT.shards: killed mid-way on 2 ranks, resumed alone, the
# recorded simulations are replayed and the fit has the same bytes as an uninterrupted one.
KK=(--targets "$D/toy_calibrate_targets.csv" --threads 1 --set calibrate.starts=1 --set calibrate.max_evaluations=30 --set calibrate.replicates=4000 --report fit.csv)
check calibrate_uninterrupted 0 "Fit on 200" -- in_dir "$T/kc0" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}"
mkdir -p "$T/kc"
mpi_in_background "$T/kc" 2 "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}"
kill_after_first_unit $! "$T/kc/fit.csv.shards"
ok calibrate_killed_midway test -d "$T/kc/fit.csv.shards" -a ! -e "$T/kc/fit.csv"
check calibrate_leftover_shards 73 "pass --resume" -- in_dir "$T/kc" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}"
check calibrate_resume_other 78 "of another study" -- in_dir "$T/kc" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}" --set calibrate.max_evaluations=31 --resume
check calibrate_resumed 0 "simulations were already done" -- in_dir "$T/kc" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}" --resume
ok calibrate_resumed_identical cmp "$T/kc0/fit.csv" "$T/kc/fit.csv"
ok calibrate_resumed_no_shards test ! -e "$T/kc/fit.csv.shards"
check calibrate_checkpoint_alone 0 "Fit on 200" -- in_dir "$T/kc1" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KK[@]}" --checkpoint
ok calibrate_checkpoint_identical cmp "$T/kc0/fit.csv" "$T/kc1/fit.csv"
check calibrate_abc_no_checkpoint 64 "ABC-SMC keeps no checkpoint" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --method abc --checkpoint --out "$T/abck.toml"
check calibrate_checkpoint_needs_output 64 "no output is given" -- "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --checkpoint

# ABC-SMC: each generation's particles shared out, every rank holding the population; the
# same posterior, summary, predictive bands and fitted scenario on 2 ranks as alone.
AB=(--targets "$D/toy_calibrate_targets.csv" --method abc --particles 24 --generations 3 --draws 10 --threads 1)
check abc_alone 0 "Posterior predictive" -- in_dir "$T/abc0" "$PDLAB" calibrate "$D/toy_calibrate.toml" "${AB[@]}" --posterior post.csv --summary sum.csv --report pred.csv --out fit.toml
check abc_ranks_2 0 "Posterior predictive" -- in_dir "$T/abc2" mpi 2 "$PDLAB" calibrate "$D/toy_calibrate.toml" "${AB[@]}" --posterior post.csv --summary sum.csv --report pred.csv --out fit.toml
for f in post.csv sum.csv pred.csv fit.toml; do
  ok abc_ranks_2_identical_$f cmp "$T/abc0/$f" "$T/abc2/$f"
done
ok abc_one_printout test "$(grep -c "Posterior predictive" "$T/out")" = 1
check abc_too_many_ranks 64 "3 ranks but only 2 units of work (2 simulations a batch)" -- mpi 3 "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --method abc --particles 2 --generations 2 --draws 10 --out "$T/abc3.toml"
ok abc_too_many_nothing_written test ! -e "$T/abc3.toml"
# More ranks than predictive draws: refused before the first generation runs.
check abc_too_few_draws 64 "3 ranks but only 2 posterior predictive draws" -- mpi 3 "$PDLAB" calibrate "$D/toy_calibrate.toml" --targets "$D/toy_calibrate_targets.csv" --method abc --particles 6 --generations 2 --draws 2 --out "$T/abcd.toml"
ok abc_too_few_draws_no_generation test "$(grep -c "generation" "$T/out")" = 0
ok abc_too_few_draws_nothing_written test ! -e "$T/abcd.toml"
check calibrate_too_many_ranks 64 "3 ranks but only 2 units of work (2 replicates an evaluation)" -- mpi 3 "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KA[@]}" --set calibrate.replicates=2 --out "$T/few.toml"
ok calibrate_too_many_nothing_written test ! -e "$T/few.toml" -a ! -e "$T/few.toml.shards"
# More ranks than the point fit's validation replicates: refused once the scenario is read,
# before the search (until 2026-12-06 after it, leaving OUT.shards behind).
check calibrate_too_few_validation 64 "3 ranks but only 2 validation replicates" -- mpi 3 "$PDLAB" calibrate "$D/toy_calibrate.toml" "${KA[@]}" --set calibrate.validation_replicates=2 --report "$T/fewv.csv"
ok calibrate_too_few_validation_nothing_written test ! -e "$T/fewv.csv" -a ! -e "$T/fewv.csv.shards"

# Ensembles (pdlab run): the same study bytes at 2 and 4 ranks as without mpirun. The study
# stores its command line, so each runs the same one in a folder of its own.
RA=(--seed 7 -r 4 --threads 1 --out r.sqlite)
check run_alone 0 "" -- in_dir "$T/r0" "$PDLAB" run "$EX/toy_pilot.toml" "${RA[@]}"
for n in 2 4; do
  check run_ranks_$n 0 "" -- in_dir "$T/r$n" mpi $n "$PDLAB" run "$EX/toy_pilot.toml" "${RA[@]}"
  ok run_ranks_${n}_identical cmp "$T/r0/r.sqlite" "$T/r$n/r.sqlite"
done
# Reduced replicates (docs/mpi.md): adoption rows only down to prefectures, the governance
# layer on: the same bytes on 2 ranks as alone.
RG=(--seed 7 -r 4 --threads 1 --set output.adoptions_max_level=prefecture --out g.sqlite)
check run_reduced_alone 0 "" -- in_dir "$T/g0" "$PDLAB" run "$EX/toy_governance.toml" "${RG[@]}"
check run_reduced_ranks_2 0 "" -- in_dir "$T/g2" mpi 2 "$PDLAB" run "$EX/toy_governance.toml" "${RG[@]}"
ok run_reduced_identical cmp "$T/g0/g.sqlite" "$T/g2/g.sqlite"
check run_too_many_ranks 64 "4 ranks but only 2 units of work" -- mpi 4 "$PDLAB" run "$EX/toy_pilot.toml" --seed 7 -r 2 --out "$T/many.sqlite"
ok run_too_many_nothing_written test ! -e "$T/many.sqlite" -a ! -e "$T/many.sqlite.partial" -a ! -e "$T/many.sqlite.shards"
ok run_too_many_one_message test "$(grep -c "pdlab: error" "$T/err")" = 1

# Killed mid-way on 2 ranks, resumed on 1 (without mpirun): the same bytes as a run never
# interrupted (the study keeps the command line of the run that started it).
RK=(--seed 7 -r 24 --threads 1 --out j.sqlite)
JR="$SRC/scenarios/cases/jiangsu-rollout.toml"
in_dir "$T/j0" "$PDLAB" run "$JR" "${RK[@]}" >/dev/null 2>&1
mkdir -p "$T/j"
mpi_in_background "$T/j" 2 "$PDLAB" run "$JR" "${RK[@]}"
kill_after_first_unit $! "$T/j/j.sqlite.shards"
ok run_killed_midway test -d "$T/j/j.sqlite.shards" -a ! -e "$T/j/j.sqlite"
check run_resume_other_scenario 78 "of another study" -- in_dir "$T/j" mpi 2 "$PDLAB" run "$JR" "${RK[@]}" --set vertical.attenuation=0.3 --resume
check run_resumed 0 "already written" -- in_dir "$T/j" "$PDLAB" run "$JR" "${RK[@]}" --resume
ok run_resumed_identical cmp "$T/j0/j.sqlite" "$T/j/j.sqlite"
ok run_resumed_no_shards test ! -e "$T/j/j.sqlite.shards" -a ! -e "$T/j/j.sqlite.partial"

# Killed alone (replicates in OUT.partial, no shards), resumed on 2 ranks: rank 1 starts
# early only replicates not in the study, and the bytes are those of a run never interrupted.
mkdir -p "$T/ja"
(cd "$T/ja" && exec "$PDLAB" run "$JR" "${RK[@]}") >/dev/null 2>&1 &
alone=$!
for _ in $(seq 1 1500); do
  # The study is locked while pdlab writes it: wait for its size (about 1.7 MB a replicate).
  n=$(stat -c %s "$T/ja/j.sqlite.partial" 2>/dev/null || echo 0)
  [ "$n" -ge 6000000 ] && break
  sleep 0.02
done
kill -KILL "$alone" 2>/dev/null
wait "$alone" 2>/dev/null
ok run_alone_killed_midway test -e "$T/ja/j.sqlite.partial" -a ! -e "$T/ja/j.sqlite"
check run_alone_resumed_on_2 0 "already written" -- in_dir "$T/ja" mpi 2 "$PDLAB" run "$JR" "${RK[@]}" --resume
ok run_alone_resumed_on_2_identical cmp "$T/j0/j.sqlite" "$T/ja/j.sqlite"

# Replicates handed out as ranks become free, written by rank 0 as they arrive: the same
# bytes on 2 ranks, both ranks simulate, and rank 0 has written replicates into the study
# before the other rank's last one is done (the timeline's clock is the machine's). Rank 0
# grants rank 1 the replicate it started during the estimate (else both would run it).
check run_streamed 0 "" -- in_dir "$T/js" env PDLAB_DIST_TIMELINE="$T/js/tl" mpirun --oversubscribe -n 2 "$PDLAB" run "$JR" "${RK[@]}"
ok run_streamed_identical cmp "$T/j0/j.sqlite" "$T/js/j.sqlite"
ok run_streamed_both_ranks_simulate grep -q " simulated " "$T/js/tl.rank1"
ok run_streamed_each_once test "$(cat "$T"/js/tl.rank* | awk '$2 == "simulated"' | wc -l)" = 23
last1=$(awk '$2 == "simulated" { t = $1 } END { print t }' "$T/js/tl.rank1")
ok run_streamed_written_while_others_simulate test "$(awk -v t="$last1" '$2 == "written" && $1 < t' "$T/js/tl.rank0" | wc -l)" -ge 2
# While rank 0 makes the estimate (its pilot is replicate 0), rank 1 starts replicate 1.
ok run_streamed_starts_during_estimate test "$(awk '$2 == "estimated" { exit } $2 == "simulate" { print $3; exit }' "$T/js/tl.rank1")" = 1

# A command that does not share its work out is refused on more than one rank.
check export_refused 64 "pdlab export does not run across MPI ranks" -- mpi 2 "$PDLAB" export "$T/r0/r.sqlite" --table runs --out "$T/runs.csv"
ok export_refused_nothing_written test ! -e "$T/runs.csv"

echo "mpi tests: $passes passed, $fails failed"
[ "$fails" = 0 ]
