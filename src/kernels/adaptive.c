/* adaptive.c: the bounds of the adaptive permutation strategy (adaptive.h; the rule that
 * uses them is in src/stages/rsa_adaptive.c and methods.md, "Adaptive permutations").
 *
 * The full strategy gives each pair a p-value that is a fixed function of the permutation
 * stream: h / u if its h-th exceedance comes at permutation u <= m, else (b_m + 1) / (m + 1).
 * After t permutations only part of that path is known. The bounds here say how large the
 * final p can still be; a pair whose bound already passes the correction is a discovery of
 * the full strategy too, and stops. */
#include <bandalign/adaptive.h>
#include <math.h>

PetscInt AdaptiveLevels(int64_t m, PetscInt max, int64_t *level)
{
  PetscInt n = 0;

  for (int64_t t = 128, k = 0; m > 0; k++) {
    const int64_t v = t < m ? t : m;
    if (n < max) level[n] = v;
    n++;
    if (v == m) break;
    t = (k % 2 == 0) ? t + t / 2 : t + t / 3; /* 128, 192, 256, 384, 512, 768, 1024, ... */
  }
  return n;
}

/* Kullback-Leibler divergence of Bernoulli(a) from Bernoulli(p), 0 < p < 1. */
static double KL(double a, double p)
{
  double d = 0;
  if (a > 0) d += a * log(a / p);
  if (a < 1) d += (1 - a) * log((1 - a) / (1 - p));
  return d;
}

double AdaptiveProportionUpper(int64_t b, int64_t t, double L)
{
  const double a = t > 0 ? (double)b / (double)t : 0;
  double lo = a, hi = 1;

  if (t <= 0 || b >= t) return 1;
  /* KL(a || p) increases on [a, 1); bisection keeps hi on the safe side of the root */
  for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const double mid = 0.5 * (lo + hi);
    if ((double)t * KL(a, mid) <= L)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

/* The p-value reported for a count as it stands. */
static double Reported(const AdaptiveRule *r, const PermCount *c)
{
  if (c->done == 1) return (double)r->h / (double)c->used;
  if (r->protocol == BA_PROTOCOL_KUZOVKIN2018) return c->used ? (double)c->b / (double)c->used : 1;
  return (double)(c->b + 1) / (double)(c->used + 1);
}

/* The full strategy's p for a count that reached m without stopping. */
static double AtM(const AdaptiveRule *r, int64_t b)
{
  return r->protocol == BA_PROTOCOL_KUZOVKIN2018 ? (double)b / (double)r->m : (double)(b + 1) / (double)(r->m + 1);
}

double AdaptiveUpper(const AdaptiveRule *r, const PermCount *c, PetscBool *probabilistic)
{
  double u = 1, rep;

  if (probabilistic) *probabilistic = PETSC_FALSE;
  if (c->done < 0) return NAN;
  rep = Reported(r, c);
  if (c->done == 1 || c->used >= r->m) return rep; /* exact: the full strategy's own p */
  if (r->h > 0 && c->b < r->h) u = (double)r->h / (double)(c->used + 1);
  if (r->log_inv_delta > 0) {
    const double pi = AdaptiveProportionUpper(c->b, c->used, r->log_inv_delta);
    const double bm = floor(pi * (double)r->m);
    if (r->h == 0 || bm < (double)r->h) {
      const double up = AtM(r, (int64_t)bm);
      if (up < u) {
        u = up;
        if (probabilistic) *probabilistic = PETSC_TRUE;
      }
    }
  }
  return u > rep ? u : rep;
}
