/* test_alignment.c: the alignment kernel on cases worked out by hand, and the split-half
   rule's determinism and balance. The comparison with scipy is tests/t_alignment.sh. */
#include <bandalign/alignment.h>
#include "check.h"

/* Alignment of pairs given as (area, layer) lists: one channel per pair. */
static void PairsAlignment(int n, const int *area, const int *layer, int nlayers, double *rho, double *p)
{
  uint8_t sig[64 * 9] = {0};
  int ai[64];

  for (int i = 0; i < n; i++) {
    ai[i]                       = area[i];
    sig[i * nlayers + layer[i]] = 1;
  }
  AlignmentRho(n, nlayers, ai, sig, NULL, rho, p);
}

static void TestDegenerate(void)
{
  double rho, p;
  int a2[] = {0, 1}, l2[] = {0, 1};
  int ac[] = {2, 2, 2, 2}, lc[] = {0, 1, 2, 3};
  int av[] = {0, 1, 2, 3}, lv[] = {4, 4, 4, 4};
  int ao[] = {0, -1, 2, -1, 4}, lo[] = {0, 1, 2, 3, 4};
  int am[] = {0, 1, 2, 3, 4}, lm[] = {1, 2, 3, 4, 5};
  int an[] = {0, 1, 2, 3, 4}, ln[] = {8, 6, 4, 2, 0};

  PairsAlignment(0, a2, l2, 9, &rho, &p);
  CHECK(rho == 0 && p == 1, "no significant pair: rho 0, p 1");
  PairsAlignment(2, a2, l2, 9, &rho, &p);
  CHECK(rho == 0 && p == 1, "two pairs: rho 0, p 1");
  PairsAlignment(4, ac, lc, 9, &rho, &p);
  CHECK(rho == 0 && p == 1, "constant area index: rho 0, p 1");
  PairsAlignment(4, av, lv, 9, &rho, &p);
  CHECK(rho == 0 && p == 1, "constant layer index: rho 0, p 1");
  PairsAlignment(5, ao, lo, 9, &rho, &p);
  CHECK(fabs(rho - 1) < 1e-12, "channels outside the five areas are left out (3 pairs, monotone): rho %.17g", rho);
  PairsAlignment(5, am, lm, 9, &rho, &p);
  CHECK(fabs(rho - 1) < 1e-12 && p < 1e-12, "strictly increasing pairs: rho 1 (%.17g), p 0 (%.3g)", rho, p);
  PairsAlignment(5, an, ln, 9, &rho, &p);
  CHECK(fabs(rho + 1) < 1e-12, "strictly decreasing pairs: rho -1 (%.17g)", rho);
}

/* Three layers; channels: 0 in BA17 (area 0), 1 and 2 in BA18 (area 1), 3 outside, 4 in
   BA20 (area 4) but not responsive and with nothing significant. */
static void TestSums(void)
{
  const int area[5]     = {0, 1, 1, -1, 4};
  const uint8_t resp[5] = {1, 1, 1, 1, 0};
  const uint8_t sig[15] = {1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0};
  const double rho[15]  = {0.1, 0.9, 0.9, 0.1, 0.7, 0.3, 0.5, 0.5, 0.2, 0.4, 0.6, 0.8, 0.9, 0.9, 0.9};
  ResultsRoiSummary s;
  double exp_all = 0.1 + 0.1 + 0.3 + 0.2 + 0.4 + 0.6, exp_vol = 0.1 + 0.1 + 0.3 + 0.2;

  s.noise_median = 0.25;
  AlignmentCompute(5, 3, area, sig, rho, resp, &s);
  CHECK(s.n_responsive == 4, "n_responsive counts responsive channels (%d)", (int)s.n_responsive);
  CHECK(s.n_significant_pairs == 6, "n_significant_pairs counts all areas (%d)", (int)s.n_significant_pairs);
  CHECK(fabs(s.volume - exp_vol) < 1e-15, "volume sums significant rho in the five areas (%.17g)", s.volume);
  CHECK(fabs(s.specificity - exp_vol / exp_all) < 1e-15, "specificity is volume over the sum over all channels (%.17g)",
        s.specificity);
  CHECK(s.area_significant[0] == 1 && s.area_significant[1] == 2 && s.area_significant[4] == 0 &&
            s.area_significant[2] == 0,
        "area_significant counts channels with a significant layer");
  CHECK(s.area_responsive[0] == 1 && s.area_responsive[1] == 2 && s.area_responsive[4] == 0,
        "area_responsive counts responsive channels");
  CHECK(fabs(s.area_layer[0 * 3 + 0] - 0.1) < 1e-15 && s.area_layer[0 * 3 + 1] == 0,
        "area_layer of BA17: rho over 1 channel");
  CHECK(fabs(s.area_layer[1 * 3 + 0] - 0.05) < 1e-15 && fabs(s.area_layer[1 * 3 + 2] - 0.25) < 1e-15 &&
            s.area_layer[1 * 3 + 1] == 0,
        "area_layer of BA18: sums over its 2 significant channels, divided by 2");
  CHECK(s.area_layer[4 * 3 + 0] == 0 && s.area_layer[4 * 3 + 1] == 0,
        "area_layer is 0 for an area without significant channels");
  /* pairs (0,0), (1,0), (1,2), (1,2): x ranks 1, 3, 3, 3; y ranks 1.5, 1.5, 3.5, 3.5 */
  {
    double rx[4] = {1, 3, 3, 3}, ry[4] = {1.5, 1.5, 3.5, 3.5}, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 4; i++) {
      sxy += (rx[i] - 2.5) * (ry[i] - 2.5);
      sxx += (rx[i] - 2.5) * (rx[i] - 2.5);
      syy += (ry[i] - 2.5) * (ry[i] - 2.5);
    }
    CHECK(fabs(s.alignment_rho - sxy / sqrt(sxx * syy)) < 1e-14,
          "alignment rho uses average ranks of the pair multiset (%.17g vs %.17g)", s.alignment_rho,
          sxy / sqrt(sxx * syy));
  }
  CHECK(s.noise_median == 0.25, "noise_median is left as it was");
  {
    const uint8_t none[15] = {0};
    AlignmentCompute(5, 3, area, none, rho, resp, &s);
    CHECK(s.specificity == 0 && s.volume == 0 && s.alignment_p == 1,
          "nothing significant: specificity 0, volume 0, p 1");
  }
}

