/* permtest.c: Spearman RSA of channels against layers and its permutation null.
 *
 * The test is the bulk of the analysis: 11,293 channels x 15 ROIs x 9 layers x 10,000
 * permutations of Spearman correlations over 31,125 pairs. Three choices make it fast and
 * exact.
 *
 * Ranks are taken once. A permutation of the images only reorders the entries of an RDM,
 * so the ranks of a permuted RDM are the permuted ranks. Each channel is ranked once, each
 * layer once, and a permutation is a gather of the layer's ranks.
 *
 * Ranks are doubled and centred: r2 = 2 rank - (N + 1) over the N entries is an integer
 * (average ranks of ties are half-integers) with zero sum, so Spearman rho is
 * dot(r2_c, r2_l) / (|r2_c| |r2_l|) and the dot product is an integer. While N (N^2 - 1) / 3
 * (the largest possible |r2|^2, reached without ties) is below 2^53, every partial sum of
 * every dot product is an integer below 2^53 and hence exact in double, in any order of
 * summation. rho_perm >= rho_obs is then decided on exact integers, and the counts do not
 * depend on BLAS blocking, thread count, or how channels are split across ranks.
 *
 * The null is one dense matrix product. For a block of P permutations and one layer the
 * permuted layer ranks form an N x P matrix; the channels' ranks form nch x N; their product
 * holds nch x P dot products. permkernel.c computes it with its own AVX-512 or AVX2
 * kernels (Debian's OpenBLAS runs generic SSE3 code on recent Xeons, at a fifth of the FMA
 * peak), gathering the permuted layer ranks straight into the layout its kernel reads.
 * Only the channels still being tested are packed for the kernel, sorted by which layers
 * they still test, so the product shrinks as the sequential test (Besag-Clifford) retires
 * pairs: channels whose every layer stopped drop out, and a layer's product skips the
 * register blocks of channels done with that layer. Stopping is decided per permutation
 * index by scanning each block in order, so it does not depend on the block size or on how
 * [0, m) is cut into calls. The caller picks the kernel (blas, avx2, avx512, avx2_f32,
 * avx512_f32 or best; the rsa stage's -permtest_kernel, for tests and benchmarks: every
 * kernel gives the same counts). The float32 kernels (best) give each dot product within a
 * proven bound of the exact one; a comparison with the threshold is decided on that value
 * where it is farther than the bound from the threshold, else on the exact dot product the
 * kernel recomputes (under 0.1 % of the comparisons on null data), and maxnull takes the
 * exact products of the pairs that may hold a permutation's maximum.
 *
 * Pairs need not stand at the same permutation. PermTestExtend takes a chosen subset of
 * pairs further along the same stream (the rsa stage's resolution of p-values below
 * 1 / (m + 1)), each from its own count: a block of permutations [s, e) counts, for each
 * pair, only the indices between where the pair stands and where it is to stop, and blocks
 * before the first pair that wants them are skipped. A pair thus sees the permutations
 * 0, 1, 2, ... in order whatever the calls, and its count is that of a single run.
 *
 * The kuzovkin2018 protocol runs on the same engine with the full n x n matrices as its
 * entries (both triangles and the diagonal). Its observed score is computed on
 * column-scaled matrices and its comparison is on scores rounded to 4 decimals; as the
 * rounded score is a non-decreasing function of the integer dot product, the comparison is
 * again a threshold on the exact dot product, found once per pair by bisection. */
#include <bandalign/permtest.h>
#include <bandalign/permkernel.h>
#include <bandalign/rng.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Permutations per matrix product. The first blocks are smaller, [0, 32), [32, 64),
   [64, 128): with sequential stopping most null pairs stop within a few dozen permutations
   (b reaches h = 10 after about 10 / p), and a pair costs its whole block. */
#ifndef PERM_BLOCK
#define PERM_BLOCK 128
#endif
#define PERM_FIRST_BLOCK 32

