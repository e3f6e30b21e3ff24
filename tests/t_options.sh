#!/usr/bin/env bash
# t_options.sh: options are read strictly (interface.md, "Options"): a value that is not a
# number or out of range, an unknown option (with the closest one), a missing or malformed
# options file each end with exit != 0 and exactly one line on stderr, on 1 and 2 ranks;
# PETSc's own options still work; the presets' configs give the presets' results.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
TMP=$BA_TMP/options
mkdir -p "$TMP"

"$BA_BIN" simulate -preset tiny -out "$TMP/sim" -quiet >/dev/null
ds=$TMP/sim/dataset.h5
printf 'permutations: [1\n  bad' >"$TMP/bad.yaml"
printf -- '- a\n- b\n' >"$TMP/list.yaml"
printf 'permutatons: 5\n' >"$TMP/typo.yaml"
printf -- '-permutations 5 6\n' >"$TMP/bad.opts"

# name | expected message (grep -F) | arguments; each on 1 and 2 ranks
cases=(
  "not an integer|-permutations: 'abc' is not an integer|rsa -permutations abc"
  "integer beyond 32 bits|-permutations: 4294967396 is out of range|rsa -permutations 4294967396"
  "seed beyond 32 bits|-seed: 4294967296 is out of range (expected an integer in [0, 4294967295])|simulate -seed 4294967296"
  "integer beyond 64 bits|-sim_patients: 99999999999999999999 is out of range|simulate -sim_patients 99999999999999999999"
  "block beyond PetscInt|-block_channels: 2147483648 is out of range|features -dataset $ds -block_channels 2147483648"
  "fraction for an integer|-perm_chunk: '1.5' is not an integer|rsa -perm_chunk 1.5"
  "zero chunk|-channel_chunk: 0 is out of range|rsa -channel_chunk 0"
  "negative count|-noise_splits: -1 is out of range|rsa -noise_splits -1"
  "simulator block above 150|-sim_block_channels: 151 is out of range|simulate -sim_block_channels 151"
  "not a number|-line_hz: 'abc' is not a number|features -dataset $ds -line_hz abc"
  "line frequency below 1 Hz|-line_hz: must be 0 (no notch) or at least 1 Hz, got 0.001|features -dataset $ds -line_hz 0.001"
  "line frequency above Nyquist|-line_hz: 600 Hz is not below the Nyquist frequency|features -dataset $ds -line_hz 600"
  "too many notches|-line_hz: 10 Hz has 25 harmonics below the Nyquist frequency|features -dataset $ds -line_hz 10"
  "not a truth value|-quiet: 'maybe' is not a truth value|rsa -quiet maybe"
  "misspelt option|-permutatons: unknown option (did you mean -permutations?)|rsa -features x -network y -permutatons 500"
  "another stage's option|-permutations: not an option of features|features -dataset $ds -permutations 5"
  "misspelt option in run|-permutatons: unknown option (did you mean -permutations?)|run -preset tiny -permutatons 5 -out $TMP/run_typo"
  "misspelt option in a YAML file|-permutatons: unknown option (did you mean -permutations?)|rsa -features x -options_file_yaml $TMP/typo.yaml"
  "missing options file|$TMP/nosuch.opts: cannot open the options file|rsa -options_file $TMP/nosuch.opts"
  "missing YAML options file|$TMP/nosuch.yaml: cannot open the options file|rsa -options_file_yaml $TMP/nosuch.yaml"
  "options file is a folder|$TMP: is a folder, not an options file|rsa -options_file $TMP"
  "malformed options file|$TMP/bad.opts: line 1: one option per line|rsa -options_file $TMP/bad.opts"
  "malformed YAML|$TMP/bad.yaml: not a valid options file|rsa -options_file_yaml $TMP/bad.yaml"
  "YAML that is not a mapping|$TMP/list.yaml: not a valid options file|simulate -options_file_yaml $TMP/list.yaml"
)
plan $((2 * ${#cases[@]} + 11))

for np in 1 2; do
  launch=("$BA_BIN") # 1 rank: a singleton (faster than mpirun)
  # shellcheck disable=SC2206
  [ $np -eq 1 ] || launch=($BA_MPIRUN -np $np "$BA_BIN")
  for c in "${cases[@]}"; do
    IFS='|' read -r name want args <<<"$c"
    rc=0
    # shellcheck disable=SC2086
    timeout 60 "${launch[@]}" $args -out "$TMP/out" >"$TMP/stdout" 2>"$TMP/err" || rc=$?
    lines=$(grep -c . "$TMP/err" || true)
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$lines" -eq 1 ] && grep -qF "bandalign: error: $want" "$TMP/err"; then
      check "$name ($np ranks): $(cat "$TMP/err")" true
    else
      check "$name ($np ranks): exit $rc, $lines stderr lines" false
      sed -n '1,4s/^/    # /p' "$TMP/err"
    fi
  done
done
check "a misspelt option stops run before the simulation" '[ ! -e "$TMP/run_typo/dataset.h5" ]'

# what must keep working
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$ds" -out "$TMP/f_default.h5" -quiet -log_view >"$TMP/log_view" 2>&1 || rc=$?
check "-log_view prints PETSc's performance summary (exit $rc)" \
  '[ $rc -eq 0 ] && grep -q "Performance Summary" "$TMP/log_view" && grep -q "Morlet" "$TMP/log_view"'
rc=0
"$BA_BIN" features -dataset "$ds" -out "$TMP/f_left.h5" -quiet -options_left -malloc_unheard_of >"$TMP/left" 2>&1 || rc=$?
check "-options_left still reports PETSc's unused options (exit $rc)" \
  '[ $rc -eq 0 ] && grep -q "Option left: name:-malloc_unheard_of" "$TMP/left"'
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" features -dataset "$ds" -block_channels 2147483647 -out "$TMP/f_huge.h5" -quiet \
  >"$TMP/huge" 2>&1 || rc=$?
check "-block_channels 2147483647: blocks of whole patients, the same features (exit $rc)" \
  '[ $rc -eq 0 ] && h5diff -q "$TMP/f_default.h5" "$TMP/f_huge.h5" /roi /roi'
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" features -options_file_yaml configs/tiny.yaml -dataset "$ds" -out "$TMP/f_yaml.h5" -quiet \
  >"$TMP/yaml" 2>&1 || rc=$?
check "an options file may hold other stages' options (features with configs/tiny.yaml: exit $rc)" '[ $rc -eq 0 ]'

# presets: run -preset tiny says that it does not check recovery, and configs/tiny.yaml is the preset
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" run -preset tiny -out "$TMP/preset" >"$TMP/preset.log" 2>&1 || rc=$?
check "run -preset tiny exits 0 and says recovery is not checked (exit $rc)" \
  '[ $rc -eq 0 ] && grep -q "^run: recovery not checked at this size: tiny is too small to recover the planted band (see docs/simulator.md)" "$TMP/preset.log"'
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" run -options_file_yaml configs/tiny.yaml -out "$TMP/config" >"$TMP/config.log" 2>&1 || rc=$?
check "run -options_file_yaml configs/tiny.yaml exits 0 (exit $rc)" '[ $rc -eq 0 ]'
check "configs/tiny.yaml gives the results of -preset tiny (/roi, the permutations, summary.csv)" \
  'h5diff -q "$TMP/preset/results.h5" "$TMP/config/results.h5" /roi /roi &&
   [ "$(h5dump -a /permutations "$TMP/preset/results.h5" | grep -o "(0): [0-9]*")" = "(0): 1000" ] &&
   [ "$(h5dump -a /permutations "$TMP/config/results.h5" | grep -o "(0): [0-9]*")" = "(0): 1000" ] &&
   cmp -s "$TMP/preset/report/summary.csv" "$TMP/config/report/summary.csv"'
check "configs/{demo,paper}.yaml set the presets' permutations and noise splits (stage_run.c Presets[])" \
  'grep -q "^permutations: 2000$" configs/demo.yaml && grep -q "^noise_splits: 200$" configs/demo.yaml &&
   grep -q "^permutations: 10000$" configs/paper.yaml && grep -q "^noise_splits: 1000$" configs/paper.yaml &&
   grep -q "{\"demo\", \"2000\", \"200\"" src/stages/stage_run.c && grep -q "{\"paper\", \"10000\", \"1000\"" src/stages/stage_run.c'
# the paper preset's profile, from the preset and from its config (one patient of 12 channels)
rc=0
"$BA_BIN" simulate -preset paper -sim_patients 1 -sim_channels 12 -sim_control_network false -out "$TMP/pp" -quiet \
  >/dev/null 2>&1 || rc=$?
"$BA_BIN" simulate -options_file_yaml configs/paper.yaml -sim_patients 1 -sim_channels 12 -sim_control_network false \
  -out "$TMP/py" -quiet >/dev/null 2>&1 || rc=$?
check "simulate -preset paper and configs/paper.yaml plant the kuzovkin2018 profile (exit $rc)" \
  '[ $rc -eq 0 ] && h5dump -a /profile "$TMP/pp/truth.h5" | grep -q "\"kuzovkin2018\"" &&
   h5diff -q "$TMP/pp/truth.h5" "$TMP/py/truth.h5" /rois /rois && h5diff -q "$TMP/pp/truth.h5" "$TMP/py/truth.h5" /channels /channels'
rc=0
$BA_MPIRUN -np 2 "$BA_BIN" run -preset tiny -check_recovery -out "$TMP/checked" >/dev/null 2>"$TMP/checked.err" || rc=$?
check "run -preset tiny -check_recovery keeps the check: exit $rc, one line" \
  '[ $rc -ne 0 ] && [ "$(grep -c . "$TMP/checked.err")" -eq 1 ] && grep -q "^bandalign: error: recovery failed" "$TMP/checked.err"'
