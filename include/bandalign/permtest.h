/* permtest.h: Spearman RSA of channels against layers and its shared permutation null. */
#ifndef BANDALIGN_PERMTEST_H
#define BANDALIGN_PERMTEST_H

#include <bandalign/bandalign.h>
#include <bandalign/permkernel.h>

/* The index-th permutation of n image labels for a seed, into perm[n]: the same on every
   rank and for every channel. Fisher-Yates driven by Philox4x32-10 (Random123,
   philox4x32(ctr, key)) with key {seed & 0xffffffff, seed >> 32} and counter
   {index & 0xffffffff, block, index >> 32, 0}: perm = identity; for i = n-1 down to 1,
   u = the next 32-bit word of the stream (the 4 words of block 0 in order, then of block 1,
   ...), j = (u * (uint64_t)(i + 1)) >> 32, swap perm[i] and perm[j]. Permutation perm
   relabels the images of the layer RDMs, L'[a][b] = L[perm[a]][perm[b]], which is the same
   as permuting the channel's features by the inverse of perm. */
void PermutationDraw(uint64_t seed, uint64_t index, PetscInt n, PetscInt *perm);

/* Per (channel, layer) state of the sequential test; plain data so it can be checkpointed.
   Zero it before the first PermTestRun of a pair. */
typedef struct {
  int64_t b;    /* permutations so far with rho_perm >= rho_obs */
  int64_t used; /* permutations looked at so far */
  int32_t done; /* 1: stopped early (b reached the sequential limit); -1: no test, rho is
                   undefined (a constant channel or layer RDM), p is NaN; 2: stopped by the
                   adaptive strategy, its discovery settled (p from b and used as for 0) */
  int32_t pad;
} PermCount;

typedef struct _p_PermTest *PermTest;

/* Ranks the layer RDMs (rdm[l] is a full symmetric [nimages][nimages] matrix; the caller
   keeps ownership) once. canonical: Spearman over the pairs i < j; kuzovkin2018: over the
   full matrices, layer RDMs rounded to 6 decimals (methods.md section 7). seed keys the
   permutation stream. sequential_h > 0 stops a pair once b reaches it (Besag-Clifford);
   0 runs every permutation. kernel picks the product kernel (PERM_KERNEL_BEST unless
   testing; every kernel, float32-screened or exact, gives the same counts; the rsa stage
   reads it from -permtest_kernel). Not collective. Memory: 8 nlayers (nimages^2 + entries) bytes plus
   small permutation blocks (entries = 31,125 pairs for 250 images canonical, 62,500
   kuzovkin2018). PermTestRun runs on the OpenBLAS thread count (openblas_set_num_threads).
   Fails (PETSC_ERR_SUP) where the exact integer arithmetic of the test would overflow:
   entries (entries^2 - 1) / 3 >= 2^53, i.e. beyond about 775 images (canonical) or 548
   (kuzovkin2018), or where the CPU cannot run kernel. */
PetscErrorCode PermTestCreate(PetscInt nimages, PetscInt nlayers, const double *const *rdm, BaProtocol protocol,
                              uint64_t seed, PetscInt sequential_h, PermKernelType kernel, PermTest *pt);

/* Observed score of nch channels (features x[c][nimages]) with every layer:
   rho[c * nlayers + l], NaN where a channel's or layer's RDM is constant. canonical: the
   Spearman rho of the channel RDM |x_i - x_j| with the layer RDM over the pairs i < j.
   kuzovkin2018: channel RDM rounded to 3 decimals, both matrices scaled column by column
   to [0, 1] by their own minimum and maximum ((v - min) / (max - min), 0 for a constant
   column), Spearman over the full matrices, rounded to 4 decimals. Also ranks the channels
   for PermTestRun (replacing those of an earlier call): 12 nch entries bytes, so call it
   on chunks of a few hundred channels; results do not depend on the chunking. Non-finite
   features are an error. */
PetscErrorCode PermTestObserve(PermTest pt, PetscInt nch, const float *x, double *rho);

/* Runs permutations [first, last) on the channels of the last PermTestObserve, updating
   count[c * nlayers + l]; every pair not yet stopped must have used == first (error
   otherwise), so [0, m) is covered in order, in as many calls as wanted (checkpoint count
   between them). canonical counts rho_perm >= rho_obs; kuzovkin2018 compares the unscaled
   null score with the observed score, both rounded to 4 decimals. If maxnull is not NULL,
   maxnull[i - first] receives the largest rho (unrounded) over these channels and layers
   under permutation i, NaN if no pair has a defined rho (for max-statistic FWER; needs
   sequential_h = 0). The decisions are made on exact integer dot products, so counts and
   maxnull are bit-identical for any cut of [0, m) into calls, any split of the channels
   and any BLAS thread count. Uses OpenBLAS threads as set by the caller
   (openblas_set_num_threads; use 1 with one MPI rank per core). */
PetscErrorCode PermTestRun(PermTest pt, PetscInt first, PetscInt last, PermCount *count, double *maxnull);

/* Runs more permutations for some pairs of the last PermTestObserve: pair k, unless stopped
   or untestable, runs the permutations [used, min(goal[k], last)) of the same stream, from
   where it stands, with the same sequential rule; pairs with used >= goal[k] do not run.
   Pairs may stand at different counts (they are taken up as the permutation index reaches
   them), so a subset of the pairs can be taken further than the others. Counts are
   bit-identical to one PermTestRun of [0, goal[k]) for the pair alone, for any cut into
   calls, any split of the channels and any thread count. */
PetscErrorCode PermTestExtend(PermTest pt, const int64_t *goal, int64_t last, PermCount *count);

/* How many comparisons of a null dot product with a pair's threshold the runs so far made,
   and how many of them (and of the candidates for maxnull) the float32 kernels decided on an
   exact dot product because the float32 value was within its error bound of the threshold
   (0 for the double kernels). */
void PermTestScreening(PermTest pt, int64_t *compared, int64_t *recomputed);

/* p-value of one pair from its own count: h / used where stopped early (done 1), NaN where
   done = -1, otherwise (done 0 or 2) (b + 1) / (used + 1) (canonical) or b / used (kuzovkin2018), so a
   pair taken further by PermTestExtend gets the resolution of its own permutations. */
double PermTestPValue(PermTest pt, const PermCount *c);

PetscErrorCode PermTestDestroy(PermTest *pt);

#endif