/* End of the block of permutations that starts at s. */
static PetscInt BlockEnd(PetscInt s)
{
  PetscInt e = PERM_FIRST_BLOCK;
  while (e <= s && e < PERM_BLOCK)
    e *= 2;
  return e > s ? e : (s / PERM_BLOCK + 1) * PERM_BLOCK;
}

struct _p_PermTest {
  PetscInt n;          /* images */
  PetscInt nlayers;    /* layers */
  PetscInt nent;       /* entries of an RDM the test runs over: pairs i < j, or n * n */
  BaProtocol protocol; /* canonical or kuzovkin2018 */
  uint64_t seed;       /* key of the permutation stream */
  PetscInt h;          /* sequential limit on b, 0 = none */
  double *lfull;       /* [nlayers][n][n] doubled centred ranks of the layer RDMs (null) */
  double *lnorm;       /* [nlayers] |r2| of the layers (null) */
  double *lobs;        /* [nlayers][nent] ranks for the observed score (kuzovkin2018: scaled) */
  double *lobsnorm;    /* [nlayers] their norms */

  PetscInt nch;     /* channels of the last PermTestObserve */
  int32_t *c;       /* [nch][nent] doubled centred ranks of the channels */
  PetscInt *rowch;  /* [nch] channel of each row packed in the kernel (the first npacked) */
  PetscInt npacked; /* rows packed in the kernel */
  char *packed;     /* [nch * nlayers] pairs still tested when the rows were packed */
  double *cnorm;    /* [nch] |r2| of each channel (null), by channel */
  double *thr;      /* [nch * nlayers] a null dot product >= thr counts as rho_perm >= rho_obs */
  char *valid;      /* [nch * nlayers] 0 where rho is undefined (a constant RDM) */

  PermKernel kernel;     /* the product of packed channel rows and permuted layer ranks */
  PetscInt *perm;        /* [PERM_BLOCK][n] permutations of the current block */
  char *wanted;          /* [nlayers][nch] rows wanted in the product of each layer */
  const double **tables; /* [nlayers] layers in the product */
  PetscInt *tablel;      /* [nlayers] their indices */
  double *dots;          /* [nlayers][nch][PERM_BLOCK] null dot products */
  int64_t ncompared;     /* comparisons of a null dot product with a threshold */
  int64_t nrecomputed;   /* of them, decided on an exact dot product (float32 kernels) */
};

