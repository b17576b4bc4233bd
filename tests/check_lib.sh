# Shared by the CLI and fault tests (sourced): check NAME CODE PATTERN -- command... runs the
# command with stdout and stderr in $T/out and $T/err, and counts a pass when it exits with
# CODE and its output contains PATTERN (empty: any); ok NAME command... counts a pass when
# the command succeeds. The caller sets T, passes=0 and fails=0.
check() {
  local name=$1 want=$2 pattern=$3
  shift 4
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; head -c 3000 "$T/err"; fails=$((fails + 1)); return
  fi
  if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$T/out" "$T/err"; then
    echo "FAIL $name: output lacks '$pattern'"; head -c 3000 "$T/out" "$T/err"; fails=$((fails + 1)); return
  fi
  passes=$((passes + 1))
}
ok() {
  local name=$1
  shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL $name"; fails=$((fails + 1)); fi
}
