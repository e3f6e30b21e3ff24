#!/usr/bin/env bash
# t_runner.sh: the guards of the test runner itself. Small fake test scripts (sourcing
# tests/lib.sh) and a fake C test (tests/check.h) are run here and their output counted
# with tests/run's counting (tests/count.sh): a good script passes; a script that dies
# after some ok lines, one that exits before its plan, one without a plan, a child program
# that crashes, and a C test that runs fewer checks than planned all count as failed.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
source tests/count.sh
root=$PWD
dir=${BA_TMP:-$(mktemp -d)}/runner
rm -rf "$dir" && mkdir -p "$dir"
plan 19

# fake NAME: writes $dir/NAME, a script that sources tests/lib.sh, from stdin
fake() {
  { echo "source '$root/tests/lib.sh'"; cat; } >"$dir/$1"
}
# counted NAME: runs $dir/NAME as tests/run does and counts it (ba_np, ba_nf, ba_notes, $out)
counted() {
  local rc=0
  out=$(bash "$dir/$1" 2>&1) || rc=$?
  ba_count "$1" "$rc" "$out"
  sed 's/^/    # /' <<<"$out${ba_notes:+$'\n'$ba_notes}"
}

fake good.sh <<'SH'
plan 3
check "a true condition" '[ 1 -eq 1 ]'
rc=0
false || rc=$?
check "an expected failure, written rc=0; cmd || rc=\$?" '[ $rc -eq 1 ]'
check "a condition string with && and a pipe" 'true && echo x | grep -q x'
SH
counted good.sh
check "a good script: 3 passed, 0 failed" '[ $ba_np -eq 3 ] && [ $ba_nf -eq 0 ] && [ -z "$ba_notes" ]'
check "a good script prints its plan 1..3 first" '[ "$(head -n 1 <<<"$out")" = 1..3 ]'

fake failing.sh <<'SH'
plan 2
check "passes" 'true'
check "fails" 'false'
SH
counted failing.sh
check "a failed check is counted, the script goes on: 1 passed, 1 failed" '[ $ba_np -eq 1 ] && [ $ba_nf -eq 1 ]'

fake dies.sh <<'SH'
plan 4
check "one" 'true'
check "two" 'true'
ls /nonexistent/file >/dev/null 2>&1 # line 5 (line 1 sources lib.sh)
check "three" 'true'
check "four" 'true'
SH
counted dies.sh
check "a script that dies after 2 ok lines counts as failed" '[ $ba_np -eq 2 ] && [ $ba_nf -ge 1 ]'
check "its EXIT trap names the line where it ended" 'grep -q "^not ok - dies.sh ended early at dies.sh:5 " <<<"$out"'
check "the runner also notes that it printed 3 of 4 planned checks" \
  'grep -q "^not ok - dies.sh planned 4 checks and printed 3$" <<<"$ba_notes"'

fake diesinfunc.sh <<'SH'
plan 2
step() { echo "# a step"; false; echo "# not reached"; }
check "one" 'true'
step
check "two" 'true'
SH
counted diesinfunc.sh
check "a command failing inside a function also ends the script early" \
  '[ $ba_nf -ge 1 ] && grep -q "^not ok - diesinfunc.sh ended early at diesinfunc.sh:3 " <<<"$out" &&
  ! grep -q "not reached" <<<"$out"'

fake short.sh <<'SH'
plan 5
check "one" 'true'
check "two" 'true'
exit 0
SH
counted short.sh
check "a script that exits 0 before its plan counts as failed" '[ $ba_np -eq 2 ] && [ $ba_nf -ge 1 ]'
check "its EXIT trap says it ran 2 of 5 planned checks" 'grep -q "^not ok - short.sh ran 2 of 5 planned checks$" <<<"$out"'

fake exit1.sh <<'SH'
plan 2
check "one" 'true'
exit 1
SH
counted exit1.sh
check "a script that exits 1 after an ok line counts as failed" \
  '[ $ba_np -eq 1 ] && [ $ba_nf -ge 1 ] && grep -q "^not ok - exit1.sh ended early" <<<"$out"'

fake noplan.sh <<'SH'
check "one" 'true'
SH
counted noplan.sh
check "a script that declares no plan counts as failed" \
  '[ $ba_np -eq 1 ] && [ $ba_nf -ge 1 ] && grep -q "printed no plan" <<<"$ba_notes"'

fake child.sh <<'SH'
plan 3
checks_of bash -c 'echo 1..3; echo "ok - child one"; echo "ok - child two"; echo "Traceback: boom"; exit 2'
SH
counted child.sh
check "checks_of: a child that crashes after 2 ok lines is one failed check" \
  '[ $ba_np -eq 2 ] && [ $ba_nf -eq 1 ] && grep -q "^not ok - bash -c .* exited with status 2$" <<<"$out"'
check "checks_of: the child's plan is kept as a comment, so the script has one plan" \
  '[ "$(grep -c "^1\.\." <<<"$out")" -eq 1 ] && grep -q "^# its plan: 1..3$" <<<"$out"'

fake prefixed.sh <<'SH'
plan 2
checks_of -p "[2 ranks] " bash -c 'echo "ok - a"; echo "not ok - b"; exit 1'
SH
counted prefixed.sh
check "checks_of -p: prefixed messages, a child's own failure not counted twice" \
  '[ $ba_np -eq 1 ] && [ $ba_nf -eq 1 ] && grep -q "^not ok - \[2 ranks\] b$" <<<"$out"'

# the counting alone, on raw output
ba_count raw 0 $'1..3\nok - a\nok - b'
check "count.sh: 2 checks printed under a plan of 3 is one more failure" \
  '[ $ba_np -eq 2 ] && [ $ba_nf -eq 1 ] && [ "$ba_notes" = "not ok - raw planned 3 checks and printed 2" ]'
ba_count raw 0 $'1..2\nok - a\nok - b'
check "count.sh: 2 checks under a plan of 2 pass" '[ $ba_np -eq 2 ] && [ $ba_nf -eq 0 ] && [ -z "$ba_notes" ]'
ba_count raw 3 $'1..1\nok - a'
check "count.sh: a non-zero exit without a failed check is a failure" '[ $ba_np -eq 1 ] && [ $ba_nf -eq 1 ]'
ba_count raw 0 $'1..1\nok - a\n1..1'
check "count.sh: two plans are a failure" '[ $ba_nf -eq 1 ] && grep -q "printed 2 plans" <<<"$ba_notes"'

# the C helper: a test that plans 3 checks and runs 2
cat >"$dir/plan.c" <<'C'
#include "check.h"
int main(void)
{
  CheckPlan(3);
  CHECK(1, "one");
  CHECK(1, "two");
  return CheckDone();
}
C
rc=0
cc -std=c11 -Wall -Werror -I tests "$dir/plan.c" -lm -o "$dir/plan" || rc=$?
cout=$("$dir/plan" 2>&1) || rc=$?
ba_count plan "$rc" "$cout"
check "check.h: a C test that runs 2 of its 3 planned checks fails (exit $rc)" \
  '[ $rc -eq 1 ] && [ $ba_np -eq 2 ] && [ $ba_nf -ge 1 ] && grep -q "^not ok - ran 2 of 3 planned checks$" <<<"$cout"'
