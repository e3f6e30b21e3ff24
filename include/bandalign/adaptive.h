/* adaptive.h: bounds for the adaptive permutation strategy (methods.md, "Adaptive
   permutations"): how far a pair's p-value under the full strategy can lie from where its
   count stands, so that pairs whose discovery is already settled stop early. */
#ifndef BANDALIGN_ADAPTIVE_H
#define BANDALIGN_ADAPTIVE_H

#include <bandalign/permtest.h>

/* The full strategy a count is measured against, and the probability budget of one bound. */
typedef struct {
  int64_t m;            /* permutations of the full strategy (-permutations) */
  int64_t h;            /* sequential limit (Besag-Clifford), 0 = none */
  BaProtocol protocol;  /* canonical p = (b + 1) / (used + 1); kuzovkin2018 p = b / used */
  double log_inv_delta; /* ln(1 / delta_i) for one probabilistic bound; 0 = none (exact bounds only) */
} AdaptiveRule;

/* More levels than any m below 2^31 has (about 2 ln(m) / ln(1.41)). */
#define ADAPTIVE_MAX_LEVELS 64

/* The decision levels: permutation counts at which the undecided pairs of a ROI are looked
   at together, 128, 192, 256, 384, 512, 768, ... (a factor 1.5 or 4/3 apart), up to and
   ending with m. Writes at most max levels into level[] and returns how many there are
   (call with max = 0 to count). Depends on m only. */
PetscInt AdaptiveLevels(int64_t m, PetscInt max, int64_t *level);

/* An upper bound on the p-value the full strategy gives a pair whose count is c, as the
   permutations after c->used would run it (to m, stopping where b reaches h), and whether
   that bound holds only with probability 1 - delta_i (*probabilistic; may be NULL):
   - exact where the full strategy's p is known: stopped (done 1), or used = m;
   - with h > 0 and b < h: h / (used + 1), for the pair either stops at some u > used with
     p = h / u, or reaches m with b < h and p <= h / (m + 1) (exact, no probability);
   - with a probability budget: the first used permutations of m are a random sample of
     them without replacement, so (Hoeffding 1963, the hypergeometric tail is bounded by the
     binomial's Chernoff bound) b_m / m <= pi with probability 1 - delta_i, where pi is the
     largest value with used KL(b / used || pi) <= ln(1 / delta_i); if floor(m pi) stays
     below h (or h = 0) the pair never stops and p <= (floor(m pi) + 1) / (m + 1).
   The smaller bound is returned. NaN for an untestable pair (done -1). A pair decided by the
   adaptive rule (done 2) gets the bound its count had when it was decided (its count no
   longer moves). */
double AdaptiveUpper(const AdaptiveRule *r, const PermCount *c, PetscBool *probabilistic);

/* The largest pi in [b / t, 1] with t KL(b / t || pi) <= L: the Chernoff upper confidence
   bound of a proportion seen as b in t draws, at level exp(-L). */
double AdaptiveProportionUpper(int64_t b, int64_t t, double L);

#endif
