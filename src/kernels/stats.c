/* stats.c: ranks, Spearman, Wilcoxon, Mann-Whitney and FDR, as scipy and statsmodels compute them.
 *
 * Every function follows the formula of the reference implementation step by step (the
 * same normal approximations, tie corrections and clipping), because the analysis promises
 * the reference's numbers, not just an equivalent test. The only special function needed
 * beyond erfc is the regularized incomplete beta of the t distribution, evaluated by its
 * continued fraction; that is accurate to about 1e-14 relative, far below what a p-value
 * needs. */
#include <bandalign/stats.h>
#include <math.h>

typedef struct {
  double v;
  int64_t i;
} RankItem;

static int RankItemCompare(const void *a, const void *b)
{
  const RankItem *x = a, *y = b;
  if (x->v < y->v) return -1;
  if (x->v > y->v) return 1;
  return (x->i > y->i) - (x->i < y->i);
}

PetscErrorCode StatsRank(PetscInt n, const double *x, double *rank, double *tie_term)
{
  RankItem *item;
  double tt = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n > 0 ? n : 1, &item));
  for (PetscInt i = 0; i < n; i++) {
    item[i].v = x[i];
    item[i].i = i;
  }
  qsort(item, (size_t)n, sizeof(*item), RankItemCompare);
  for (PetscInt s = 0, e; s < n; s = e) {
    for (e = s + 1; e < n && item[e].v == item[s].v; e++) {}
    /* positions s..e-1 hold ranks s+1..e: their mean is (s + 1 + e) / 2 */
    double r = 0.5 * (double)(s + 1 + e), t = (double)(e - s);
    for (PetscInt k = s; k < e; k++)
      rank[item[k].i] = r;
    tt += t * t * t - t;
  }
  if (tie_term) *tie_term = tt;
  PetscCall(PetscFree(item));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Continued fraction of the incomplete beta function (modified Lentz), valid for
   x < (a + 1) / (a + b + 2). */
static double BetaContinuedFraction(double a, double b, double x)
{
  const double tiny = 1e-300, eps = 1e-16;
  double c = 1, d = 1 - (a + b) * x / (a + 1), f;

  if (fabs(d) < tiny) d = tiny;
  d = 1 / d;
  f = d;
  for (int m = 1; m <= 1000; m++) {
    double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)); /* even step */
    d          = 1 + num * d;
    c          = 1 + num / c;
    if (fabs(d) < tiny) d = tiny;
    if (fabs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= c * d;
    num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)); /* odd step */
    d   = 1 + num * d;
    c   = 1 + num / c;
    if (fabs(d) < tiny) d = tiny;
    if (fabs(c) < tiny) c = tiny;
    d            = 1 / d;
    double delta = c * d;
    f *= delta;
    if (fabs(delta - 1) < eps) break;
  }
  return f;
}

/* Regularized incomplete beta I_x(a, b). */
static double BetaIncomplete(double a, double b, double x)
{
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return exp(lfront) * BetaContinuedFraction(a, b, x) / a;
  return 1 - exp(lfront) * BetaContinuedFraction(b, a, 1 - x) / b;
}

/* scipy.special.stdtr(df, t) for t <= 0: P(T <= t) of Student's t with df degrees of freedom. */
static double StudentLowerTail(double df, double t)
{
  if (isinf(t)) return 0;
  return 0.5 * BetaIncomplete(0.5 * df, 0.5, df / (df + t * t));
}

