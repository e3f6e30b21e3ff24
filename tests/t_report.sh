#!/usr/bin/env bash
# t_report.sh: the report stage on a small results file built by tests/ref/report.py
# (summaries computed by the scipy reference from the file's own per-channel arrays):
# summary.csv and area_layer CSVs against the file, figures are valid PNGs, report.html is
# self-contained and every image loads in headless Chromium, the optional layer-RDM figure,
# pairs.csv, the table of contents, captions, the shared colour scale of the area x layer
# figure, the electrodes' best bands, the published figures beside a kuzovkin2018 run and the
# control figure, the recovery verdicts against truth files (expected verdicts and the next
# band re-derived in Python), options and errors, and a run on 2 ranks.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
PY=${BA_PY:-/usr/bin/python3}
BIN=${BA_BIN:-bin/bandalign}
MPIRUN=${BA_MPIRUN:-mpirun --allow-run-as-root --oversubscribe}
TMP=${BA_TMP:-$(mktemp -d)}/report
rm -rf "$TMP"
mkdir -p "$TMP"

"$PY" tests/ref/report.py gen "$TMP"
# 20 checks here, 19 printed by report.py check, 4 by report.py published, one per expected
# failed verdict, one per next-band case
nverdicts=$(awk '$1 != "ok"' "$TMP/expect.txt" | wc -l)
nnext=$(wc -l <"$TMP/expect_next.txt")
plan $((20 + 19 + 4 + nverdicts + nnext))

# a full report with a truth file whose planted band comes out best
rc=0
"$BIN" report -results "$TMP/results.h5" -out "$TMP/out" -truth "$TMP/truth_ok.h5" >"$TMP/ok.out" 2>"$TMP/ok.err" || rc=$?
check "report with a recovered truth exits 0 (rc $rc)" '[ $rc -eq 0 ]'
check "the verdict is printed: $(grep '^recovery' "$TMP/ok.out" | cut -c1-60 || true)..." \
  'grep -q "^recovery passed: planted band lowgamma is the best aligned" "$TMP/ok.out"'
check "the summary table and the path of report.html are printed" \
  'grep -q "^lowgamma_150_350 " "$TMP/ok.out" && grep -q "^report: $TMP/out/report.html" "$TMP/ok.out"'
check "no warning about summaries that disagree with the per-channel data" '! grep -q disagree "$TMP/ok.err"'
checks_of "$PY" tests/ref/report.py check "$TMP" "$TMP/out"
check "report.html has the recovery section with its verdict" \
  'grep -q "Recovery of the planted truth" "$TMP/out/report.html" && grep -q "class=\"pass\">recovery passed" "$TMP/out/report.html"'

# every image of the page loads in a browser that has no network (without Chromium both fail)
got="" gotbroken=""
if [ -x /usr/bin/chromium ]; then
  probe='<script>window.addEventListener("load",function(){var im=document.images,n=0;for(var i=0;i<im.length;i++)if(im[i].complete\&\&im[i].naturalWidth>0)n++;var p=document.createElement("p");p.textContent="IMGCHECK "+n+" of "+im.length;document.body.appendChild(p);});</script></body>'
  render() { # render <html> -> prints "IMGCHECK n of m"
    local profile
    profile=$(mktemp -d)
    timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
      --virtual-time-budget=5000 --dump-dom "file://$1" 2>/dev/null | grep -o 'IMGCHECK [0-9]* of [0-9]*' || true
    rm -rf "$profile"
  }
  sed "s#</body>#$probe#" "$TMP/out/report.html" >"$TMP/probe.html"
  got=$(render "$TMP/probe.html")
  # the probe can fail: one corrupted image must be seen
  "$PY" - "$TMP/probe.html" "$TMP/broken.html" <<'PYEOF'
import sys
s = open(sys.argv[1]).read()
i = s.index("data:image/png;base64,") + len("data:image/png;base64,")
open(sys.argv[2], "w").write(s[:i] + "AAAA" + s[i + 4:])
PYEOF
  gotbroken=$(render "$TMP/broken.html")
