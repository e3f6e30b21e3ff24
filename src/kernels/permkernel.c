/* permkernel.c: channel ranks times permuted layer ranks, exactly (or in float32 within a
 * proven bound) and near the FMA peak.
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
 * own, with no synchronisation before the end.
 *
 * The float32 kernels (avx512_f32 with 14 x 32 register blocks, avx2_f32 with 6 x 16; what
 * best runs) have twice the lanes per FMA and half the bytes per gather, and run twice as
 * fast; they are exact where it matters, in the comparisons the permutation test makes.
 * Ranks are integers below 2^24, hence exact in float32. The products of a block of
 * KCF = 512 entries are summed in float32 FMAs from zero and each block sum (an integer) is
 * added to d in double, exactly while the sums stay below 2^53 (512 rather than 256: the
 * flush of a register block into d costs 5 % at 256, and the bound is still small). Only
 * the float32 sums round. With FMA a step c_j = fl(c_{j-1} + x_j) errs by at most
 * u |c_{j-1} + x_j| <= u (S_j + |E_{j-1}|), u = 2^-24, S_j = |x_1| + ... + |x_j|, E the
 * error so far; so a block of kb entries errs by at most
 * u (1 + u)^kb (S_1 + ... + S_kb) = u (1 + u)^kb sum_q (kb - q) |a_q| |b_q|, q the position
 * in the block from 0 (the first product goes through every rounding of the block, the last
 * through one). By Cauchy-Schwarz, within a block and then over the blocks, the whole
 * product errs by at most
 *     u (1 + u)^KCF  W_i  |b|,   W_i^2 = sum_k w_k^2 a_ik^2 (w_k = kb - q of entry k),
 * where W_i is computed when row i is packed and |b|, the norm of the gathered column, is the
 * same for every permutation: the norm of the table's entries (for the pairs a < b of a
 * table that need not be symmetric, the larger of (a, b) and (b, a) for each pair), taken
 * once for the tables registered by PermKernelSetTables. In units of rho the bound is
 * u (1 + u)^KCF W_i / |a_i|, about 2^-24 KCF / sqrt(3) = 1.8e-5 for ranks without ties,
 * against a null spread of rho of 1e-3 or more: a threshold comparison is decided on the
 * float32 result unless the two are closer than that, and PermKernelExactDot recomputes
 * those few dot products exactly (K gathered FMAs in double, whose partial sums are integers
 * below 2^53), so the counts are those of the double kernels (under 0.1 % of the comparisons
 * on null data). PermKernelErrorBound adds a margin of 1e-9 relative plus one per block of
 * entries (double additions past 2^53 would round by at most one) so that the caller's
 * double arithmetic near the threshold cannot cross it. Their rows are packed in runs of 16
 * entries per row ([K16 / 16][MR][16]), which needs no transpose, since repacking as
 * channels retire is frequent with sequential stopping. */
#include <bandalign/permkernel.h>
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char *const PermKernelTypeNames[] = {"blas",       "avx2",           "avx512",       "best", "avx2_f32",
                                           "avx512_f32", "PermKernelType", "PERM_KERNEL_", NULL};

#define PK_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
#define PK_AVX2   __attribute__((target("avx2,fma")))
#define PK_INLINE static inline __attribute__((always_inline))

#ifndef PK_KC
#define PK_KC 256
#endif
enum {
  MR512  = 14, /* rows of A per register block: 28 of the 32 zmm registers accumulate */
  NR512  = 16, /* permutations per register block: two zmm */
  NR512F = 32, /* float32: two zmm of 16 */
  MR256  = 6,  /* AVX2: 12 of the 16 ymm registers accumulate */
  NR256  = 8,
  NR256F = 16,
  KC     = 256, /* entries per block of B: 128 permutations x 256 x 8 bytes = 256 kB */
  KCF    = 512, /* float32: 256 kB too; each block sum is flushed into d in double, and the
                  error bound grows with the depth (the header comment); 16 divides it */
  ALIGN = 64
};

/* Entries (a, b) for b in [b0, b1) */
typedef struct {
  int32_t a, b0, b1;
} Segment;

