/* permkernel.h: the matrix product at the heart of the permutation test, channel ranks times
   permuted layer ranks, with its own register-blocked AVX-512 and AVX2 kernels: exact in
   double, or screened in float32 with a proven error bound and exact dot products on demand. */
#ifndef BANDALIGN_PERMKERNEL_H
#define BANDALIGN_PERMKERNEL_H

#include <bandalign/bandalign.h>

typedef enum {
  PERM_KERNEL_BLAS,      /* gather then cblas_dgemm: any CPU */
  PERM_KERNEL_AVX2,      /* own AVX2 + FMA kernel and gathers */
  PERM_KERNEL_AVX512,    /* own AVX-512F + FMA kernel and gathers */
  PERM_KERNEL_BEST,      /* the fastest this CPU runs: avx512_f32, else avx2_f32, else blas */
  PERM_KERNEL_AVX2_F32,  /* AVX2 + FMA in float32 blocks: within PermKernelErrorBound */
  PERM_KERNEL_AVX512_F32 /* AVX-512F + FMA in float32 blocks: within PermKernelErrorBound */
} PermKernelType;

/* "blas", "avx2", "avx512", "best", "avx2_f32", "avx512_f32" (a PETSc enum list, for
   PetscOptionsGetEnum; the screened kernels come after "best" so that the first four keep
   their values) */
extern const char *const PermKernelTypeNames[];

/* Can this CPU run the kernel? (PERM_KERNEL_BLAS and _BEST always can.) */
PetscBool PermKernelAvailable(PermKernelType type);

typedef struct _p_PermKernel *PermKernel;

/* A kernel for the entries of n x n matrices: the pairs (a, b) with a < b in row order
   (upper) or every (a, b) in row order; K entries in all. Products take at most pmax
   permutations. PETSC_ERR_SUP if the CPU cannot run type. Not collective. */
PetscErrorCode PermKernelCreate(PermKernelType type, PetscInt n, PetscBool upper, PetscInt pmax, PermKernel *pk);

/* The kernel actually used (BEST resolved). */
PermKernelType PermKernelGetType(PermKernel pk);

/* Copies m rows of K integers (rows[i][k], |value| < 2^31, < 2^24 for the float32 kernels)
   into the kernel's packed layout, replacing earlier rows. The caller keeps the rows; the
   float32 kernels read them again for PermKernelExactDot, so they must stay unchanged until
   the next PermKernelSetRows or PermKernelDestroy. Memory: 8 m K bytes (float32: 4 m K). */
PetscErrorCode PermKernelSetRows(PermKernel pk, PetscInt m, const int32_t *const *rows);

/* Tables the caller will pass to PermKernelProduct again and again, unchanged while the
   kernel lives (the caller keeps them): the float32 kernels convert them and take their
   norms once here, instead of at every product (tables not registered still work). A new
   call replaces the registered set. Nothing for the double kernels. */
PetscErrorCode PermKernelSetTables(PermKernel pk, PetscInt ntables, const double *const *tables);

/* d[(t m + i) ldd + p] = sum over entries k = (a, b) of rows[i][k] tables[t][perm_p[a] n +
   perm_p[b]] for the ntables tables (n x n), the m rows of the last PermKernelSetRows and the
   np <= pmax permutations perm_p = perm + p n, with ldd >= np. Tables hold integers.
   wanted (NULL: every row of every table) is [ntables][m], marking the rows needed for each
   table; rows not marked may or may not be computed. The double kernels are exact, hence
   identical for every kernel and thread count, as long as every partial sum of a product is
   an integer below 2^53 in magnitude (which sum |rows[i][k]| |table entries| < 2^53
   guarantees). The float32 kernels (table entries integers below 2^24 in magnitude, else
   PETSC_ERR_ARG_OUTOFRANGE) give d within PermKernelErrorBound of the exact product, the
   same for every thread count. Runs on nthreads threads (1: the caller's only;
   PERM_KERNEL_BLAS gathers on nthreads and multiplies on the OpenBLAS threads). */
PetscErrorCode PermKernelProduct(PermKernel pk, PetscInt ntables, const double *const *tables, PetscInt np,
                                 const PetscInt *perm, const char *wanted, PetscInt nthreads, double *d, PetscInt ldd);

/* A bound on |d - exact| for table t and row i of the last PermKernelProduct, whatever the
   permutation: 0 for the double kernels. It holds a margin for the caller's double
   arithmetic on numbers below 2^53 (relative 1e-9 and 1 absolute), so d - thr > bound
   proves exact > thr and thr - d > bound proves exact < thr for any threshold thr. */
double PermKernelErrorBound(PermKernel pk, PetscInt t, PetscInt i);

/* The exact product of table t, row i and permutation p (0 <= p < np) of the last
   PermKernelProduct, as an integer in double: what the double kernels put in d. Float32
   kernels only (they keep the tables and permutations of the last product); reads the rows
   given to PermKernelSetRows. Costs K gathered multiplies. */
double PermKernelExactDot(PermKernel pk, PetscInt t, PetscInt i, PetscInt p);

PetscErrorCode PermKernelDestroy(PermKernel *pk);

#endif