else
  echo "# chromium missing"
fi
check "headless Chromium loads every image of report.html (${got:-no answer})" '[ "$got" = "IMGCHECK 6 of 6" ]'
check "the Chromium probe notices a corrupted image (${gotbroken:-no answer})" '[ "$gotbroken" = "IMGCHECK 5 of 6" ]'

# without /layers/rdm_correlation the figure is skipped with a note
rc=0
"$BIN" report -results "$TMP/results_nocorr.h5" -out "$TMP/nocorr" -quiet >"$TMP/nocorr.out" 2>&1 || rc=$?
check "without /layers/rdm_correlation: exit 0, no figure, a note in the page, 5 images" \
  '[ $rc -eq 0 ] && [ ! -e "$TMP/nocorr/layer_rdm_correlation.png" ] &&
  grep -q "no /layers/rdm_correlation dataset" "$TMP/nocorr/report.html" &&
  [ "$(grep -c "<img " "$TMP/nocorr/report.html")" -eq 5 ]'
check "-quiet prints nothing without -truth" '[ ! -s "$TMP/nocorr.out" ]'
check "summary.csv does not depend on the optional dataset" 'cmp -s "$TMP/out/summary.csv" "$TMP/nocorr/summary.csv"'

# protocol kuzovkin2018 (and a control network): the study's published figures beside the run's
rc=0
"$BIN" report -results "$TMP/results_k2018.h5" -out "$TMP/k2018" -quiet >"$TMP/k2018.out" 2>&1 || rc=$?
check "a kuzovkin2018 results file with a control: exit 0 ($rc)" '[ $rc -eq 0 ]'
checks_of "$PY" tests/ref/report.py published "$TMP" "$TMP/k2018" data/kuzovkin2018/published-figures.tsv
check "a canonical results file: no published table, no control figure" \
  '! grep -q "id=\"published\"" "$TMP/out/report.html" && ! grep -q "href=\"#control\"" "$TMP/out/report.html" && [ ! -e "$TMP/out/control.png" ]'

# the verdict names the next band by the rule's score, ties to the higher mean rho
while read -r tag band score hscore; do
  rc=0
  "$BIN" report -results "$TMP/results_next_$tag.h5" -out "$TMP/next_$tag" -truth "$TMP/truth_ok.h5" -quiet >"$TMP/next_$tag.out" 2>"$TMP/next_$tag.err" || rc=$?
  check "next band, case '$tag': $(grep -o 'best aligned (score [^)]*)' "$TMP/next_$tag.out" || echo "no verdict, rc $rc")" \
    '[ $rc -eq 0 ] && grep -q "^recovery passed: planted band lowgamma is the best aligned (score $hscore, next $band $score)" "$TMP/next_$tag.out"'
done <"$TMP/expect_next.txt"