struct _p_PermKernel {
  PermKernelType type; /* never BEST */
  PetscBool f32;       /* float32 blocks, within PermKernelErrorBound */
  PetscInt n, K;       /* images, entries */
  PetscBool upper;     /* entries are the pairs a < b, else all (a, b) */
  PetscInt pmax;       /* permutations per product */
  PetscInt mr, nr, kc; /* register block and depth of a block of B (BLAS: 1, pmax, K) */
  PetscInt nblocks;    /* blocks of kc entries */
  Segment *seg;        /* the entries as runs within a row, cut at block boundaries */
  PetscInt *blockseg;  /* [nblocks + 1]: block blk is seg[blockseg[blk] .. blockseg[blk + 1]) */
  PetscInt m;          /* rows packed */
  void *ap;            /* packed rows: double panel i at ap + i mr K, [K][rows in panel]; float
                          panel i at ap + i mr K16, [K16 / 16][rows in panel][16] */
  PetscInt K16;        /* K rounded up to 16 */
  size_t apcap;        /* bytes allocated at ap */
  void *b;             /* blocks of B (double or float): panel j at b + j kc nr, [kc][nr] */
  int32_t *pt;         /* [n][ptld] transposed permutations (vector gathers) */
  PetscInt ptld;       /* pmax rounded up to the register block */
  /* float32 kernels: what the error bound and the exact dot products need */
  const int32_t **rows; /* [m] the caller's rows */
  double *wnorm;        /* [m] W_i of the error bound */
  PetscInt rowcap;      /* rows allocated at rows and wnorm */
  const float **ftp;    /* [ntables] tables of the last product, as floats */
  double *tnorm;        /* [ntables] norms of their entries */
  float *ftab;          /* [ntables][n][n] scratch for the tables not registered */
  PetscInt tabcap;      /* tables allocated at ftp, tnorm and ftab */
  const double **reg;   /* [nreg] tables of PermKernelSetTables */
  float *regf;          /* [nreg][n][n] their floats */
  double *regnorm;      /* [nreg] their norms */
  PetscInt nreg;
  int32_t *pr;  /* [pmax][n] permutations of the last product */
  double gamma; /* u (1 + u)^kc, kc = KCF */
};

