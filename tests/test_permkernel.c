/* test_permkernel.c: the permutation kernels (AVX-512, AVX2, BLAS) against an int64 sum
   and against cblas_dgemm on the explicitly gathered matrix, bit for bit, at sizes that are
   not multiples of the register blocks, the blocks of entries or the thread split; the
   float32 kernels (avx512_f32, avx2_f32) within their error bound of the int64 sum, with
   their exact dot products equal to it, and the same for every thread count. */
#include <bandalign/permkernel.h>
#include <bandalign/permtest.h>
#include <cblas.h>
#include <check.h>
#include <math.h>

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t Next(void)
{
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

/* A random permutation of the doubled centred ranks 2 r - (K + 1), r = 1..K, into v[K]. */
static void Ranks(PetscInt K, int32_t *v)
{
  for (PetscInt k = 0; k < K; k++)
    v[k] = (int32_t)(2 * (k + 1) - (K + 1));
  for (PetscInt k = K - 1; k > 0; k--) {
    PetscInt j = (PetscInt)(Next() % (uint64_t)(k + 1));
    int32_t t  = v[k];
    v[k]       = v[j];
    v[j]       = t;
  }
}

typedef struct {
  PetscInt n;
  PetscBool upper;
  PetscInt m, np, pmax, nthreads;
  PetscBool mask; /* table t wants the rows i with (i + t) % 3 != 1, the last table none */
} Case;

enum { NTAB = 3 };

/* One case for every kernel this CPU runs, with NTAB tables: d equals the int64 sum and
   cblas_dgemm. */
static PetscErrorCode RunCase(const Case *cs)
{
  PetscInt n = cs->n, m = cs->m, np = cs->np, K = cs->upper ? n * (n - 1) / 2 : n * n;
  PetscInt ldd = np + 3;
  int32_t *rows, *pairs;
  const int32_t **rp;
  const double *tables[NTAB];
  double *table, *bfull, *afull, *dref, *d;
  int64_t *exact;
  PetscInt *perm, *ea, *eb;
  char *wanted;

  PetscFunctionBegin;
  PetscCall(PetscMalloc6((size_t)m * K, &rows, (size_t)NTAB * K, &pairs, m, &rp, (size_t)NTAB * n * n, &table,
                         (size_t)K * np, &bfull, (size_t)m * K, &afull));
  PetscCall(PetscMalloc6((size_t)NTAB * m * ldd, &dref, (size_t)NTAB * m * ldd, &d, (size_t)NTAB * m * np, &exact,
                         (size_t)np * n, &perm, K, &ea, K, &eb));
  PetscCall(PetscMalloc1(NTAB * m, &wanted));
  /* the tables: ranks of the entries (symmetric when upper); row 0 is table 0's own
     entries, so its dot products reach the largest possible size, K (K^2 - 1) / 3 */
  for (PetscInt a = 0, k = 0; a < n; a++)
    for (PetscInt b = cs->upper ? a + 1 : 0; b < n; b++, k++) {
      ea[k] = a;
      eb[k] = b;
    }
  for (PetscInt t = 0; t < NTAB; t++) {
    double *tt = table + (size_t)t * n * n;
    Ranks(K, pairs + (size_t)t * K);
    for (PetscInt i = 0; i < n * n; i++)
      tt[i] = 0;
    for (PetscInt k = 0; k < K; k++) {
      tt[ea[k] * n + eb[k]] = pairs[t * K + k];
      if (cs->upper) tt[eb[k] * n + ea[k]] = pairs[t * K + k];
    }
    tables[t] = tt;
    for (PetscInt i = 0; i < m; i++)
      wanted[t * m + i] = !cs->mask || (t < NTAB - 1 && (i + t) % 3 != 1);
  }
  for (PetscInt i = 0; i < m; i++) {
    if (i == 0)
      PetscCall(PetscArraycpy(rows, pairs, K));
    else
      Ranks(K, rows + (size_t)i * K);
    rp[i] = rows + (size_t)i * K;
  }
  /* the first permutation is the identity */
  for (PetscInt p = 0; p < np; p++) {
    if (p == 0)
      for (PetscInt a = 0; a < n; a++)
        perm[a] = a;
    else
      PermutationDraw(77, (uint64_t)p, n, perm + (size_t)p * n);
  }
  /* int64 sums and cblas_dgemm on the explicit matrices */
  for (PetscInt i = 0; i < m; i++)
    for (PetscInt k = 0; k < K; k++)
      afull[(size_t)i * K + k] = rows[(size_t)i * K + k];
  for (PetscInt t = 0; t < NTAB; t++) {
    for (PetscInt k = 0; k < K; k++)
      for (PetscInt p = 0; p < np; p++) {
        const PetscInt *pp        = perm + (size_t)p * n;
        bfull[(size_t)k * np + p] = tables[t][pp[ea[k]] * n + pp[eb[k]]];
      }
    for (PetscInt i = 0; i < m; i++)
      for (PetscInt p = 0; p < np; p++) {
        int64_t sum = 0;
        for (PetscInt k = 0; k < K; k++)
          sum += (int64_t)rows[(size_t)i * K + k] * (int64_t)bfull[(size_t)k * np + p];
        exact[(t * m + i) * np + p] = sum;
      }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)np, (int)K, 1.0, afull, (int)K, bfull, (int)np,
                0.0, dref + (size_t)t * m * ldd, (int)ldd);
  }
  CHECK(exact[0] == (int64_t)K * ((int64_t)K * K - 1) / 3,
        "n %d: the int64 reference gives K (K^2 - 1) / 3 for ranks against themselves", (int)n);

  for (int type = PERM_KERNEL_BLAS; type <= PERM_KERNEL_AVX512_F32; type++) {
    PermKernel pk;
    int exact_ok = 1, blas_ok = 1, untouched = 1;
    double worst = 0;
    if (type == PERM_KERNEL_BEST) continue;
    if (!PermKernelAvailable((PermKernelType)type)) {
      printf("# %s kernel: not available on this CPU\n", PermKernelTypeNames[type]);
      continue;
    }
    PetscCall(PermKernelCreate((PermKernelType)type, n, cs->upper, cs->pmax, &pk));
    /* a first set of rows, then the real ones: packing replaces */
    PetscCall(PermKernelSetRows(pk, 1, rp + m - 1));
    PetscCall(PermKernelSetRows(pk, m, rp));
    for (PetscInt i = 0; i < NTAB * m * ldd; i++)
      d[i] = -0.5; /* not an integer: a sentinel */
    PetscCall(PermKernelProduct(pk, NTAB, tables, np, perm, cs->mask ? wanted : NULL, cs->nthreads, d, ldd));
    for (PetscInt r = 0; r < NTAB * m; r++) {
      double bound = PermKernelErrorBound(pk, r / m, r % m);
      for (PetscInt p = 0; p < np && wanted[r]; p++) {
        double err = fabs(d[r * ldd + p] - (double)exact[r * np + p]);
        worst      = fmax(worst, bound > 0 ? err / bound : err);
        exact_ok &= err <= bound;
        blas_ok &= bound > 0 ? PermKernelExactDot(pk, r / m, r % m, p) == (double)exact[r * np + p]
                             : d[r * ldd + p] == dref[r * ldd + p];
      }
      for (PetscInt p = np; p < ldd; p++)
        untouched &= d[r * ldd + p] == -0.5;
    }
    if (type >= PERM_KERNEL_AVX2_F32) {
      /* the same products on one thread: float32 blocks are summed in one order */
      double *d1;
      int same = 1;
      double *bound0;
      PetscCall(PetscMalloc2((size_t)NTAB * m * ldd, &d1, NTAB * m, &bound0));
      for (PetscInt r = 0; r < NTAB * m; r++)
        bound0[r] = PermKernelErrorBound(pk, r / m, r % m);
      PetscCall(PermKernelSetTables(pk, NTAB - 1, tables + 1)); /* tables 1 and 2 converted once */
      PetscCall(PermKernelProduct(pk, NTAB, tables, np, perm, cs->mask ? wanted : NULL, 1, d1, ldd));
      for (PetscInt r = 0; r < NTAB * m; r++) {
        same &= PermKernelErrorBound(pk, r / m, r % m) == bound0[r];
        for (PetscInt p = 0; p < np && wanted[r]; p++)
          same &=
              d1[r * ldd + p] == d[r * ldd + p] && PermKernelExactDot(pk, r / m, r % m, p) == (double)exact[r * np + p];
      }
      PetscCall(PetscFree2(d1, bound0));
      CHECK(exact_ok && blas_ok && untouched && same,
            "%s kernel, %d images %s (K = %d), %d rows%s, %d permutations, %d threads: every product within "
            "its error bound of the int64 sum (worst %.2g of the bound), every exact dot product equal to it, the "
            "same products and bounds on 1 thread with two tables registered, columns past np untouched",
            PermKernelTypeNames[type], (int)n, cs->upper ? "pairs" : "full", (int)K, (int)m,
            cs->mask ? " (some unwanted)" : "", (int)np, (int)cs->nthreads, worst);
    } else
      CHECK(exact_ok && blas_ok && untouched,
            "%s kernel, %d images %s (K = %d), %d rows%s, %d tables, %d permutations (at most "
            "%d), %d threads: every product equals the int64 sum and cblas_dgemm bit for bit, "
            "columns past np untouched",
            PermKernelTypeNames[type], (int)n, cs->upper ? "pairs" : "full", (int)K, (int)m,
            cs->mask ? " (some unwanted, none for the last table)" : "", NTAB, (int)np, (int)cs->pmax,
            (int)cs->nthreads);
    PetscCall(PermKernelDestroy(&pk));
    CHECK(pk == NULL, "%s kernel: destroy clears the handle", PermKernelTypeNames[type]);
  }
  PetscCall(PetscFree6(rows, pairs, rp, table, bfull, afull));
  PetscCall(PetscFree6(dref, d, exact, perm, ea, eb));
  PetscCall(PetscFree(wanted));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The float32 kernels refuse a row entry or a table entry that float32 does not hold
   exactly (2^24), and a table entry that is not an integer; 2^24 - 1 passes. */