void PermutationDraw(uint64_t seed, uint64_t index, PetscInt n, PetscInt *perm)
{
  BaRng rng;

  BaRngPermutation(&rng, seed, index);
  for (PetscInt i = 0; i < n; i++)
    perm[i] = i;
  for (PetscInt i = n - 1; i >= 1; i--) {
    const uint64_t u = BaRngNext(&rng);
    PetscInt j = (PetscInt)((u * (uint64_t)(i + 1)) >> 32), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

typedef struct {
  uint64_t key; /* order-preserving bits of the value */
  int32_t i;    /* its position */
} PermItem;

/* Sorts a[N] by key, LSD radix on 11-bit digits (tmp[N] is scratch): several times faster
   than qsort on the 31,125 entries of an RDM, which matters as every channel is ranked
   once per ROI. */
static void RadixSort(PetscInt N, PermItem *a, PermItem *tmp)
{
  enum { BITS = 11, NDIGITS = 6, RADIX = 1 << BITS };
  PetscInt count[NDIGITS][RADIX]; /* 48 kB */
  PermItem *src = a, *dst = tmp;

  memset(count, 0, sizeof(count));
  for (PetscInt i = 0; i < N; i++)
    for (int d = 0; d < NDIGITS; d++)
      count[d][(a[i].key >> (BITS * d)) & (RADIX - 1)]++;
  for (int d = 0; d < NDIGITS; d++) {
    PetscInt sum = 0, skip = 0;
    for (int k = 0; k < RADIX; k++) {
      PetscInt c = count[d][k];
      skip |= c == N;
      count[d][k] = sum;
      sum += c;
    }
    if (skip) continue; /* every key has the same digit here */
    for (PetscInt i = 0; i < N; i++)
      dst[count[d][(src[i].key >> (BITS * d)) & (RADIX - 1)]++] = src[i];
    PermItem *t = src;
    src         = dst;
    dst         = t;
  }
  if (src != a) memcpy(a, src, sizeof(*a) * (size_t)N);
}

/* Doubled centred average ranks r2[i] = 2 rank_i - (N + 1) of v[N]; returns sum r2^2 (exact).
   work holds 2 N items. */
static double Rank2(PetscInt N, const double *v, double *r2, PermItem *work)
{
  double ss = 0;

  for (PetscInt i = 0; i < N; i++) {
    uint64_t u;
    double x = v[i] == 0 ? 0.0 : v[i]; /* -0 ties with +0 */
    memcpy(&u, &x, sizeof(u));
    work[i].key = (u >> 63) ? ~u : u | (1ULL << 63);
    work[i].i   = (int32_t)i;
  }
  RadixSort(N, work, work + N);
  for (PetscInt s = 0, e; s < N; s = e) {
    for (e = s + 1; e < N && work[e].key == work[s].key; e++) {}
    /* positions s..e-1 share the rank (s + 1 + e) / 2 */
    double r = (double)(s + e - N);
    for (PetscInt k = s; k < e; k++)
      r2[work[k].i] = r;
    ss += r * r * (double)(e - s);
  }
  return ss;
}

/* numpy.round(x, decimals) */
static double RoundDecimals(double x, double scale)
{
  return rint(x * scale) / scale;
}

/* The entries of a full n x n matrix m the test runs over, in order, into v[nent]. */
static void Entries(const PermTest pt, const double *m, double *v)
{
  PetscInt n = pt->n, q = 0;
  for (PetscInt a = 0; a < n; a++)
    for (PetscInt b = pt->protocol == BA_PROTOCOL_CANONICAL ? a + 1 : 0; b < n; b++)
      v[q++] = m[a * n + b];
}

/* kuzovkin2018: each column of m[n][n] scaled to [0, 1] by its own minimum and maximum
   (a constant column becomes 0), into s. */
static void ScaleColumns(PetscInt n, const double *m, double *s)
{
  for (PetscInt j = 0; j < n; j++) {
    double lo = m[j], hi = m[j];
    for (PetscInt i = 1; i < n; i++) {
      double v = m[i * n + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (PetscInt i = 0; i < n; i++)
      s[i * n + j] = hi > lo ? (m[i * n + j] - lo) / (hi - lo) : 0;
  }
}

PetscErrorCode PermTestCreate(PetscInt nimages, PetscInt nlayers, const double *const *rdm, BaProtocol protocol,
                              uint64_t seed, PetscInt sequential_h, PermKernelType ktype, PermTest *ptout)
{
  PermTest pt;
  PetscInt n = nimages, nn = nimages * nimages;
  double *m, *v, *r2, *s = NULL;
  PermItem *work;

  PetscFunctionBegin;
  PetscCheck(nimages >= 3, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "permutation test with %" PetscInt_FMT " images (at least 3)", nimages);
  PetscCheck(nlayers >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "permutation test with no layer");
  PetscCheck(sequential_h >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sequential limit %" PetscInt_FMT " < 0",
             sequential_h);
  PetscCall(PetscNew(&pt));
  pt->n        = n;
  pt->nlayers  = nlayers;
  pt->protocol = protocol;
  pt->seed     = seed;
  pt->h        = sequential_h;
  pt->nent     = protocol == BA_PROTOCOL_CANONICAL ? n * (n - 1) / 2 : nn;
  {
    double N = (double)pt->nent;
    PetscCheck(N * (N * N - 1) / 3 < 9007199254740992.0, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%" PetscInt_FMT " images: Spearman dot products over %" PetscInt_FMT
               " entries exceed 2^53 and would not be exact",
               n, pt->nent);
  }
  PetscCall(PetscMalloc4((size_t)nlayers * nn, &pt->lfull, nlayers, &pt->lnorm, (size_t)nlayers * pt->nent, &pt->lobs,
                         nlayers, &pt->lobsnorm));
  PetscCall(PetscMalloc4(nn, &m, nn, &v, nn, &r2, 2 * nn, &work));
  if (protocol == BA_PROTOCOL_KUZOVKIN2018) PetscCall(PetscMalloc1(nn, &s));
  for (PetscInt l = 0; l < nlayers; l++) {
    double *full = pt->lfull + (size_t)l * nn;
    for (PetscInt i = 0; i < nn; i++) {
      PetscCheck(isfinite(rdm[l][i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "layer %" PetscInt_FMT " RDM has a non-finite entry", l);
      m[i] = protocol == BA_PROTOCOL_CANONICAL ? rdm[l][i] : RoundDecimals(rdm[l][i], 1e6);
    }
    /* null ranks, kept as a full lookup table: entry (a, b) of the permuted RDM is
       full[perm[a] n + perm[b]] */
    Entries(pt, m, v);
    pt->lnorm[l] = sqrt(Rank2(pt->nent, v, r2, work));
    for (PetscInt i = 0; i < nn; i++)
      full[i] = 0;
    for (PetscInt a = 0, q = 0; a < n; a++)
      for (PetscInt b = protocol == BA_PROTOCOL_CANONICAL ? a + 1 : 0; b < n; b++, q++) {
        full[a * n + b] = r2[q];
        if (protocol == BA_PROTOCOL_CANONICAL) full[b * n + a] = r2[q];
      }
    if (protocol == BA_PROTOCOL_CANONICAL) {
      PetscCall(PetscArraycpy(pt->lobs + (size_t)l * pt->nent, r2, pt->nent));
      pt->lobsnorm[l] = pt->lnorm[l];
    } else {
      ScaleColumns(n, m, s);
      Entries(pt, s, v);
      pt->lobsnorm[l] = sqrt(Rank2(pt->nent, v, pt->lobs + (size_t)l * pt->nent, work));
    }
  }
  PetscCall(PetscFree4(m, v, r2, work));
  PetscCall(PetscFree(s));
  PetscCall(PermKernelCreate(ktype, n, protocol == BA_PROTOCOL_CANONICAL ? PETSC_TRUE : PETSC_FALSE, PERM_BLOCK,
                             &pt->kernel));
  PetscCall(PetscMalloc3((size_t)PERM_BLOCK * n, &pt->perm, nlayers, &pt->tables, nlayers, &pt->tablel));
  for (PetscInt l = 0; l < nlayers; l++)
    pt->tables[l] = pt->lfull + (size_t)l * nn;
  PetscCall(PermKernelSetTables(pt->kernel, nlayers, pt->tables));
  *ptout = pt;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static double Dot(PetscInt N, const double *x, const double *y)
{
  double s = 0;
  for (PetscInt i = 0; i < N; i++)
    s += x[i] * y[i];
  return s;
}

/* kuzovkin2018: the smallest integer dot product t with round(t / norm, 4) >= robs. */
static double RoundedThreshold(double norm, double robs)
{
  int64_t lo = -(int64_t)ceil(norm) - 1, hi = (int64_t)ceil(norm) + 1;

  if (RoundDecimals((double)lo / norm, 1e4) >= robs) return (double)lo;
  while (hi - lo > 1) { /* f(lo) < robs <= f(hi) */
    int64_t mid = lo + (hi - lo) / 2;
    if (RoundDecimals((double)mid / norm, 1e4) >= robs)
      hi = mid;
    else
      lo = mid;
  }
  return (double)hi;
}

PetscErrorCode PermTestObserve(PermTest pt, PetscInt nch, const float *x, double *rho)
{
  PetscInt n = pt->n, nn = n * n, N = pt->nent, L = pt->nlayers;
  double *m, *v, *rc, *rs = NULL, *s = NULL, snorm = 0;
  PermItem *work;

  PetscFunctionBegin;
  PetscCall(PetscFree6(pt->c, pt->rowch, pt->packed, pt->cnorm, pt->thr, pt->valid));
  PetscCall(PetscFree2(pt->wanted, pt->dots));
  pt->nch     = nch;
  pt->npacked = -1; /* nothing packed for these channels yet */
  PetscCall(PetscMalloc6((size_t)nch * N, &pt->c, nch, &pt->rowch, (size_t)nch * L, &pt->packed, nch, &pt->cnorm,
                         (size_t)nch * L, &pt->thr, (size_t)nch * L, &pt->valid));
  PetscCall(PetscMalloc2((size_t)L * nch, &pt->wanted, (size_t)L * nch * PERM_BLOCK, &pt->dots));
  PetscCall(PetscMalloc4(nn, &m, nn, &v, N, &rc, 2 * nn, &work));
  if (pt->protocol == BA_PROTOCOL_KUZOVKIN2018) PetscCall(PetscMalloc2(nn, &s, N, &rs));
  for (PetscInt c = 0; c < nch; c++) {
    const float *xc = x + (size_t)c * n;
    for (PetscInt i = 0; i < n; i++)
      PetscCheck(isfinite(xc[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "channel %" PetscInt_FMT " has a non-finite feature for image %" PetscInt_FMT, c, i);
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        double d     = fabs((double)xc[i] - (double)xc[j]);
        m[i * n + j] = pt->protocol == BA_PROTOCOL_CANONICAL ? d : RoundDecimals(d, 1e3);
      }
    Entries(pt, m, v);
    pt->cnorm[c] = sqrt(Rank2(N, v, rc, work));
    for (PetscInt q = 0; q < N; q++) /* |r2| < N: an int32 holds it */
      pt->c[(size_t)c * N + q] = (int32_t)rc[q];
    if (pt->protocol == BA_PROTOCOL_KUZOVKIN2018) {
      ScaleColumns(n, m, s);
      Entries(pt, s, v);
      snorm = sqrt(Rank2(N, v, rs, work));
    }
    for (PetscInt l = 0; l < L; l++) {
      PetscInt k = c * L + l;
      if (pt->protocol == BA_PROTOCOL_CANONICAL) {
        double dobs  = Dot(N, rc, pt->lobs + (size_t)l * N);
        pt->valid[k] = pt->cnorm[c] > 0 && pt->lnorm[l] > 0;
        pt->thr[k]   = dobs;
        rho[k]       = pt->valid[k] ? dobs / (pt->cnorm[c] * pt->lnorm[l]) : NAN;
      } else {
        double robs  = RoundDecimals(Dot(N, rs, pt->lobs + (size_t)l * N) / (snorm * pt->lobsnorm[l]), 1e4);
        pt->valid[k] = pt->cnorm[c] > 0 && pt->lnorm[l] > 0 && snorm > 0 && pt->lobsnorm[l] > 0;
        pt->thr[k]   = pt->valid[k] ? RoundedThreshold(pt->cnorm[c] * pt->lnorm[l], robs) : 0;
        rho[k]       = pt->valid[k] ? robs : NAN;
      }
    }
  }
  PetscCall(PetscFree4(m, v, rc, work));
  PetscCall(PetscFree2(s, rs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Orders channels by the layers they still test (their rows of packed), then by index. */
static int CompareActive(const void *x, const void *y, void *ctx)
{
  const PermTest pt = ctx;
  PetscInt a = *(const PetscInt *)x, b = *(const PetscInt *)y;
  int c = memcmp(pt->packed + a * pt->nlayers, pt->packed + b * pt->nlayers, pt->nlayers);
  return c ? -c : (a > b) - (a < b);
}

/* Where pair k stops in a run to last: last, or its own goal if that comes first. */
static int64_t PairEnd(const int64_t *goal, int64_t last, PetscInt k)
{
  return goal && goal[k] < last ? goal[k] : last;
}

/* Is pair k still to run permutations before end? */
static int Live(const PermTest pt, const PermCount *c, PetscInt k, int64_t end)
{
  return pt->valid[k] && !c[k].done && c[k].used < end;
}

/* Packs the rows of the channels still tested into the kernel, those testing the same
   layers next to each other (so a layer's product can skip whole register blocks), unless
   the kernel holds exactly these already. Costs a pass over the ranks, at most once per
   block of permutations. */
static PetscErrorCode PackActive(PermTest pt, const PermCount *count, const int64_t *goal, int64_t last)
{
  PetscInt L = pt->nlayers, nact = 0;
  PetscBool same = pt->npacked >= 0 ? PETSC_TRUE : PETSC_FALSE;
  const int32_t **rows;

  PetscFunctionBegin;
  /* no pair live (a call's last block is done): the rows stay, as the next call on the same
     pairs wants them again */
  if (same) {
    PetscBool any = PETSC_FALSE;
    for (PetscInt k = 0; k < pt->nch * L && !any; k++)
      any = Live(pt, count, k, PairEnd(goal, last, k)) ? PETSC_TRUE : PETSC_FALSE;
    if (!any) PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt k = 0; k < pt->nch * L; k++) {
    char live = (char)Live(pt, count, k, PairEnd(goal, last, k));
    if (live != pt->packed[k]) same = PETSC_FALSE;
    pt->packed[k] = live;
  }
  if (same) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt ch = 0; ch < pt->nch; ch++) {
    PetscBool live = PETSC_FALSE;
    for (PetscInt l = 0; l < L; l++)
      live |= pt->packed[ch * L + l] ? PETSC_TRUE : PETSC_FALSE;
    if (live) pt->rowch[nact++] = ch;
  }
  qsort_r(pt->rowch, (size_t)nact, sizeof(PetscInt), CompareActive, pt);
  PetscCall(PetscMalloc1(nact + 1, &rows));
  for (PetscInt k = 0; k < nact; k++)
    rows[k] = pt->c + (size_t)pt->rowch[k] * pt->nent;
  PetscCall(PermKernelSetRows(pt->kernel, nact, rows));
  PetscCall(PetscFree(rows));
  pt->npacked = nact;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Does the null dot product d (table t, packed row k, permutation p of the last product)
   reach thr? Decided on d where the kernel's error bound allows (always for the double
   kernels, whose bound is 0), else on the exact dot product. */
static inline int Reaches(PermTest pt, PetscInt t, PetscInt k, PetscInt p, double d, double thr, double bound)
{
  pt->ncompared++;
  if (d - thr > bound) return 1;
  if (thr - d > bound) return 0;
  if (bound == 0) return 1; /* d == thr */
  pt->nrecomputed++;
  return PermKernelExactDot(pt->kernel, t, k, p) >= thr;
}

/* maxnull from a float32 product: the pairs whose rho may be a permutation's largest (its
   upper bound reaches the largest lower bound) get their exact dot products in dots, so the
   largest rho is the exact one; the others stay below it. */
static void ExactMaxima(PermTest pt, PetscInt ntab, PetscInt nact, int64_t np)
{
  double lo[PERM_BLOCK];

  for (int64_t p = 0; p < np; p++)
    lo[p] = -INFINITY;
  for (int pass = 0; pass < 2; pass++)
    for (PetscInt t = 0; t < ntab; t++)
      for (PetscInt k = 0; k < nact; k++) {
        PetscInt ch = pt->rowch[k], l = pt->tablel[t];
        double *d = pt->dots + ((size_t)t * nact + k) * PERM_BLOCK, norm = pt->cnorm[ch] * pt->lnorm[l];
        double bound = PermKernelErrorBound(pt->kernel, t, k);
        if (!pt->wanted[t * nact + k]) continue;
        for (int64_t p = 0; p < np; p++) {
          if (pass == 0)
            lo[p] = fmax(lo[p], (d[p] - bound) / norm);
          else if ((d[p] + bound) / norm >= lo[p]) {
            d[p] = PermKernelExactDot(pt->kernel, t, k, (PetscInt)p);
            pt->nrecomputed++;
          }
        }
      }
}

/* Runs the permutation blocks from first to last for every live pair, each pair from where
   it stands to where it stops (PairEnd). With maxnull every live pair stands at first. */
static PetscErrorCode RunBlocks(PermTest pt, int64_t first, int64_t last, const int64_t *goal, PermCount *count,
                                double *maxnull)
{
  PetscInt n = pt->n, L = pt->nlayers, nthreads = openblas_get_num_threads();

  PetscFunctionBegin;
  PetscCall(PackActive(pt, count, goal, last));
  for (int64_t s = first, np; s < last; s += np) {
    PetscInt nact = pt->npacked, ntab;

    if (!maxnull) { /* skip to the first permutation a live pair wants */
      int64_t next = last;
      for (PetscInt k = 0; k < pt->nch * L; k++)
        if (Live(pt, count, k, PairEnd(goal, last, k)) && count[k].used < next) next = count[k].used;
      if (next >= last) break;
      if (next > s) s = next;
    }
    np = PetscMin(last, (int64_t)BlockEnd((PetscInt)s)) - s;
    if (maxnull)
      for (int64_t p = 0; p < np; p++)
        maxnull[s - first + p] = -INFINITY;
    if (nact == 0 && !maxnull) break;
    for (int64_t p = 0; p < np; p++)
      PermutationDraw(pt->seed, (uint64_t)(s + p), n, pt->perm + (size_t)p * n);
    /* one product for every layer with a pair wanting permutations of this block */
    ntab = 0;
    for (PetscInt l = 0; l < L; l++) {
      char *want    = pt->wanted + ntab * nact;
      PetscBool any = PETSC_FALSE;
      for (PetscInt k = 0; k < nact; k++) {
        PetscInt kk = pt->rowch[k] * L + l;
        want[k]     = Live(pt, count, kk, PairEnd(goal, last, kk)) && count[kk].used < s + np;
        any |= want[k] ? PETSC_TRUE : PETSC_FALSE;
      }
      if (!any) continue;
      pt->tables[ntab]   = pt->lfull + (size_t)l * n * n;
      pt->tablel[ntab++] = l;
    }
    PetscCall(PermKernelProduct(pt->kernel, ntab, pt->tables, (PetscInt)np, pt->perm, pt->wanted, nthreads, pt->dots,
                                PERM_BLOCK));
    if (maxnull && (PermKernelGetType(pt->kernel) == PERM_KERNEL_AVX512_F32 ||
                    PermKernelGetType(pt->kernel) == PERM_KERNEL_AVX2_F32))
      ExactMaxima(pt, ntab, nact, np);
    for (PetscInt t = 0; t < ntab; t++) {
      PetscInt l = pt->tablel[t];
      for (PetscInt k = 0; k < nact; k++) {
        PetscInt ch = pt->rowch[k], kk = ch * L + l;
        PermCount *pc   = &count[kk];
        const double *d = pt->dots + ((size_t)t * nact + k) * PERM_BLOCK;
        double thr = pt->thr[kk], bound = PermKernelErrorBound(pt->kernel, t, k);
        int64_t p0, p1;
        if (!pt->wanted[t * nact + k]) continue;
        p0 = pc->used - s;                              /* where the pair stands */
        p1 = PetscMin(PairEnd(goal, last, kk) - s, np); /* where it stops in this block */
        if (maxnull) {
          double norm = pt->cnorm[ch] * pt->lnorm[l];
          for (int64_t p = p0; p < p1; p++) {
            double r = d[p] / norm;
            if (r > maxnull[s - first + p]) maxnull[s - first + p] = r;
          }
        }
        if (pt->h == 0) {
          int64_t b = 0;
          for (int64_t p = p0; p < p1; p++)
            b += Reaches(pt, t, k, (PetscInt)p, d[p], thr, bound);
          pc->b += b;
          pc->used += p1 - p0;
        } else {
          int64_t p;
          for (p = p0; p < p1; p++)
            if (Reaches(pt, t, k, (PetscInt)p, d[p], thr, bound) && ++pc->b >= pt->h) break;
          if (p < p1) {
            pc->done = 1;
            pc->used += p + 1 - p0;
          } else
            pc->used += p1 - p0;
        }
      }
    }
    if (maxnull)
      for (int64_t p = 0; p < np; p++)
        if (maxnull[s - first + p] == -INFINITY) maxnull[s - first + p] = NAN;
    PetscCall(PackActive(pt, count, goal, last));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode PermTestRun(PermTest pt, PetscInt first, PetscInt last, PermCount *count, double *maxnull)
{
  PetscFunctionBegin;
  PetscCheck(!maxnull || pt->h == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "the max-statistic null needs every permutation (no sequential stopping)");
  PetscCheck(0 <= first && first <= last, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "permutation range [%" PetscInt_FMT ", %" PetscInt_FMT ")", first, last);
  for (PetscInt k = 0; k < pt->nch * pt->nlayers; k++) {
    PetscCheck(count[k].done || count[k].used == first, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
               "pair %" PetscInt_FMT " has seen %" PetscInt64_FMT " permutations, not %" PetscInt_FMT, k,
               (PetscInt64)count[k].used, first);
    if (!pt->valid[k]) count[k].done = -1;
  }
  if (maxnull)
    for (PetscInt i = 0; i < last - first; i++)
      maxnull[i] = NAN;
  PetscCall(RunBlocks(pt, first, last, NULL, count, maxnull));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode PermTestExtend(PermTest pt, const int64_t *goal, int64_t last, PermCount *count)
{
  int64_t first = last;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < pt->nch * pt->nlayers; k++) {
    PetscCheck(count[k].used >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
               "pair %" PetscInt_FMT " has a negative count", k);
    if (!pt->valid[k]) count[k].done = -1;
    if (Live(pt, count, k, PairEnd(goal, last, k)) && count[k].used < first) first = count[k].used;
  }
  PetscCall(RunBlocks(pt, first, last, goal, count, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

void PermTestScreening(PermTest pt, int64_t *compared, int64_t *recomputed)
{
  *compared   = pt->ncompared;
  *recomputed = pt->nrecomputed;
}

double PermTestPValue(PermTest pt, const PermCount *c)
{
  if (c->done < 0) return NAN;
  if (c->done == 1) return (double)pt->h / (double)c->used;
  if (pt->protocol == BA_PROTOCOL_KUZOVKIN2018) return (double)c->b / (double)c->used;
  return (double)(c->b + 1) / (double)(c->used + 1);
}

PetscErrorCode PermTestDestroy(PermTest *ptp)
{
  PermTest pt = *ptp;

  PetscFunctionBegin;
  if (!pt) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree4(pt->lfull, pt->lnorm, pt->lobs, pt->lobsnorm));
  PetscCall(PetscFree6(pt->c, pt->rowch, pt->packed, pt->cnorm, pt->thr, pt->valid));
  PetscCall(PetscFree2(pt->wanted, pt->dots));
  PetscCall(PermKernelDestroy(&pt->kernel));
  PetscCall(PetscFree3(pt->perm, pt->tables, pt->tablel));
  PetscCall(PetscFree(pt));
  *ptp = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}
