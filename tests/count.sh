# tests/count.sh: how tests/run counts the output of one test program (sourced by tests/run
# and by tests/t_runner.sh, which tests it).
#
# ba_count NAME STATUS OUTPUT sets ba_np and ba_nf, the passed and failed checks of the
# program, and ba_notes, the "not ok - ..." lines that explain failures found here:
#   - every line "ok - ..." is a passed check, every line "not ok - ..." a failed one;
#   - the program must print exactly one plan line "1..N" and N checks (ok or not ok);
#     no plan, several plans, or another number of checks is one more failure;
#   - a non-zero exit status without a failed check is one failure;
#   - a program that printed no check at all is one failure.
ba_count() {
  local name=$1 rc=$2 out=$3 nplans plan ran
  ba_np=$(grep -c '^ok - ' <<<"$out" || true)
  ba_nf=$(grep -c '^not ok - ' <<<"$out" || true)
  ba_notes=""
  ran=$((ba_np + ba_nf))
  nplans=$(grep -cE '^1\.\.[0-9]+$' <<<"$out" || true)
  if [ "$rc" -ne 0 ] && [ "$ba_nf" -eq 0 ]; then
    ba_nf=1
    ba_notes+="not ok - $name exited with status $rc"$'\n'
  fi
  if [ "$ran" -eq 0 ]; then
    ba_nf=$((ba_nf + 1))
    ba_notes+="not ok - $name printed no checks"$'\n'
  fi
  if [ "$nplans" -eq 0 ]; then
    ba_nf=$((ba_nf + 1))
    ba_notes+="not ok - $name printed no plan (a line 1..N)"$'\n'
  elif [ "$nplans" -gt 1 ]; then
    ba_nf=$((ba_nf + 1))
    ba_notes+="not ok - $name printed $nplans plans"$'\n'
  else
    plan=$(grep -E '^1\.\.[0-9]+$' <<<"$out")
    plan=${plan#1..}
    if [ "$ran" -ne "$plan" ]; then
      ba_nf=$((ba_nf + 1))
      ba_notes+="not ok - $name planned $plan checks and printed $ran"$'\n'
    fi
  fi
  ba_notes=${ba_notes%$'\n'}
}