static PetscErrorCode TestFloatRange(PermKernelType type)
{
  enum { N = 6, K = N * (N - 1) / 2 };
  int32_t row[K];
  const int32_t *rp[1] = {row};
  double table[N * N], d[4];
  const double *tp[1] = {table};
  PetscInt perm[N];
  PermKernel pk;
  PetscErrorCode e1, e2, e3, ok;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < K; k++)
    row[k] = (int32_t)k - 7;
  for (PetscInt i = 0; i < N * N; i++)
    table[i] = (double)(i % 5);
  for (PetscInt a = 0; a < N; a++)
    perm[a] = a;
  PetscCall(PermKernelCreate(type, N, PETSC_TRUE, 1, &pk));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  row[3] = 16777215;
  ok     = PermKernelSetRows(pk, 1, rp);
  if (!ok) ok = PermKernelProduct(pk, 1, tp, 1, perm, NULL, 1, d, 1);
  row[3]   = -16777216;
  e1       = PermKernelSetRows(pk, 1, rp);
  row[3]   = 0;
  table[7] = 16777216;
  e2       = PermKernelSetRows(pk, 1, rp) ? 0 : PermKernelProduct(pk, 1, tp, 1, perm, NULL, 1, d, 1);
  table[7] = 2.5;
  e3       = PermKernelProduct(pk, 1, tp, 1, perm, NULL, 1, d, 1);
  PetscCall(PetscPopErrorHandler());
  CHECK(!ok && e1 && e2 && e3,
        "%s kernel: 2^24 - 1 accepted; a row entry -2^24, a table entry 2^24 and a table entry 2.5 refused",
        PermKernelTypeNames[type]);
  PetscCall(PermKernelDestroy(&pk));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  /* sizes around the register blocks (14 x 16, 6 x 8), the 256-entry blocks (rows of
     entries cut mid-row), thread splits that leave threads without a full share, and the
     paper's 250 images where the dot products come near 2^53 / 20 */
  const Case cases[] = {
      {2, PETSC_TRUE, 1, 1, 1, 1, PETSC_FALSE},      {5, PETSC_FALSE, 3, 7, 9, 1, PETSC_FALSE},
      {24, PETSC_TRUE, 15, 17, 17, 1, PETSC_FALSE},  {40, PETSC_FALSE, 29, 33, 40, 2, PETSC_TRUE},
      {61, PETSC_TRUE, 6, 128, 128, 3, PETSC_FALSE}, {23, PETSC_TRUE, 13, 9, 128, 5, PETSC_TRUE},
      {250, PETSC_TRUE, 20, 24, 24, 2, PETSC_FALSE},
  };

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  openblas_set_num_threads(1);
  {
    /* per case: the int64 reference, then two checks for each kernel this CPU has */
    int nkernels = 0;
    for (int type = PERM_KERNEL_BLAS; type <= PERM_KERNEL_AVX512_F32; type++)
      nkernels += type != PERM_KERNEL_BEST && PermKernelAvailable((PermKernelType)type) ? 1 : 0;
    CheckPlan((int)(sizeof(cases) / sizeof(cases[0])) * (1 + 2 * nkernels) +
              (PermKernelAvailable(PERM_KERNEL_AVX2_F32) ? 1 : 0) +
              (PermKernelAvailable(PERM_KERNEL_AVX512_F32) ? 1 : 0));
  }
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
    PetscCall(RunCase(&cases[c]));
  for (int type = PERM_KERNEL_AVX2_F32; type <= PERM_KERNEL_AVX512_F32; type++)
    if (PermKernelAvailable((PermKernelType)type)) PetscCall(TestFloatRange((PermKernelType)type));
  PetscCall(PetscFinalize());
  return CheckDone();
}