PetscBool PermKernelAvailable(PermKernelType type)
{
  __builtin_cpu_init();
  switch (type) {
  case PERM_KERNEL_AVX512:
  case PERM_KERNEL_AVX512_F32:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
                   __builtin_cpu_supports("fma")
               ? PETSC_TRUE
               : PETSC_FALSE;
  case PERM_KERNEL_AVX2:
  case PERM_KERNEL_AVX2_F32:
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

/* Register block (rows, permutations) of a kernel type: BLAS multiplies all at once. */
static void BlockShape(PermKernelType type, PetscInt pmax, PetscInt *mr, PetscInt *nr)
{
  switch (type) {
  case PERM_KERNEL_AVX512:
    *mr = MR512, *nr = NR512;
    break;
  case PERM_KERNEL_AVX512_F32:
    *mr = MR512, *nr = NR512F;
    break;
  case PERM_KERNEL_AVX2:
    *mr = MR256, *nr = NR256;
    break;
  case PERM_KERNEL_AVX2_F32:
    *mr = MR256, *nr = NR256F;
    break;
  default:
    *mr = 1, *nr = pmax;
  }
}

/* Cuts the rows of entries at the block boundaries: at most one extra cut per block. */
static void Segments(PermKernel pk)
{
  PetscInt nseg = 0, k = 0, n = pk->n;

  for (PetscInt a = 0; a < n; a++) {
    PetscInt b = pk->upper ? a + 1 : 0;
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

PetscErrorCode PermKernelCreate(PermKernelType type, PetscInt n, PetscBool upper, PetscInt pmax, PermKernel *pkout)
{
  PermKernel pk;
  size_t bsize;

  PetscFunctionBegin;
  PetscCheck(n >= 2 && pmax >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "permutation kernel for %" PetscInt_FMT " images and %" PetscInt_FMT " permutations", n, pmax);
  if (type == PERM_KERNEL_BEST)
    type = PermKernelAvailable(PERM_KERNEL_AVX512_F32) ? PERM_KERNEL_AVX512_F32
           : PermKernelAvailable(PERM_KERNEL_AVX2_F32) ? PERM_KERNEL_AVX2_F32
                                                       : PERM_KERNEL_BLAS;
  PetscCheck(PermKernelAvailable(type), PETSC_COMM_SELF, PETSC_ERR_SUP, "this CPU cannot run the %s permutation kernel",
             PermKernelTypeNames[type]);
  PetscCall(PetscNew(&pk));
  pk->type  = type;
  pk->f32   = type == PERM_KERNEL_AVX512_F32 || type == PERM_KERNEL_AVX2_F32 ? PETSC_TRUE : PETSC_FALSE;
  pk->n     = n;
  pk->upper = upper;
  pk->K     = upper ? n * (n - 1) / 2 : n * n;
  pk->K16   = (pk->K + 15) / 16 * 16;
  pk->pmax  = pmax;
  BlockShape(type, pmax, &pk->mr, &pk->nr);
  pk->kc      = type == PERM_KERNEL_BLAS ? pk->K : PetscMin(pk->f32 ? KCF : KC, pk->K);
  pk->nblocks = (pk->K + pk->kc - 1) / pk->kc;
  pk->ptld    = (pmax + pk->nr - 1) / pk->nr * pk->nr;
  pk->gamma   = ldexp(1.0, -24) * exp(ldexp((double)pk->kc, -24)); /* exp(kc u) >= (1 + u)^kc */
  PetscCall(PetscMalloc2(n + pk->nblocks, &pk->seg, pk->nblocks + 1, &pk->blockseg));
  Segments(pk);
  bsize  = (pk->f32 ? sizeof(float) : sizeof(double)) * (size_t)pk->kc * (size_t)pk->ptld;
  pk->b  = AlignedAlloc(bsize);
  pk->pt = AlignedAlloc(sizeof(int32_t) * (size_t)n * (size_t)pk->ptld);
  PetscCheck(pk->b && pk->pt, PETSC_COMM_SELF, PETSC_ERR_MEM, "permutation kernel: cannot allocate %g MB",
             (double)bsize / 1048576);
  memset(pk->b, 0, bsize);
  if (pk->f32) PetscCall(PetscMalloc1((size_t)pmax * n, &pk->pr));
  *pkout = pk;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PermKernelType PermKernelGetType(PermKernel pk)
{
  return pk->type;
}

/* Copies rows [i0, i0 + r) into their panel, [K][r]: 64 entries of one row at a time, so the
   rows are read in order and the panel's 64 r entries being written stay in L1. */
static void PackPanelDouble(double *panel, PetscInt K, PetscInt r, const int32_t *const *prow)
{
  for (PetscInt k0 = 0; k0 < K; k0 += 64) {
    PetscInt kb = PetscMin(K, k0 + 64) - k0;
    for (PetscInt i = 0; i < r; i++) {
      const int32_t *src = prow[i] + k0;
      double *dst        = panel + (size_t)k0 * r + i;
      for (PetscInt q = 0; q < kb; q++)
        dst[q * r] = (double)src[q];
    }
  }
}

/* The same in float32, in runs of 16 entries ([K16 / 16][r][16], no transpose), setting w2[i]
   to each row's sum of (w_k a_k)^2 for W_i of the error bound (the header comment; w_k counts
   down from the length of k's block of kc entries to 1, and 16 divides kc, so a run lies in
   one block) and big if an entry is not exact in float32. W_i needs no particular order of
   summation: the bound has a relative margin of 1e-9. */
PK_AVX2 static void PackPanelFloat(float *panel, PetscInt K, PetscInt kc, PetscInt r, const int32_t *const *prow,
                                   double *w2, uint32_t *big)
{
  const __m256i off = _mm256_set1_epi32(16777215), top = _mm256_set1_epi32(33554430), zero = _mm256_setzero_si256();
  __m256i bad = zero;

  for (PetscInt i = 0; i < r; i++) {
    const int32_t *src = prow[i];
    __m256d acc        = _mm256_setzero_pd();
    double tail        = 0, lane[4];
    for (PetscInt k0 = 0; k0 < K; k0 += 16) {
      float *dst = panel + (size_t)k0 * r + (size_t)i * 16;
      double w0  = (double)(PetscMin(K, k0 / kc * kc + kc) - k0); /* weight of entry k0 */
      if (k0 + 16 > K) {
        for (PetscInt q = 0; q < K - k0; q++) {
          double wa = (w0 - (double)q) * (double)src[k0 + q];
          tail += wa * wa;
          bad    = _mm256_or_si256(bad, _mm256_set1_epi32(-(int)((uint32_t)(src[k0 + q] + 16777215) > 33554430u)));
          dst[q] = (float)src[k0 + q];
        }
        continue;
      }
      for (int h = 0; h < 2; h++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(src + k0 + 8 * h)), x = _mm256_add_epi32(v, off);
        bad = _mm256_or_si256(bad, _mm256_or_si256(_mm256_cmpgt_epi32(x, top), _mm256_cmpgt_epi32(zero, x)));
        _mm256_storeu_ps(dst + 8 * h, _mm256_cvtepi32_ps(v));
        for (int g = 0; g < 2; g++) {
          __m128i v4 = g ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v);
          __m256d w  = _mm256_sub_pd(_mm256_set1_pd(w0 - (double)(8 * h + 4 * g)), _mm256_setr_pd(0, 1, 2, 3));
          __m256d wa = _mm256_mul_pd(w, _mm256_cvtepi32_pd(v4));
          acc        = _mm256_fmadd_pd(wa, wa, acc);
        }
      }
    }
    _mm256_storeu_pd(lane, acc);
    w2[i] = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + tail;
  }
  *big |= (uint32_t)_mm256_movemask_epi8(bad);
}

PetscErrorCode PermKernelSetRows(PermKernel pk, PetscInt m, const int32_t *const *rows)
{
  size_t es = pk->f32 ? sizeof(float) : sizeof(double), need = es * (size_t)m * (size_t)(pk->f32 ? pk->K16 : pk->K);
  PetscInt K = pk->K, mr = pk->mr;
  uint32_t big = 0;

  PetscFunctionBegin;
  if (need > pk->apcap) {
    free(pk->ap);
    pk->ap    = AlignedAlloc(need);
    pk->apcap = pk->ap ? need : 0;
    PetscCheck(pk->ap, PETSC_COMM_SELF, PETSC_ERR_MEM,
               "permutation kernel: cannot allocate %g MB for %" PetscInt_FMT " rows", (double)need / 1048576, m);
  }
  if (pk->f32 && m > pk->rowcap) { /* the rows are kept for PermKernelExactDot */
    PetscCall(PetscFree2(pk->rows, pk->wnorm));
    PetscCall(PetscMalloc2(m, &pk->rows, m, &pk->wnorm));
    pk->rowcap = m;
  }
  pk->m = m;
  for (PetscInt i0 = 0; i0 < m; i0 += mr) {
    PetscInt r = PetscMin(mr, m - i0);
    if (!pk->f32) {
      PackPanelDouble((double *)pk->ap + (size_t)i0 * K, K, r, rows + i0);
      continue;
    }
    for (PetscInt i = i0; i < i0 + r; i++)
      pk->rows[i] = rows[i];
    PackPanelFloat((float *)pk->ap + (size_t)i0 * pk->K16, K, pk->kc, r, rows + i0, pk->wnorm + i0, &big);
    for (PetscInt i = i0; i < i0 + r; i++)
      pk->wnorm[i] = sqrt(pk->wnorm[i]);
  }
  PetscCheck(!big, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "a row has an entry of 2^24 or more in magnitude, not exact in float32");
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
    double *out        = (double *)pk->b + (size_t)(p / ldb) * kc * ldb + p % ldb;
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
    double *out        = (double *)pk->b + (size_t)j * kc * NR512;
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
    double *out        = (double *)pk->b + (size_t)j * kc * NR256;
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

/* float32: panels of 32 permutations, 16 entries per hardware gather, from the float table */
PK_AVX512 static void Gather512f(const PermKernel pk, const float *table, PetscInt blk, PetscInt j0, PetscInt j1)
{
  PetscInt kc = pk->kc, ld = pk->ptld;
  const Segment *s0 = pk->seg + pk->blockseg[blk], *s1 = pk->seg + pk->blockseg[blk + 1];
  const __m512i vn = _mm512_set1_epi32((int)pk->n);

  for (PetscInt j = j0; j < j1; j++) {
    float *out         = (float *)pk->b + (size_t)j * kc * NR512F;
    const int32_t *ptj = pk->pt + j * NR512F;
    for (const Segment *s = s0; s < s1; s++) {
      const int32_t *pa = ptj + (size_t)s->a * ld, *pb = ptj + (size_t)s->b0 * ld;
      __m512i r0 = _mm512_mullo_epi32(_mm512_load_si512(pa), vn);
      __m512i r1 = _mm512_mullo_epi32(_mm512_load_si512(pa + 16), vn);
      for (PetscInt b = s->b0; b < s->b1; b++, pb += ld, out += NR512F) {
        __m512i i0 = _mm512_add_epi32(r0, _mm512_load_si512(pb));
        __m512i i1 = _mm512_add_epi32(r1, _mm512_load_si512(pb + 16));
        _mm512_store_ps(out, _mm512_i32gather_ps(i0, table, 4));
        _mm512_store_ps(out + 16, _mm512_i32gather_ps(i1, table, 4));
      }
    }
  }
}

PK_AVX2 static void Gather256f(const PermKernel pk, const float *table, PetscInt blk, PetscInt j0, PetscInt j1)
{
  PetscInt kc = pk->kc, ld = pk->ptld;
  const Segment *s0 = pk->seg + pk->blockseg[blk], *s1 = pk->seg + pk->blockseg[blk + 1];
  const __m256i vn = _mm256_set1_epi32((int)pk->n);

  for (PetscInt j = j0; j < j1; j++) {
    float *out         = (float *)pk->b + (size_t)j * kc * NR256F;
    const int32_t *ptj = pk->pt + j * NR256F;
    for (const Segment *s = s0; s < s1; s++) {
      const int32_t *pa = ptj + (size_t)s->a * ld, *pb = ptj + (size_t)s->b0 * ld;
      __m256i r0 = _mm256_mullo_epi32(_mm256_load_si256((const __m256i *)pa), vn);
      __m256i r1 = _mm256_mullo_epi32(_mm256_load_si256((const __m256i *)(pa + 8)), vn);
      for (PetscInt b = s->b0; b < s->b1; b++, pb += ld, out += NR256F) {
        __m256i i0 = _mm256_add_epi32(r0, _mm256_load_si256((const __m256i *)pb));
        __m256i i1 = _mm256_add_epi32(r1, _mm256_load_si256((const __m256i *)(pb + 8)));
        _mm256_store_ps(out, _mm256_i32gather_ps(table, i0, 4));
        _mm256_store_ps(out + 8, _mm256_i32gather_ps(table, i1, 4));
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

/* float32 register blocks: the block's products summed in float32 from zero, the sums added
   to d in double (exact: they are integers), 8 columns of d per mask */

PK_AVX512 PK_INLINE void Flush512f(double *d, __m512 c, __mmask8 m0, __mmask8 m1, int add)
{
  __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(c));
  __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(c), 1)));
  if (add) {
    lo = _mm512_add_pd(lo, _mm512_maskz_loadu_pd(m0, d));
    hi = _mm512_add_pd(hi, _mm512_maskz_loadu_pd(m1, d + 8));
  }
  _mm512_mask_storeu_pd(d, m0, lo);
  _mm512_mask_storeu_pd(d + 8, m1, hi);
}

PK_AVX512 PK_INLINE void Tile512f(const int mr, PetscInt kb, const float *restrict a, const float *restrict b,
                                  double *restrict d, PetscInt ldd, int ncols, int add)
{
  __m512 c0[MR512], c1[MR512];
  __mmask8 m[4];

  for (int q = 0; q < 4; q++) {
    int c = ncols - 8 * q;
    m[q]  = (__mmask8)(c >= 8 ? 0xff : c <= 0 ? 0 : (1u << c) - 1);
  }
#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    c0[i] = _mm512_setzero_ps();
    c1[i] = _mm512_setzero_ps();
  }
  for (PetscInt k0 = 0; k0 < kb; k0 += 16, a += 16 * mr) /* runs of 16: row i at a[16 i] */
    for (PetscInt k = 0; k < PetscMin(16, kb - k0); k++, b += NR512F) {
      __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 14
      for (int i = 0; i < mr; i++) {
        __m512 ai = _mm512_set1_ps(a[16 * i + k]);
        c0[i]     = _mm512_fmadd_ps(ai, b0, c0[i]);
        c1[i]     = _mm512_fmadd_ps(ai, b1, c1[i]);
      }
    }
#pragma GCC unroll 14
  for (int i = 0; i < mr; i++) {
    Flush512f(d + i * ldd, c0[i], m[0], m[1], add);
    Flush512f(d + i * ldd + 16, c1[i], m[2], m[3], add);
  }
}

PK_AVX512 static void Block512f(int mr, PetscInt kb, const float *a, const float *b, double *d, PetscInt ldd, int ncols,
                                int add)
{
  switch (mr) {
#define CASE(r)                                                                                                        \
  case r:                                                                                                              \
    Tile512f(r, kb, a, b, d, ldd, ncols, add);                                                                         \
    break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14)
#undef CASE
  }
}

PK_AVX2 PK_INLINE void Flush256f(double *d, __m256 c, __m256i m0, __m256i m1, int add)
{
  __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(c)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(c, 1));
  if (add) {
    lo = _mm256_add_pd(lo, _mm256_maskload_pd(d, m0));
    hi = _mm256_add_pd(hi, _mm256_maskload_pd(d + 4, m1));
  }
  _mm256_maskstore_pd(d, m0, lo);
  _mm256_maskstore_pd(d + 4, m1, hi);
}

PK_AVX2 PK_INLINE void Tile256f(const int mr, PetscInt kb, const float *restrict a, const float *restrict b,
                                double *restrict d, PetscInt ldd, int ncols, int add)
{
  __m256 c0[MR256], c1[MR256];
  __m256i nc = _mm256_set1_epi64x(ncols), m[4];

  for (int q = 0; q < 4; q++)
    m[q] = _mm256_cmpgt_epi64(nc, _mm256_setr_epi64x(4 * q, 4 * q + 1, 4 * q + 2, 4 * q + 3));
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    c0[i] = _mm256_setzero_ps();
    c1[i] = _mm256_setzero_ps();
  }
  for (PetscInt k0 = 0; k0 < kb; k0 += 16, a += 16 * mr) /* runs of 16: row i at a[16 i] */
    for (PetscInt k = 0; k < PetscMin(16, kb - k0); k++, b += NR256F) {
      __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
      for (int i = 0; i < mr; i++) {
        __m256 ai = _mm256_broadcast_ss(a + 16 * i + k);
        c0[i]     = _mm256_fmadd_ps(ai, b0, c0[i]);
        c1[i]     = _mm256_fmadd_ps(ai, b1, c1[i]);
      }
    }
#pragma GCC unroll 6
  for (int i = 0; i < mr; i++) {
    Flush256f(d + i * ldd, c0[i], m[0], m[1], add);
    Flush256f(d + i * ldd + 8, c1[i], m[2], m[3], add);
  }
}