PetscErrorCode StatsSpearman(PetscInt n, const double *x, const double *y, double *rho, double *p)
{
  double *rx, *ry, mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0, r;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n > 0 ? n : 1, &rx, n > 0 ? n : 1, &ry));
  PetscCall(StatsRank(n, x, rx, NULL));
  PetscCall(StatsRank(n, y, ry, NULL));
  for (PetscInt i = 0; i < n; i++) {
    mx += rx[i];
    my += ry[i];
  }
  mx /= (double)n;
  my /= (double)n;
  for (PetscInt i = 0; i < n; i++) {
    double dx = rx[i] - mx, dy = ry[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  PetscCall(PetscFree2(rx, ry));
  r = (n < 2 || sxx == 0 || syy == 0) ? NAN : sxy / sqrt(sxx * syy);
  if (r > 1) r = 1;
  if (r < -1) r = -1;
  *rho = r;
  if (p) {
    if (isnan(r))
      *p = NAN;
    else {
      /* scipy: t = r sqrt(dof / ((r + 1)(1 - r))), p = 2 stdtr(dof, -|t|) */
      double dof = (double)(n - 2), q = dof / ((r + 1) * (1 - r)), t;
      t  = r * sqrt(q > 0 ? q : 0);
      *p = 2 * StudentLowerTail(dof, -fabs(t));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StatsWilcoxon(PetscInt n, const double *x, const double *y, double *p)
{
  double *d, *ad, *r, tie, rplus = 0, rminus = 0, count, T, mn, se, z;
  PetscInt k = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n > 0 ? n : 1, &d, n > 0 ? n : 1, &ad, n > 0 ? n : 1, &r));
  for (PetscInt i = 0; i < n; i++) {
    double di = x[i] - y[i];
    if (di != 0) { /* zero_method 'wilcox': zero differences leave the test */
      d[k]  = di;
      ad[k] = fabs(di);
      k++;
    }
  }
  if (k == 0) {
    PetscCall(PetscFree3(d, ad, r));
    *p = 1;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(StatsRank(k, ad, r, &tie));
  for (PetscInt i = 0; i < k; i++) {
    if (d[i] > 0)
      rplus += r[i];
    else
      rminus += r[i];
  }
  PetscCall(PetscFree3(d, ad, r));
  count = (double)k;
  T     = rplus < rminus ? rplus : rminus;
  mn    = count * (count + 1) * 0.25;
  se    = count * (count + 1) * (2 * count + 1);
  se -= 0.5 * tie;
  se = sqrt(se / 24);
  z  = (T - mn) / se;
  *p = erfc(fabs(z) / M_SQRT2); /* 2 * norm.sf(|z|) */
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StatsMannWhitney(PetscInt nx, const double *x, PetscInt ny, const double *y, double *U, double *p)
{
  double *xy, *r, tie, R1 = 0, n1 = (double)nx, n2 = (double)ny, n = n1 + n2, U1, s, z, pv;
  PetscInt nt = nx + ny;

  PetscFunctionBegin;
  PetscCheck(nx > 0 && ny > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Mann-Whitney needs two non-empty samples (%" PetscInt_FMT ", %" PetscInt_FMT ")", nx, ny);
  PetscCall(PetscMalloc2(nt, &xy, nt, &r));
  for (PetscInt i = 0; i < nx; i++)
    xy[i] = x[i];
  for (PetscInt i = 0; i < ny; i++)
    xy[nx + i] = y[i];
  PetscCall(StatsRank(nt, xy, r, &tie));
  for (PetscInt i = 0; i < nx; i++)
    R1 += r[i];
  PetscCall(PetscFree2(xy, r));
  U1 = R1 - n1 * (n1 + 1) / 2;
  s  = sqrt(n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1))));
  z  = (U1 - n1 * n2 / 2 - 0.5) / s;
  pv = 0.5 * erfc(z / M_SQRT2); /* norm.sf(z) */
  if (isnan(pv)) pv = z > 0 ? 0 : 1;
  *U = U1;
  *p = pv < 0 ? 0 : (pv > 1 ? 1 : pv);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StatsFdr(PetscInt m, const double *p, BaFdrMethod method, double q, double *qvalue, PetscBool *reject)
{
  RankItem *item;
  PetscInt k = 0, kmax = -1;
  double cm = 1, mm, qmin = INFINITY;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(m > 0 ? m : 1, &item));
  for (PetscInt i = 0; i < m; i++) {
    if (qvalue) qvalue[i] = NAN;
    if (reject) reject[i] = PETSC_FALSE;
    if (isnan(p[i])) continue;
    item[k].v = p[i];
    item[k].i = i;
    k++;
  }
  qsort(item, (size_t)k, sizeof(*item), RankItemCompare);
  mm = (double)k;
  if (method == BA_FDR_BY) {
    cm = 0;
    for (PetscInt j = 1; j <= k; j++)
      cm += 1.0 / (double)j;
  }
  /* ecdffactor_j = (j / m) / c_m as statsmodels; reject up to the largest passing rank */
  for (PetscInt j = 0; j < k; j++) {
    double f = ((double)(j + 1) / mm) / cm;
    if (item[j].v <= f * q) kmax = j;
  }
  for (PetscInt j = k - 1; j >= 0; j--) {
    double f = ((double)(j + 1) / mm) / cm, raw = item[j].v / f;
    if (raw < qmin) qmin = raw;
    if (qvalue) qvalue[item[j].i] = qmin > 1 ? 1 : qmin;
    if (reject) reject[item[j].i] = j <= kmax ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PetscFree(item));
  PetscFunctionReturn(PETSC_SUCCESS);
}
