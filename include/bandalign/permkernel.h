/* permkernel.h: the exact matrix product at the heart of the permutation test, channel ranks
   times permuted layer ranks, with its own register-blocked AVX-512 and AVX2 kernels. */
#ifndef BANDALIGN_PERMKERNEL_H
#define BANDALIGN_PERMKERNEL_H

#include <bandalign/bandalign.h>

typedef enum {
  PERM_KERNEL_BLAS,   /* gather then cblas_dgemm: any CPU */
  PERM_KERNEL_AVX2,   /* own AVX2 + FMA kernel and gathers */
  PERM_KERNEL_AVX512, /* own AVX-512F + FMA kernel and gathers */
  PERM_KERNEL_BEST    /* the fastest this CPU runs */
} PermKernelType;

/* "blas", "avx2", "avx512", "best" (a PETSc enum list, for PetscOptionsGetEnum) */
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

/* Copies m rows of K integers (rows[i][k], |value| < 2^31; the caller keeps them) into the
   kernel's packed layout, replacing earlier rows. Memory: 8 m K bytes. */
PetscErrorCode PermKernelSetRows(PermKernel pk, PetscInt m, const int32_t *const *rows);

/* d[(t m + i) ldd + p] = sum over entries k = (a, b) of rows[i][k] tables[t][perm_p[a] n +
   perm_p[b]] for the ntables tables (n x n), the m rows of the last PermKernelSetRows and the
   np <= pmax permutations perm_p = perm + p n, with ldd >= np. Tables hold integers.
   wanted (NULL: every row of every table) is [ntables][m], marking the rows needed for each
   table; rows not marked may or may not be computed. Exact, hence identical for every
   kernel and thread count, as long as every partial sum of a product is an integer below
   2^53 in magnitude (which sum |rows[i][k]| |table entries| < 2^53 guarantees). Runs on
   nthreads threads (1: the caller's only; PERM_KERNEL_BLAS gathers on nthreads and
   multiplies on the OpenBLAS threads). */
PetscErrorCode PermKernelProduct(PermKernel pk, PetscInt ntables, const double *const *tables, PetscInt np,
                                 const PetscInt *perm, const char *wanted, PetscInt nthreads, double *d, PetscInt ldd);

PetscErrorCode PermKernelDestroy(PermKernel *pk);

#endif
