/* permkernel.c: channel ranks times permuted layer ranks, exactly and near the FMA peak.
 *
 * The permutation test spends nearly all its time in D = A B, A the m x K channel ranks and
 * B the K x P layer ranks under P permutations (K = 31,125 pairs for 250 images). Debian's
 * OpenBLAS does not recognise recent Xeons and runs its generic SSE3 kernels there, at a
 * fraction of what the FMA units do, and the environment (OPENBLAS_CORETYPE) is not ours to
 * set. So the product has its own kernels, chosen at run time: a 14 x 16 register block
 * of AVX-512 FMAs and a 6 x 8 block of AVX2 FMAs, with cblas_dgemm where neither runs.
 *
 * Exactness makes this safe. Every entry is an integer and every partial sum of a product
 * is bounded by the Cauchy-Schwarz bound of the whole product, below 2^53, so each FMA is
 * exact and D is the same integer whatever the blocking, the order of summation, the
 * kernel or the thread count. The tests compare the kernels with cblas_dgemm bit for bit.
 *
 * The layout follows the usual packed GEMM (Goto, BLIS): A is packed once into panels of
 * MR rows stored column by column, and is reused for every permutation. B never exists
 * as a whole: it is gathered block by block (KC entries x P permutations, 256 kB, kept in
 * L2) straight into panels of NR permutations, the layout the kernel reads, so the gather
 * the test needs anyway also does the packing. A product runs over all the layers at once,
 * so each block of packed channel rows comes from memory once and serves every layer from
 * L2; this keeps small blocks of permutations (the first ones, with sequential stopping)
 * as fast as large ones. With AVX-512 the gather itself is
 * vectorised across permutations (perm transposed, one hardware gather per 8 entries).
 * Threads, when asked for, split the permutation panels: each gathers and multiplies its
 * own, with no synchronisation before the end. */
#include <bandalign/permkernel.h>
#include <cblas.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *const PermKernelTypeNames[] = {"blas", "avx2", "avx512", "best", "PermKernelType", "PERM_KERNEL_", NULL};

#define PK_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define PK_AVX2   __attribute__((target("avx2,fma")))
#define PK_INLINE static inline __attribute__((always_inline))

#ifndef PK_KC
#define PK_KC 256
#endif
enum {
  MR512 = 14, /* rows of A per register block: 28 of the 32 zmm registers accumulate */
  NR512 = 16, /* permutations per register block: two zmm */
  MR256 = 6,  /* AVX2: 12 of the 16 ymm registers accumulate */
  NR256 = 8,
  KC    = 256, /* entries per block of B: 128 permutations x 256 x 8 bytes = 256 kB */
  ALIGN = 64
};

/* Entries (a, b) for b in [b0, b1) */
typedef struct {
  int32_t a, b0, b1;
} Segment;

struct _p_PermKernel {
  PermKernelType type; /* never BEST */
  PetscInt n, K;       /* images, entries */
  PetscBool upper;     /* entries are the pairs a < b, else all (a, b) */
  PetscInt pmax;       /* permutations per product */
  PetscInt mr, nr, kc; /* register block and depth of a block of B (BLAS: 1, pmax, K) */
  PetscInt nblocks;    /* blocks of kc entries */
  Segment *seg;        /* the entries as runs within a row, cut at block boundaries */
  PetscInt *blockseg;  /* [nblocks + 1]: block blk is seg[blockseg[blk] .. blockseg[blk + 1]) */
  PetscInt m;          /* rows packed */
  double *ap;          /* packed rows: panel i at ap + i mr K, [K][rows in panel] */
  size_t apcap;        /* doubles allocated at ap */
  double *b;           /* blocks of B: panel j at b + j kc nr, [kc][nr] */
  int32_t *pt;         /* [n][ptld] transposed permutations (vector gathers) */
  PetscInt ptld;       /* pmax rounded up to the register block */
};