PK_AVX2 static void Block256f(int mr, PetscInt kb, const float *a, const float *b, double *d, PetscInt ldd, int ncols,
                              int add)
{
  switch (mr) {
#define CASE(r)                                                                                                        \
  case r:                                                                                                              \
    Tile256f(r, kb, a, b, d, ldd, ncols, add);                                                                         \
    break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#undef CASE
  }
}

/* Gathers block blk of B for panels [j0, j1) of permutations from table t. */
static void GatherPanels(const PermKernel pk, const double *table, PetscInt t, PetscInt blk, PetscInt j0, PetscInt j1)
{
  const float *ft = pk->f32 ? pk->ftp[t] : NULL;

  switch (pk->type) {
  case PERM_KERNEL_AVX512:
    Gather512(pk, table, blk, j0, j1);
    break;
  case PERM_KERNEL_AVX2:
    Gather256(pk, table, blk, j0, j1);
    break;
  case PERM_KERNEL_AVX512_F32:
    Gather512f(pk, ft, blk, j0, j1);
    break;
  default:
    Gather256f(pk, ft, blk, j0, j1);
  }
}

/* One register block: rows [i0, i0 + r) against panel j, entries [k0, k0 + kb). */
static void MultiplyPanel(const PermKernel pk, PetscInt i0, PetscInt r, PetscInt k0, PetscInt kb, PetscInt j, double *d,
                          PetscInt ldd, int ncols, int add)
{
  size_t ao = (size_t)i0 * (pk->f32 ? pk->K16 : pk->K) + (size_t)k0 * r, bo = (size_t)j * pk->kc * pk->nr;

  switch (pk->type) {
  case PERM_KERNEL_AVX512:
    Block512((int)r, kb, (const double *)pk->ap + ao, (const double *)pk->b + bo, d, ldd, ncols, add);
    break;
  case PERM_KERNEL_AVX2:
    Block256((int)r, kb, (const double *)pk->ap + ao, (const double *)pk->b + bo, d, ldd, ncols, add);
    break;
  case PERM_KERNEL_AVX512_F32:
    Block512f((int)r, kb, (const float *)pk->ap + ao, (const float *)pk->b + bo, d, ldd, ncols, add);
    break;
  default:
    Block256f((int)r, kb, (const float *)pk->ap + ao, (const float *)pk->b + bo, d, ldd, ncols, add);
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
      GatherPanels(pk, job->tables[t], t, blk, job->j0, job->j1);
      for (PetscInt i0 = 0; i0 < pk->m; i0 += mr) {
        PetscInt r = PetscMin(mr, pk->m - i0);
        if (!want[i0 / mr]) continue;
        for (PetscInt j = job->j0; j < job->j1; j++)
          MultiplyPanel(pk, i0, r, k0, kb, j, dt + (size_t)i0 * job->ldd + j * nr, job->ldd,
                        (int)PetscMin(nr, job->np - j * nr), blk > 0);
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

/* float32 kernels: a table as floats, checked to be integers below 2^24 (so exact), and the
   norm of its entries |b| for the error bound. A permuted column holds (perm a, perm b) for
   the entries (a, b): for the pairs a < b one of (x, y) and (y, x) for each pair x != y
   (the larger counts; 16 x 16 tiles keep the column reads in cache), for full matrices
   every entry once. */
static PetscErrorCode TableToFloat(const PermKernel pk, const double *tab, float *ft, double *norm)
{
  PetscInt n = pk->n, nn = n * n, bad = 0;
  double b2 = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nn; i++) {
    bad |= tab[i] != rint(tab[i]) || fabs(tab[i]) >= 16777216;
    ft[i] = (float)tab[i];
  }
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "a table entry is not an integer below 2^24 in magnitude, as the float32 kernels need");
  if (!pk->upper)
    for (PetscInt i = 0; i < nn; i++)
      b2 += tab[i] * tab[i];
  else
    for (PetscInt x0 = 0; x0 < n; x0 += 16)
      for (PetscInt y0 = x0; y0 < n; y0 += 16)
        for (PetscInt x = x0; x < PetscMin(n, x0 + 16); x++)
          for (PetscInt y = PetscMax(y0, x + 1); y < PetscMin(n, y0 + 16); y++)
            b2 += PetscMax(tab[x * n + y] * tab[x * n + y], tab[y * n + x] * tab[y * n + x]);
  *norm = sqrt(b2);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode PermKernelSetTables(PermKernel pk, PetscInt ntables, const double *const *tables)
{
  size_t nn = (size_t)pk->n * pk->n;

  PetscFunctionBegin;
  if (!pk->f32) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree3(pk->reg, pk->regf, pk->regnorm));
  PetscCall(PetscMalloc3(ntables, &pk->reg, ntables * nn, &pk->regf, ntables, &pk->regnorm));
  pk->nreg = ntables;
  for (PetscInt t = 0; t < ntables; t++) {
    pk->reg[t] = tables[t];
    PetscCall(TableToFloat(pk, tables[t], pk->regf + t * nn, &pk->regnorm[t]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* float32 kernels: the tables of a product as floats with their norms (registered ones as
   they are, others converted here), and the permutations, for PermKernelExactDot. */
static PetscErrorCode KeepForExact(PermKernel pk, PetscInt ntables, const double *const *tables, PetscInt np,
                                   const PetscInt *perm)
{
  PetscInt n = pk->n;
  size_t nn  = (size_t)n * n;

  PetscFunctionBegin;
  if (ntables > pk->tabcap) {
    PetscCall(PetscFree3(pk->ftp, pk->tnorm, pk->ftab));
    PetscCall(PetscMalloc3(ntables, &pk->ftp, ntables, &pk->tnorm, ntables * nn, &pk->ftab));
    pk->tabcap = ntables;
  }
  for (PetscInt t = 0; t < ntables; t++) {
    PetscInt r = 0;
    while (r < pk->nreg && pk->reg[r] != tables[t])
      r++;
    if (r < pk->nreg) {
      pk->ftp[t]   = pk->regf + r * nn;
      pk->tnorm[t] = pk->regnorm[r];
    } else {
      PetscCall(TableToFloat(pk, tables[t], pk->ftab + t * nn, &pk->tnorm[t]));
      pk->ftp[t] = pk->ftab + t * nn;
    }
  }
  for (PetscInt p = 0; p < np; p++)
    for (PetscInt a = 0; a < n; a++)
      pk->pr[p * n + a] = (int32_t)perm[p * n + a];
  PetscFunctionReturn(PETSC_SUCCESS);
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
  if (pk->f32) PetscCall(KeepForExact(pk, ntables, tables, np, perm));
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
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)np, (int)pk->K, 1.0, (const double *)pk->ap,
                  (int)pk->K, (const double *)pk->b, (int)np, 0.0, d + (size_t)t * m * ldd, (int)ldd);
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

double PermKernelErrorBound(PermKernel pk, PetscInt t, PetscInt i)
{
  if (!pk->f32) return 0;
  return pk->gamma * pk->wnorm[i] * pk->tnorm[t] * (1 + 1e-9) + (double)pk->nblocks + 1;
}

/* Exact dot products: the row's integers times the gathered table entries in double FMAs,
   every product below 2^48 and every partial sum an integer below 2^53. */
PK_AVX512 static double ExactDot512(const PermKernel pk, const int32_t *row, const float *tab, const int32_t *pp)
{
  PetscInt n   = pk->n;
  __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();

  for (PetscInt a = 0; a < n; a++) {
    __m512i base = _mm512_set1_epi32(pp[a] * (int32_t)n);
    for (PetscInt b = pk->upper ? a + 1 : 0; b < n; b += 16) {
      __mmask16 mk = (__mmask16)(n - b >= 16 ? 0xffff : (1u << (n - b)) - 1);
      __m512i idx  = _mm512_add_epi32(base, _mm512_maskz_loadu_epi32(mk, pp + b));
      __m512 g     = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, idx, tab, 4);
      __m512i av   = _mm512_maskz_loadu_epi32(mk, row);
      acc0 = _mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(av)), _mm512_cvtps_pd(_mm512_castps512_ps256(g)),
                             acc0);
      acc1 = _mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(av, 1)),
                             _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(g), 1))), acc1);
      row += PetscMin(16, n - b);
    }
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

