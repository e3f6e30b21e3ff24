/* permtest.h: Spearman RSA of channels against layers and its shared permutation null. */
#ifndef BANDALIGN_PERMTEST_H
#define BANDALIGN_PERMTEST_H

#include <bandalign/bandalign.h>

/* The i-th permutation of n image labels for a seed: Fisher-Yates driven by Philox4x32-10
   (Random123) with key (seed low 32 bits, seed high 32 bits) and counter (index, block, 0, 0);
   the same on every rank and for every channel. */
void PermutationDraw(uint64_t seed, uint64_t index, PetscInt n, PetscInt *perm);

/* Per (channel, layer) state of the sequential test; plain data so it can be checkpointed. */
typedef struct {
  int64_t b;     /* permutations so far with rho_perm >= rho_obs */
  int64_t used;  /* permutations looked at so far */
  int32_t done;  /* 1: stopped early (b reached the sequential limit) */
  int32_t pad;
} PermCount;

typedef struct _p_PermTest *PermTest;

/* Ranks the layer RDMs (rdm[l] is a full symmetric [nimages][nimages] matrix) once.
   canonical: pairs i < j; kuzovkin2018: the full matrices, layer RDMs rounded to 6
   decimals. seed keys the permutation stream. sequential_h > 0 stops a pair once b reaches
   it (Besag-Clifford); 0 runs every permutation. Not collective. */
PetscErrorCode PermTestCreate(PetscInt nimages, PetscInt nlayers, const double *const *rdm, BaProtocol protocol, uint64_t seed,
                              PetscInt sequential_h, PermTest *pt);

/* Observed Spearman rho of nch channels (features x[c][nimages]) with every layer:
   rho[c * nlayers + l]. Also ranks the channels for PermTestRun. */
PetscErrorCode PermTestObserve(PermTest pt, PetscInt nch, const float *x, double *rho);

/* Runs permutations [first, last) on the channels of the last PermTestObserve, updating
   count[c * nlayers + l]. If maxnull is not NULL, maxnull[i - first] receives the largest
   rho over these channels and layers under permutation i (for max-statistic FWER; needs
   sequential_h = 0). Results do not depend on how [0, m) is cut into calls. */
PetscErrorCode PermTestRun(PermTest pt, PetscInt first, PetscInt last, PermCount *count, double *maxnull);

/* p-value of one pair after m permutations: h / used where stopped early, otherwise
   (b + 1) / (m + 1) (canonical) or b / m (kuzovkin2018). */
double PermTestPValue(PermTest pt, const PermCount *c, PetscInt m);

PetscErrorCode PermTestDestroy(PermTest *pt);

#endif
