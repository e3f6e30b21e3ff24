#!/usr/bin/python3
"""bench/profile_table.py SEED=DIR ...: each ROI of paper-preset runs against the study's
published figures (data/kuzovkin2018/published-figures.tsv), as a markdown table, then per
seed the verdicts that agree (aligned: alignment p < 0.005/15), the responsive counts
within 25 % of the published ones, the alignment rho within 0.1 of the published one where
the study found the ROI aligned, and the bands' alignment scores (the report's rule: mean
over the windows of rho where p < 0.05). Reads DIR/report/summary.csv."""
import csv
import os
import sys

THRESHOLD = 0.005 / 15
here = os.path.dirname(os.path.abspath(__file__))
pub = list(csv.DictReader(open(os.path.join(here, "..", "data", "kuzovkin2018", "published-figures.tsv")),
                          delimiter="\t"))
runs = {}
for arg in sys.argv[1:]:
    seed, d = arg.split("=", 1)
    runs[seed] = list(csv.DictReader(open(os.path.join(d, "report", "summary.csv"))))
if not runs:
    sys.exit("usage: bench/profile_table.py SEED=DIR ...")

print("| ROI | published: responsive, rho, p | " + " | ".join("seed " + s for s in runs) + " |")
print("|---|---|" + "---|" * len(runs))
tally = {s: [0, 0, 0, 0] for s in runs}
for i, p in enumerate(pub):
    aligned = float(p["alignment_p"]) < THRESHOLD
    cells = []
    for s, rows in runs.items():
        r = rows[i]
        assert r["band"] == p["band"] and r["t0_ms"] == p["t0_ms"], "ROI order differs"
        same = (float(r["alignment_p"]) < THRESHOLD) == aligned
        tally[s][0] += same
        tally[s][1] += abs(int(r["n_responsive"]) / float(p["responsive_channels"]) - 1) <= 0.25
        if aligned:
            tally[s][2] += abs(float(r["alignment_rho"]) - float(p["alignment_rho"])) <= 0.1
            tally[s][3] += 1
        cells.append("%s, %.2f, %.1e%s" % (r["n_responsive"], float(r["alignment_rho"]), float(r["alignment_p"]),
                                           "" if same else " **differs**"))
    print("| %s %s-%s | %s, %.2f, %s (%s) | %s |" % (p["band"], p["t0_ms"], p["t1_ms"], p["responsive_channels"],
                                                  float(p["alignment_rho"]), p["alignment_p"],
                                                  "aligned" if aligned else "not aligned", " | ".join(cells)))
print()
for s, (verdicts, responsive, rho, naligned) in tally.items():
    scores = {}
    for r in runs[s]:
        scores.setdefault(r["band"], []).append(float(r["alignment_rho"]) if float(r["alignment_p"]) < 0.05 else 0.0)
    ranked = sorted(((sum(v) / len(v), b) for b, v in scores.items()), reverse=True)
    print("seed %s: verdicts %d/15, responsive within 25 %% %d/15, rho within 0.1 %d/%d; scores %s" %
          (s, verdicts, responsive, rho, naligned, ", ".join("%s %.3f" % (b, v) for v, b in ranked[:2])))
