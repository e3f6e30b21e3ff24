/* rdm.h: representational dissimilarity matrices of network layers. */
#ifndef BANDALIGN_RDM_H
#define BANDALIGN_RDM_H

#include <bandalign/bandalign.h>

typedef enum { BA_DISTANCE_EUCLIDEAN, BA_DISTANCE_CORRELATION } BaDistance;
extern const char *const BaDistanceNames[]; /* "euclidean", "correlation" */

/* Accumulates a block of activation columns act[nimages][ncols] (float) into the Gram
   matrix gram[nimages][nimages] (+= A A^T, BLAS) and rowsum[nimages] (+= row sums), in
   double (the full symmetric matrix is kept up to date). Blocks must be added in a fixed
   order for reproducible results. gram and rowsum start zeroed. */
PetscErrorCode RdmGramAccumulate(PetscInt nimages, PetscInt ncols, const float *act, double *gram, double *rowsum);

/* Turns the accumulated Gram matrix of nfeatures columns into a full symmetric RDM
   rdm[nimages][nimages] with zero diagonal: Euclidean distance, or 1 - Pearson correlation
   of the activation vectors (NaN for an image whose activations are constant, as scipy's
   pdist), both computed from the Gram matrix (a distance much smaller than the vectors'
   norms loses digits to cancellation). */
PetscErrorCode RdmFromGram(PetscInt nimages, PetscInt nfeatures, const double *gram, const double *rowsum,
                           BaDistance distance, double *rdm);

/* The upper triangle of a square RDM m[n][n] as a vector v[n (n - 1) / 2], pairs (i, j),
   i < j, row by row: (0,1), (0,2), ..., (0,n-1), (1,2), ... (scipy's squareform order, the
   order rsatoolbox stores). RdmFromVector is the inverse: a full symmetric m, zero diagonal. */
void RdmToVector(PetscInt n, const double *m, double *v);
void RdmFromVector(PetscInt n, const double *v, double *m);

/* A channel's RDM as the rsa stage correlates it, in the vector order above:
   v[(i, j)] = |x_i - x_j| over its features x[n] (the differences taken in double). */
void RdmChannelVector(PetscInt n, const float *x, double *v);

#endif