static double Imbalance(int np, const int *counts, const uint8_t *half)
{
  long d[BA_NAREAS] = {0}, s = 0;
  for (int p = 0; p < np; p++)
    for (int a = 0; a < BA_NAREAS; a++)
      d[a] += half[p] ? counts[p * BA_NAREAS + a] : -counts[p * BA_NAREAS + a];
  for (int a = 0; a < BA_NAREAS; a++)
    s += labs(d[a]);
  return (double)s;
}

static void TestSplits(void)
{
  enum { NP = 40, NS = 200 };
  int counts[NP * BA_NAREAS];
  uint8_t h1[NP], h2[NP], hr[NP];
  int same = 1, differ = 0, valid = 1, nonempty = 1;
  double greedy = 0, random = 0;
  uint64_t x = 88172645463325252ull;

  for (int i = 0; i < NP * BA_NAREAS; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    counts[i] = (int)(x % 7);
  }
  for (int k = 0; k < NS; k++) {
    int m = 0;
    AlignmentSplitHalves(NP, counts, 12345, k, h1);
    AlignmentSplitHalves(NP, counts, 12345, k, h2);
    for (int p = 0; p < NP; p++) {
      same &= h1[p] == h2[p];
      valid &= h1[p] <= 1;
      m += h1[p];
    }
    nonempty &= m > 0 && m < NP;
    if (k > 0) {
      AlignmentSplitHalves(NP, counts, 12345, k - 1, h2);
      for (int p = 0; p < NP; p++)
        differ += h1[p] != h2[p];
    }
    greedy += Imbalance(NP, counts, h1);
    /* an unbalanced split for comparison: independent fair coins from the same generator family */
    for (int p = 0; p < NP; p++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      hr[p] = (uint8_t)(x >> 63);
    }
    random += Imbalance(NP, counts, hr);
  }
  CHECK(same, "a split is the same for the same (seed, split)");
  CHECK(valid && nonempty, "every split puts patients in both halves, flags 0/1");
  CHECK(differ > NS * 5, "consecutive splits differ (%d patients moved over %d splits)", differ, NS - 1);
  CHECK(greedy < 0.25 * random, "balanced splits: mean L1 imbalance %.2g channels vs %.2g for coin flips", greedy / NS,
        random / NS);
  AlignmentSplitHalves(NP, counts, 12346, 0, h2);
  AlignmentSplitHalves(NP, counts, 12345, 0, h1);
  differ = 0;
  for (int p = 0; p < NP; p++)
    differ += h1[p] != h2[p];
  CHECK(differ > 0, "another seed gives another split");
  {
    const int zero[4 * BA_NAREAS] = {0};
    uint8_t h[4];
    int m = 0;
    AlignmentSplitHalves(4, zero, 1, 0, h);
    for (int p = 0; p < 4; p++)
      m += h[p];
    CHECK(m == 2, "patients without ventral channels are shared evenly (%d of 4 in half 1)", m);
  }
}

static void TestHalf(void)
{
  const int area[6]        = {0, 1, 2, 3, 4, 2};
  const int patient[6]     = {0, 0, 1, 1, 2, 2};
  const uint8_t sig[12]    = {1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0};
  const uint8_t in_half[3] = {1, 0, 1};
  const uint8_t mask[6]    = {1, 1, 0, 0, 1, 1};
  double a, b;

  AlignmentHalf(6, 2, area, patient, in_half, sig, &a);
  AlignmentRho(6, 2, area, sig, mask, &b, NULL);
  CHECK(a == b, "the alignment of a half is the alignment over its patients' channels (%.17g)", a);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(26);
  TestDegenerate();
  TestSums();
  TestSplits();
  TestHalf();
  PetscCall(PetscFinalize());
  return CheckDone();
}