PetscBool PermKernelAvailable(PermKernelType type)
{
  __builtin_cpu_init();
  switch (type) {
  case PERM_KERNEL_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
                   __builtin_cpu_supports("fma")
               ? PETSC_TRUE
               : PETSC_FALSE;
  case PERM_KERNEL_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? PETSC_TRUE : PETSC_FALSE;
  default:
    return PETSC_TRUE;
  }
}

static void *AlignedAlloc(size_t bytes)
{
  void *p = NULL;
  return posix_memalign(&p, ALIGN, bytes ? bytes : ALIGN) ? NULL : p;
}

PetscErrorCode PermKernelCreate(PermKernelType type, PetscInt n, PetscBool upper, PetscInt pmax, PermKernel *pkout)
{
  PermKernel pk;
  size_t bsize;

  PetscFunctionBegin;
  PetscCheck(n >= 2 && pmax >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "permutation kernel for %" PetscInt_FMT " images and %" PetscInt_FMT " permutations", n, pmax);
  if (type == PERM_KERNEL_BEST)
    type = PermKernelAvailable(PERM_KERNEL_AVX512) ? PERM_KERNEL_AVX512
           : PermKernelAvailable(PERM_KERNEL_AVX2) ? PERM_KERNEL_AVX2
                                                   : PERM_KERNEL_BLAS;
  PetscCheck(PermKernelAvailable(type), PETSC_COMM_SELF, PETSC_ERR_SUP, "this CPU cannot run the %s permutation kernel",
             PermKernelTypeNames[type]);
  PetscCall(PetscNew(&pk));
  pk->type    = type;
  pk->n       = n;
  pk->upper   = upper;
  pk->K       = upper ? n * (n - 1) / 2 : n * n;
  pk->pmax    = pmax;
  pk->mr      = type == PERM_KERNEL_AVX512 ? MR512 : type == PERM_KERNEL_AVX2 ? MR256 : 1;
  pk->nr      = type == PERM_KERNEL_AVX512 ? NR512 : type == PERM_KERNEL_AVX2 ? NR256 : pmax;
  pk->kc      = type == PERM_KERNEL_BLAS ? pk->K : PetscMin(KC, pk->K);
  pk->nblocks = (pk->K + pk->kc - 1) / pk->kc;
  pk->ptld    = (pmax + pk->nr - 1) / pk->nr * pk->nr;
  /* cut the rows of entries at the block boundaries: at most one extra cut per block */
  PetscCall(PetscMalloc2(n + pk->nblocks, &pk->seg, pk->nblocks + 1, &pk->blockseg));
  {
    PetscInt nseg = 0, k = 0;
    for (PetscInt a = 0; a < n; a++) {
      PetscInt b = upper ? a + 1 : 0;
      while (b < n) {
        PetscInt next = (k / pk->kc + 1) * pk->kc, len = PetscMin(n - b, next - k);
        if (k % pk->kc == 0) pk->blockseg[k / pk->kc] = nseg;
        pk->seg[nseg++] = (Segment){(int32_t)a, (int32_t)b, (int32_t)(b + len)};
        b += len;
        k += len;
      }
    }
    pk->blockseg[pk->nblocks] = nseg;
  }
  bsize  = sizeof(double) * (size_t)pk->kc * (size_t)pk->ptld;
  pk->b  = AlignedAlloc(bsize);
  pk->pt = AlignedAlloc(sizeof(int32_t) * (size_t)n * (size_t)pk->ptld);
  PetscCheck(pk->b && pk->pt, PETSC_COMM_SELF, PETSC_ERR_MEM, "permutation kernel: cannot allocate %g MB",
             (double)bsize / 1048576);
  memset(pk->b, 0, bsize);
  *pkout = pk;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PermKernelType PermKernelGetType(PermKernel pk)
{
  return pk->type;
}

PetscErrorCode PermKernelSetRows(PermKernel pk, PetscInt m, const int32_t *const *rows)
{
  size_t need = (size_t)m * (size_t)pk->K;
  PetscInt K = pk->K, mr = pk->mr;

  PetscFunctionBegin;
  if (need > pk->apcap) {
    free(pk->ap);
    pk->ap    = AlignedAlloc(sizeof(double) * need);
    pk->apcap = pk->ap ? need : 0;
    PetscCheck(pk->ap, PETSC_COMM_SELF, PETSC_ERR_MEM,
               "permutation kernel: cannot allocate %g MB for %" PetscInt_FMT " rows", (double)need * 8 / 1048576, m);
  }
  pk->m = m;
  for (PetscInt i0 = 0; i0 < m; i0 += mr) {
    PetscInt r                 = PetscMin(mr, m - i0);
    double *panel              = pk->ap + (size_t)i0 * K;
    const int32_t *const *prow = rows + i0;
    for (PetscInt k = 0; k < K; k++, panel += r) /* r read streams, one written in order */
      for (PetscInt i = 0; i < r; i++)
        panel[i] = (double)prow[i][k];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- gathers: block blk of B for permutations [p0, p1), padded with zero columns to pz ---- */

/* One permutation at a time, entry by entry: any CPU. ldb is the row stride of a panel
   (nr, or np for the single BLAS panel). */
static void GatherScalar(const PermKernel pk, const double *table, const PetscInt *perm, PetscInt blk, PetscInt p0,
                         PetscInt p1, PetscInt pz, PetscInt ldb)
{
  PetscInt n = pk->n, kc = pk->kc, k0 = blk * kc, kb = PetscMin(pk->K, k0 + kc) - k0;
  const Segment *s0 = pk->seg + pk->blockseg[blk], *s1 = pk->seg + pk->blockseg[blk + 1];

  for (PetscInt p = p0; p < pz; p++) {
    double *out        = pk->b + (size_t)(p / ldb) * kc * ldb + p % ldb;
    const PetscInt *pp = perm + (size_t)p * n;
    if (p >= p1) {
      for (PetscInt k = 0; k < kb; k++)
        out[(size_t)k * ldb] = 0;
      continue;
    }
    for (const Segment *s = s0; s < s1; s++) {
      const double *row = table + (size_t)pp[s->a] * n;
      for (PetscInt b = s->b0; b < s->b1; b++, out += ldb)
        *out = row[pp[b]];
    }
  }
}

/* Panels [j0, j1) of 16 permutations, 8 entries per hardware gather, from the transposed
   permutations (columns past np hold image 0: finite, and their results are dropped). */
PK_AVX512 static void Gather512(const PermKernel pk, const double *table, PetscInt blk, PetscInt j0, PetscInt j1)
{
  PetscInt kc = pk->kc, ld = pk->ptld;
  const Segment *s0 = pk->seg + pk->blockseg[blk], *s1 = pk->seg + pk->blockseg[blk + 1];
  const __m256i vn = _mm256_set1_epi32((int)pk->n);

  for (PetscInt j = j0; j < j1; j++) {
    double *out        = pk->b + (size_t)j * kc * NR512;
    const int32_t *ptj = pk->pt + j * NR512;
    for (const Segment *s = s0; s < s1; s++) {
      const int32_t *pa = ptj + (size_t)s->a * ld, *pb = ptj + (size_t)s->b0 * ld;
      __m256i r0 = _mm256_mullo_epi32(_mm256_load_si256((const __m256i *)pa), vn);
      __m256i r1 = _mm256_mullo_epi32(_mm256_load_si256((const __m256i *)(pa + 8)), vn);
      for (PetscInt b = s->b0; b < s->b1; b++, pb += ld, out += NR512) {
        __m256i i0 = _mm256_add_epi32(r0, _mm256_load_si256((const __m256i *)pb));
        __m256i i1 = _mm256_add_epi32(r1, _mm256_load_si256((const __m256i *)(pb + 8)));
        _mm512_store_pd(out, _mm512_i32gather_pd(i0, table, 8));
        _mm512_store_pd(out + 8, _mm512_i32gather_pd(i1, table, 8));
      }
    }
  }
}

PK_AVX2 static void Gather256(const PermKernel pk, const double *table, PetscInt blk, PetscInt j0, PetscInt j1)
{
  PetscInt kc = pk->kc, ld = pk->ptld;
  const Segment *s0 = pk->seg + pk->blockseg[blk], *s1 = pk->seg + pk->blockseg[blk + 1];
  const __m128i vn = _mm_set1_epi32((int)pk->n);

  for (PetscInt j = j0; j < j1; j++) {
    double *out        = pk->b + (size_t)j * kc * NR256;
    const int32_t *ptj = pk->pt + j * NR256;
    for (const Segment *s = s0; s < s1; s++) {
      const int32_t *pa = ptj + (size_t)s->a * ld, *pb = ptj + (size_t)s->b0 * ld;
      __m128i r0 = _mm_mullo_epi32(_mm_load_si128((const __m128i *)pa), vn);
      __m128i r1 = _mm_mullo_epi32(_mm_load_si128((const __m128i *)(pa + 4)), vn);
      for (PetscInt b = s->b0; b < s->b1; b++, pb += ld, out += NR256) {
        __m128i i0 = _mm_add_epi32(r0, _mm_load_si128((const __m128i *)pb));
        __m128i i1 = _mm_add_epi32(r1, _mm_load_si128((const __m128i *)(pb + 4)));
        _mm256_store_pd(out, _mm256_i32gather_pd(table, i0, 8));
        _mm256_store_pd(out + 4, _mm256_i32gather_pd(table, i1, 8));
      }
    }
  }
}

/* ---- register blocks: d[mr][ncols] (+)= a[kb][mr] b[kb][nr] ---- */

PK_AVX512 PK_INLINE void Tile512(const int mr, PetscInt kb, const double *restrict a, const double *restrict b,
                                 double *restrict d, PetscInt ldd, int ncols, int add)
{
  __m512d c0[MR512], c1[MR512];
  __mmask8 m0 = (__mmask8)(ncols >= 8 ? 0xff : (1u << ncols) - 1);
  __mmask8 m1 = (__mmask8)(ncols >= 16 ? 0xff : ncols <= 8 ? 0 : (1u << (ncols - 8)) - 1);

#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    c0[i] = add ? _mm512_maskz_loadu_pd(m0, d + i * ldd) : _mm512_setzero_pd();
    c1[i] = add ? _mm512_maskz_loadu_pd(m1, d + i * ldd + 8) : _mm512_setzero_pd();
  }
  for (PetscInt k = 0; k < kb; k++, a += mr, b += NR512) {
    __m512d b0 = _mm512_load_pd(b), b1 = _mm512_load_pd(b + 8);
#pragma GCC unroll 14
    for (int i = 0; i < mr; i++) {
      __m512d ai = _mm512_set1_pd(a[i]);
      c0[i]      = _mm512_fmadd_pd(ai, b0, c0[i]);
      c1[i]      = _mm512_fmadd_pd(ai, b1, c1[i]);
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    _mm512_mask_storeu_pd(d + i * ldd, m0, c0[i]);
    _mm512_mask_storeu_pd(d + i * ldd + 8, m1, c1[i]);
  }
}

PK_AVX512 static void Block512(int mr, PetscInt kb, const double *a, const double *b, double *d, PetscInt ldd,
                               int ncols, int add)
{
  switch (mr) {
#define CASE(r)                                                                                                        \
  case r:                                                                                                              \
    Tile512(r, kb, a, b, d, ldd, ncols, add);                                                                          \
    break;
    CASE(1)
    CASE(2)
    CASE(3)
    CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14)
#undef CASE
  }
}

PK_AVX2 PK_INLINE void Tile256(const int mr, PetscInt kb, const double *restrict a, const double *restrict b,
                               double *restrict d, PetscInt ldd, int ncols, int add)
{
  __m256d c0[MR256], c1[MR256];
  __m256i nc = _mm256_set1_epi64x(ncols);
  __m256i m0 = _mm256_cmpgt_epi64(nc, _mm256_setr_epi64x(0, 1, 2, 3));
  __m256i m1 = _mm256_cmpgt_epi64(nc, _mm256_setr_epi64x(4, 5, 6, 7));

#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    c0[i] = add ? _mm256_maskload_pd(d + i * ldd, m0) : _mm256_setzero_pd();
    c1[i] = add ? _mm256_maskload_pd(d + i * ldd + 4, m1) : _mm256_setzero_pd();
  }
  for (PetscInt k = 0; k < kb; k++, a += mr, b += NR256) {
    __m256d b0 = _mm256_load_pd(b), b1 = _mm256_load_pd(b + 4);
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++) {
      __m256d ai = _mm256_broadcast_sd(a + i);
      c0[i]      = _mm256_fmadd_pd(ai, b0, c0[i]);
      c1[i]      = _mm256_fmadd_pd(ai, b1, c1[i]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    _mm256_maskstore_pd(d + i * ldd, m0, c0[i]);
    _mm256_maskstore_pd(d + i * ldd + 4, m1, c1[i]);
  }
}

PK_AVX2 static void Block256(int mr, PetscInt kb, const double *a, const double *b, double *d, PetscInt ldd, int ncols,
                             int add)
{
  switch (mr) {
#define CASE(r)                                                                                                        \
  case r:                                                                                                              \
    Tile256(r, kb, a, b, d, ldd, ncols, add);                                                                          \
    break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#undef CASE
  }
}

/* ---- the product ---- */

typedef struct {
  PermKernel pk;
  PetscInt ntables;
  const double *const *tables;
  const char *wanted; /* [ntables][panels of A]: 0 to skip */
  PetscInt np, j0, j1;
  double *d;
  PetscInt ldd;
} ProductJob;

/* Panels [j0, j1) of permutations, for every block of entries, every table and every wanted
   panel of rows. The tables are the inner loop so that a block of the packed rows is read
   from memory once and from L2 for the other tables. */
static void *ProductRange(void *arg)
{
  const ProductJob *job = arg;
  const PermKernel pk   = job->pk;
  PetscInt K = pk->K, mr = pk->mr, nr = pk->nr, kc = pk->kc, npanels = (pk->m + mr - 1) / mr;

  for (PetscInt blk = 0; blk < pk->nblocks; blk++) {
    PetscInt k0 = blk * kc, kb = PetscMin(K, k0 + kc) - k0;
    for (PetscInt t = 0; t < job->ntables; t++) {
      const char *want = job->wanted + t * npanels;
      double *dt       = job->d + (size_t)t * pk->m * job->ldd;
      PetscBool any    = PETSC_FALSE;
      for (PetscInt i = 0; i < npanels && !any; i++)
        any = want[i] ? PETSC_TRUE : PETSC_FALSE;
      if (!any) continue;
      if (pk->type == PERM_KERNEL_AVX512)
        Gather512(pk, job->tables[t], blk, job->j0, job->j1);
      else
        Gather256(pk, job->tables[t], blk, job->j0, job->j1);
      for (PetscInt i0 = 0; i0 < pk->m; i0 += mr) {
        PetscInt r      = PetscMin(mr, pk->m - i0);
        const double *a = pk->ap + (size_t)i0 * K + (size_t)k0 * r;
        if (!want[i0 / mr]) continue;
        for (PetscInt j = job->j0; j < job->j1; j++) {
          const double *b = pk->b + (size_t)j * kc * nr;
          double *d       = dt + (size_t)i0 * job->ldd + j * nr;
          int ncols       = (int)PetscMin(nr, job->np - j * nr);
          if (pk->type == PERM_KERNEL_AVX512)
            Block512((int)r, kb, a, b, d, job->ldd, ncols, blk > 0);
          else
            Block256((int)r, kb, a, b, d, job->ldd, ncols, blk > 0);
        }
      }
    }
  }
  return NULL;
}

typedef struct {
  PermKernel pk;
  const double *table;
  const PetscInt *perm;
  PetscInt np, p0, p1;
} GatherJob;

static void *GatherRange(void *arg)
{
  const GatherJob *job = arg;
  GatherScalar(job->pk, job->table, job->perm, 0, job->p0, job->p1, job->p1, job->np);
  return NULL;
}

/* Runs fn on jobs[0..nt) (job size bytes apart), job 0 on the calling thread; a job whose
   thread cannot start runs here too. */
static void RunJobs(void *(*fn)(void *), void *jobs, size_t size, int nt)
{
  enum { MAXTHREADS = 64 };
  pthread_t thread[MAXTHREADS];
  int started[MAXTHREADS] = {0};

  for (int t = 1; t < nt; t++)
    started[t] = pthread_create(&thread[t], NULL, fn, (char *)jobs + t * size) == 0;
  fn(jobs);
  for (int t = 1; t < nt; t++) {
    if (started[t])
      pthread_join(thread[t], NULL);
    else
      fn((char *)jobs + t * size);
  }
}

PetscErrorCode PermKernelProduct(PermKernel pk, PetscInt ntables, const double *const *tables, PetscInt np,
                                 const PetscInt *perm, const char *wanted, PetscInt nthreads, double *d, PetscInt ldd)
{
  enum { MAXTHREADS = 64 };
  PetscInt n = pk->n, m = pk->m, nt = PetscMax(1, PetscMin(nthreads, MAXTHREADS));

  PetscFunctionBegin;
  PetscCheck(np >= 0 && np <= pk->pmax && ldd >= np && ntables >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "product of %" PetscInt_FMT " tables and %" PetscInt_FMT " permutations (at most %" PetscInt_FMT
             ") with leading dimension %" PetscInt_FMT,
             ntables, np, pk->pmax, ldd);
  if (np == 0 || m == 0 || ntables == 0) PetscFunctionReturn(PETSC_SUCCESS);
  if (pk->type == PERM_KERNEL_BLAS) {
    GatherJob job[MAXTHREADS];
    nt = PetscMin(nt, np);
    for (PetscInt t = 0; t < ntables; t++) {
      PetscBool any = wanted ? PETSC_FALSE : PETSC_TRUE;
      for (PetscInt i = 0; i < m && !any; i++)
        any = wanted[t * m + i] ? PETSC_TRUE : PETSC_FALSE;
      if (!any) continue;
      for (PetscInt q = 0; q < nt; q++)
        job[q] = (GatherJob){pk, tables[t], perm, np, np * q / nt, np * (q + 1) / nt};
      RunJobs(GatherRange, job, sizeof(job[0]), (int)nt);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)np, (int)pk->K, 1.0, pk->ap, (int)pk->K,
                  pk->b, (int)np, 0.0, d + (size_t)t * m * ldd, (int)ldd);
    }
  } else {
    PetscInt nr = pk->nr, npan = (np + nr - 1) / nr, mr = pk->mr, npanels = (m + mr - 1) / mr;
    ProductJob job[MAXTHREADS];
    char *panelwanted;

    /* transposed permutations for the vector gathers; padding columns take image 0 */
    for (PetscInt a = 0; a < n; a++) {
      int32_t *row = pk->pt + (size_t)a * pk->ptld;
      for (PetscInt p = 0; p < np; p++)
        row[p] = (int32_t)perm[(size_t)p * n + a];
      for (PetscInt p = np; p < npan * nr; p++)
        row[p] = 0;
    }
    PetscCall(PetscCalloc1(ntables * npanels, &panelwanted));
    for (PetscInt t = 0; t < ntables; t++)
      for (PetscInt i = 0; i < m; i++)
        panelwanted[t * npanels + i / mr] |= !wanted || wanted[t * m + i];
    nt = PetscMin(nt, npan);
    for (PetscInt q = 0; q < nt; q++)
      job[q] = (ProductJob){pk, ntables, tables, panelwanted, np, npan * q / nt, npan * (q + 1) / nt, d, ldd};
    RunJobs(ProductRange, job, sizeof(job[0]), (int)nt);
    PetscCall(PetscFree(panelwanted));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode PermKernelDestroy(PermKernel *pkp)
{
  PermKernel pk = *pkp;

  PetscFunctionBegin;
  if (!pk) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree2(pk->seg, pk->blockseg));
  free(pk->ap);
  free(pk->b);
  free(pk->pt);
  PetscCall(PetscFree(pk));
  *pkp = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}
