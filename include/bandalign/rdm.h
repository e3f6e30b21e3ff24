/* rdm.h: representational dissimilarity matrices of network layers. */
#ifndef BANDALIGN_RDM_H
#define BANDALIGN_RDM_H

#include <bandalign/bandalign.h>

typedef enum { BA_DISTANCE_EUCLIDEAN, BA_DISTANCE_CORRELATION } BaDistance;
extern const char *const BaDistanceNames[]; /* "euclidean", "correlation" */

/* Accumulates a block of activation columns act[nimages][ncols] (float) into the Gram
   matrix gram[nimages][nimages] (+= A A^T, BLAS) and rowsum[nimages] (+= row sums), in
   double. Blocks must be added in a fixed order for reproducible results. */
PetscErrorCode RdmGramAccumulate(PetscInt nimages, PetscInt ncols, const float *act, double *gram, double *rowsum);

/* Turns the accumulated Gram matrix of nfeatures columns into a full symmetric RDM
   rdm[nimages][nimages] with zero diagonal: Euclidean distance, or 1 - Pearson correlation
   of the activation vectors. */
PetscErrorCode RdmFromGram(PetscInt nimages, PetscInt nfeatures, const double *gram, const double *rowsum, BaDistance distance,
                           double *rdm);

#endif
