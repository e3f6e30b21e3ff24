# tests/lib.sh: sourced by every tests/t_*.sh script (see tests/README.md).
#
#   plan N                       declares the N checks the script runs; prints the TAP plan "1..N"
#   check "message" 'condition'  evaluates the condition (a shell string, run by eval in the
#                                script's context) and prints "ok - message" or "not ok - message"
#   checks_of [-p PREFIX] cmd... runs a program that prints its own "ok - "/"not ok - " lines
#                                (a Python reference, a C test), passes its output on (its own
#                                plan line as a comment, PREFIX put before each check's message)
#                                and counts its checks; a non-zero exit without a failed check
#                                is one failed check
#
# The script runs under `set -euo pipefail`: a command whose failure is expected is written
# `rc=0; cmd || rc=$?` or inside a check's condition. When the script ends, an EXIT trap
# prints "not ok - <script> ended early at <file>:<line> ..." if a command failed unexpectedly
# or the script exited non-zero, and "not ok - <script> ran M of N planned checks" if it ended
# before (or after) its plan; tests/run counts these like any failed check.
set -eEuo pipefail

ba_script=${0##*/}
ba_planned=
ba_ran=0
ba_where=

plan() {
  ba_planned=$1
  echo "1..$1"
}

check() {
  if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi
  ba_ran=$((ba_ran + 1))
}

checks_of() {
  local prefix="" out rc=0 line nf=0 note
  if [ "$1" = -p ]; then
    prefix=$2
    shift 2
  fi
  out=$("$@" 2>&1) || rc=$?
  while IFS= read -r line; do
    case $line in
      "ok - "*)
        echo "ok - $prefix${line#ok - }"
        ba_ran=$((ba_ran + 1))
        ;;
      "not ok - "*)
        echo "not ok - $prefix${line#not ok - }"
        ba_ran=$((ba_ran + 1)) nf=$((nf + 1))
        ;;
      1..*) echo "# its plan: $line" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done <<<"$out"
  if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
    note=""
    [ "$rc" -ne 124 ] || note=" (124: timed out)"
    echo "not ok - $prefix$* exited with status $rc$note"
    ba_ran=$((ba_ran + 1))
  fi
  return 0
}

ba_on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "not ok - $ba_script ended early${ba_where:+ at $ba_where} (exit status $rc, $ba_ran checks run)"
  elif [ -z "$ba_planned" ]; then
    echo "not ok - $ba_script declared no plan"
  elif [ "$ba_ran" -ne "$ba_planned" ]; then
    echo "not ok - $ba_script ran $ba_ran of $ba_planned planned checks"
  fi
}
trap 'ba_where=${BASH_SOURCE[0]##*/}:$LINENO' ERR
trap ba_on_exit EXIT
