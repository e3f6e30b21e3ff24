/* test_adaptive.c: the bounds of the adaptive permutation strategy (adaptive.h) against the
   full strategy's p-value computed by brute force on simulated exceedance streams, and the
   Chernoff proportion bound against an independent binomial tail. */
#include <bandalign/adaptive.h>
#include <check.h>
#include <stdint.h>

/* xorshift64*: the test's own streams */
static double Uniform(uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* The full strategy's p of one stream x[m] (1 = exceedance): stop where b reaches h. */
static double FullP(const char *x, int64_t m, int64_t h, BaProtocol protocol)
{
  int64_t b = 0;
  for (int64_t i = 0; i < m; i++)
    if (x[i] && ++b == h && h > 0) return (double)h / (double)(i + 1);
  return protocol == BA_PROTOCOL_KUZOVKIN2018 ? (double)b / (double)m : (double)(b + 1) / (double)(m + 1);
}

/* ln P(Bin(t, p) <= b), summed in logs (independent of the Chernoff bound) */
static double LogBinomCdf(int64_t b, int64_t t, double p)
{
  double mx = -INFINITY, s = 0, terms[4096];
  for (int64_t k = 0; k <= b; k++) {
    terms[k] = lgamma((double)t + 1) - lgamma((double)k + 1) - lgamma((double)(t - k) + 1) + (double)k * log(p) +
               (double)(t - k) * log1p(-p);
    if (terms[k] > mx) mx = terms[k];
  }
  for (int64_t k = 0; k <= b; k++)
    s += exp(terms[k] - mx);
  return mx + log(s);
}

/* Walks nstreams streams of exceedance probability p through the levels; every time a pair
   still runs at a level, its bound must hold: counts bound violations (deterministic rule)
   or the fraction of streams with one (probabilistic rule). */
static int64_t Violations(const AdaptiveRule *r, double p, int nstreams, uint64_t seed, int64_t *looked)
{
  int64_t lev[ADAPTIVE_MAX_LEVELS], bad = 0;
  const PetscInt nlev = AdaptiveLevels(r->m, ADAPTIVE_MAX_LEVELS, lev);
  char *x             = malloc((size_t)r->m);

  *looked = 0;
  for (int s = 0; s < nstreams; s++) {
    PermCount c = {0, 0, 0, 0};
    double pf;
    int viol = 0;
    for (int64_t i = 0; i < r->m; i++)
      x[i] = Uniform(&seed) < p;
    pf = FullP(x, r->m, r->h, r->protocol);
    for (PetscInt k = 0; k < nlev && !c.done; k++) {
      while (c.used < lev[k] && !c.done) {
        c.b += x[c.used++];
        if (r->h > 0 && c.b >= r->h) c.done = 1;
      }
      const double u   = AdaptiveUpper(r, &c, NULL);
      const double rep = c.done ? (double)r->h / (double)c.used
                                : (r->protocol == BA_PROTOCOL_KUZOVKIN2018 ? (double)c.b / (double)c.used
                                                                           : (double)(c.b + 1) / (double)(c.used + 1));
      (*looked)++;
      if (u < pf || u < rep) viol = 1;
    }
    bad += viol;
  }
  free(x);
  return bad;
}

int main(int argc, char **argv)
{
  int64_t lev[ADAPTIVE_MAX_LEVELS],
      want[]        = {128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 10000};
  const double ps[] = {0.0003, 0.002, 0.006, 0.03};
  PetscInt n;
  int same = 1;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(4 + 2 * 4 + 4 + 2);

  n = AdaptiveLevels(10000, ADAPTIVE_MAX_LEVELS, lev);
  for (PetscInt k = 0; k < n && k < 14; k++)
    same = same && lev[k] == want[k];
  CHECK(n == 14 && same, "levels for m = 10000: 128, 192, 256, ..., 8192, 10000 (%" PetscInt_FMT " levels)", n);
  CHECK(AdaptiveLevels(100, 0, NULL) == 1 && AdaptiveLevels(128, 0, NULL) == 1 && AdaptiveLevels(129, 0, NULL) == 2,
        "levels for m = 100, 128, 129: one level at m, then 128 and m");
  n = AdaptiveLevels(2147483647, ADAPTIVE_MAX_LEVELS, lev);
  CHECK(n <= ADAPTIVE_MAX_LEVELS && lev[n - 1] == 2147483647, "m = 2^31 - 1 fits the table (%" PetscInt_FMT " levels)",
        n);
  {
    PermCount u = {3, 500, -1, 0};
    CHECK(isnan(AdaptiveUpper(&(AdaptiveRule){1000, 10, BA_PROTOCOL_CANONICAL, 0}, &u, NULL)),
          "an untestable pair has no bound");
  }

  /* the exact Besag-Clifford bound, both protocols: never below the full strategy's p */
  for (int proto = 0; proto < 2; proto++)
    for (int i = 0; i < 4; i++) {
      AdaptiveRule r = {3000, 10, proto ? BA_PROTOCOL_KUZOVKIN2018 : BA_PROTOCOL_CANONICAL, 0};
      int64_t looked, bad = Violations(&r, ps[i], 300, 1234 + 17 * i + 5 * proto, &looked);
      CHECK(bad == 0,
            "%s, exceedance p %.4f: h / (t + 1) bounds the full p and the reported p (%" PetscInt64_FMT
            " looks, %" PetscInt64_FMT " streams with a violation)",
            proto ? "kuzovkin2018" : "canonical", ps[i], looked, bad);
    }

  /* the probabilistic bound without sequential stopping: a stream violates its bound at any
     level with probability at most (levels x delta_i); delta_i = 0.01 here */
  for (int i = 0; i < 4; i++) {
    const PetscInt nl = AdaptiveLevels(4000, 0, NULL);
    AdaptiveRule r    = {4000, 0, BA_PROTOCOL_CANONICAL, log(100.0)};
    int64_t looked, bad = Violations(&r, ps[i], 400, 99 + i, &looked);
    CHECK((double)bad / 400 <= 0.01 * (double)nl,
          "no sequential stop, p %.4f: %" PetscInt64_FMT
          " of 400 streams break a bound at delta_i = 0.01 (at most %.2f "
          "expected over %" PetscInt_FMT " levels)",
          ps[i], bad, 0.01 * (double)nl, nl);
  }

  /* the Chernoff bound itself: t KL = L at the returned pi, and the binomial tail there is
     at most exp(-L) */
  {
    const int64_t bs[] = {0, 1, 5, 40, 300}, ts[] = {128, 1000, 3000};
    double worst_kl = 0, worst_tail = -INFINITY;
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 3; j++) {
        const double L = 12.5;
        if (bs[i] >= ts[j]) continue;
        const double pi = AdaptiveProportionUpper(bs[i], ts[j], L), a = (double)bs[i] / (double)ts[j];
        const double kl = (a > 0 ? a * log(a / pi) : 0) + (1 - a) * log((1 - a) / (1 - pi));
        worst_kl        = fmax(worst_kl, fabs((double)ts[j] * kl - L) / L);
        worst_tail      = fmax(worst_tail, LogBinomCdf(bs[i], ts[j], pi) + L);
      }
    CHECK(worst_kl < 1e-9, "t KL(b/t || pi) = L at the returned pi (rel. err %.1e)", worst_kl);
    CHECK(worst_tail <= 1e-9, "P(Bin(t, pi) <= b) <= exp(-L) at the returned pi (log margin %.2f)", -worst_tail);
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