PK_AVX2 static double ExactDot256(const PermKernel pk, const int32_t *row, const float *tab, const int32_t *pp)
{
  PetscInt n   = pk->n;
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  double s = 0, lanes[4];

  for (PetscInt a = 0; a < n; a++) {
    __m256i base = _mm256_set1_epi32(pp[a] * (int32_t)n);
    PetscInt b   = pk->upper ? a + 1 : 0;
    for (; b + 8 <= n; b += 8, row += 8) {
      __m256i idx = _mm256_add_epi32(base, _mm256_loadu_si256((const __m256i *)(pp + b)));
      __m256 g    = _mm256_i32gather_ps(tab, idx, 4);
      __m256i av  = _mm256_loadu_si256((const __m256i *)row);
      acc0 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(av)), _mm256_cvtps_pd(_mm256_castps256_ps128(g)),
                             acc0);
      acc1 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(av, 1)),
                             _mm256_cvtps_pd(_mm256_extractf128_ps(g, 1)), acc1);
    }
    for (; b < n; b++)
      s += (double)*row++ * (double)tab[pp[a] * n + pp[b]];
  }
  _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
  return s + lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

double PermKernelExactDot(PermKernel pk, PetscInt t, PetscInt i, PetscInt p)
{
  const float *tab  = pk->ftp[t];
  const int32_t *pp = pk->pr + (size_t)p * pk->n;

  return pk->type == PERM_KERNEL_AVX512_F32 ? ExactDot512(pk, pk->rows[i], tab, pp)
                                            : ExactDot256(pk, pk->rows[i], tab, pp);
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
  PetscCall(PetscFree2(pk->rows, pk->wnorm));
  PetscCall(PetscFree3(pk->ftp, pk->tnorm, pk->ftab));
  PetscCall(PetscFree3(pk->reg, pk->regf, pk->regnorm));
  PetscCall(PetscFree(pk->pr));
  PetscCall(PetscFree(pk));
  *pkp = NULL;
  PetscFunctionReturn(PETSC_SUCCESS);
}