# recovery verdicts: exit status and reasons against the rule re-derived in Python
while read -r tag expect why; do
  [ "$tag" = ok ] && continue
  rc=0
  "$BIN" report -results "$TMP/results.h5" -out "$TMP/v_$tag" -truth "$TMP/truth_$tag.h5" -quiet >"$TMP/v_$tag.out" 2>"$TMP/v_$tag.err" || rc=$?
  if [ "$expect" = 1 ]; then
    # a profile: the page compares the run with it ROI by ROI, the verdict counts the ROIs
    check "truth '$tag': recovery expected to pass, exit $rc" '[ $rc -eq 0 ] && { [ "$tag" != profile ] ||
      { grep -q "the kuzovkin2018 profile.s verdict in all 14 ROIs" "$TMP/v_$tag.out" &&
        grep -q "The run against the planted profile" "$TMP/v_$tag/report.html" &&
        [ "$(grep -c "<td class=\"met\">" "$TMP/v_$tag/report.html")" -eq 14 ]; }; }'
    continue
  fi
  fine=0
  [ $rc -ne 0 ] || fine=1
  grep -q 'recovery failed' "$TMP/v_$tag.err" || fine=1
  IFS=';' read -ra reasons <<<"$why"
  for r in "${reasons[@]}"; do
    r=$(echo "$r" | sed 's/^ *//; s/^aligned //')
    grep -q -- "$r" "$TMP/v_$tag.err" || { fine=1; echo "# missing reason '$r'"; }
  done
  { [ -s "$TMP/v_$tag/report.html" ] && grep -q 'class="fail">recovery failed' "$TMP/v_$tag/report.html"; } || fine=1
  check "truth '$tag' ($why): non-zero exit ($rc), 'recovery failed' with its reasons, report still written" '[ $fine -eq 0 ]'
done <"$TMP/expect.txt"
check "a kuzovkin2018 profile whose verdict differs points to the seeds it holds at" \
  'grep -q "^report: the kuzovkin2018 profile gives the study.s whole table at some seeds only" "$TMP/v_profileflip.out" &&
   ! grep -q "at some seeds only" "$TMP/v_profile.out"'
rc=0
"$BIN" report -results "$TMP/results.h5" -out "$TMP/v_nocheck" -truth "$TMP/truth_wrongband.h5" -check_recovery 0 -quiet >"$TMP/nocheck.out" 2>&1 || rc=$?
check "-check_recovery 0: the failed verdict is printed, exit 0 ($rc)" '[ $rc -eq 0 ] && grep -q "^recovery failed" "$TMP/nocheck.out"'

# options and errors
rc=0
"$BIN" report -help >"$TMP/help.out" 2>&1 || rc=$?
check "-help lists -results, -truth, -check_recovery, -atlas and exits 0 ($rc)" \
  '[ $rc -eq 0 ] && grep -q -- -results "$TMP/help.out" && grep -q -- -truth "$TMP/help.out" && grep -q -- -check_recovery "$TMP/help.out" && grep -q -- -atlas "$TMP/help.out"'
rc=0
"$BIN" report -results "$TMP/results.h5" -out "$TMP/x" -atlas "$TMP/nonexistent.nii.gz" >"$TMP/noatlas.out" 2>&1 || rc=$?
check "-atlas naming a missing file: one error line naming it, non-zero exit" \
  '[ $rc -ne 0 ] && grep -q "^bandalign: error: $TMP/nonexistent.nii.gz: cannot open" "$TMP/noatlas.out" && [ "$(wc -l <"$TMP/noatlas.out")" -eq 1 ]'
rc=0
"$BIN" report -out "$TMP/x" >"$TMP/noarg.out" 2>&1 || rc=$?
check "missing -results: one error line, non-zero exit" \
  '[ $rc -ne 0 ] && [ "$(cat "$TMP/noarg.out")" = "bandalign: error: -results: option is required" ]'
rc=0
"$BIN" report -results "$TMP/nonexistent.h5" -out "$TMP/x" >"$TMP/nofile.out" 2>&1 || rc=$?
check "a missing results file: one error line naming it, non-zero exit" \
  '[ $rc -ne 0 ] && grep -q "^bandalign: error: $TMP/nonexistent.h5: cannot open" "$TMP/nofile.out" && [ "$(wc -l <"$TMP/nofile.out")" -eq 1 ]'
rc=0
"$BIN" report -results "$TMP/truth_ok.h5" -out "$TMP/x" >"$TMP/wrongfmt.out" 2>&1 || rc=$?
want="format is 'bandalign-truth', expected 'bandalign-results'"
check "a file of another format is refused" '[ $rc -ne 0 ] && grep -q "$want" "$TMP/wrongfmt.out"'

# on 2 ranks, rank 0 alone writes the same tables
rc=0
$MPIRUN -np 2 "$BIN" report -results "$TMP/results.h5" -out "$TMP/np2" -quiet >"$TMP/np2.out" 2>&1 || rc=$?
check "2 ranks: exit 0 ($rc), same summary.csv and area_layer CSVs" \
  '[ $rc -eq 0 ] && cmp -s "$TMP/out/summary.csv" "$TMP/np2/summary.csv" &&
  cmp -s "$TMP/out/area_layer_beta_50_250.csv" "$TMP/np2/area_layer_beta_50_250.csv"'
