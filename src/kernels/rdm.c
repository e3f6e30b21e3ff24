/* rdm.c: layer RDMs from the Gram matrix of the activations.
 *
 * A layer has up to 290,400 activations per image, far more than fit in memory as doubles
 * for 250 images at once, and both distances of the analysis depend on the activations
 * only through their Gram matrix A A^T and row sums. So the network module streams column
 * blocks of the layer through RdmGramAccumulate (one BLAS rank-k update per block, on a
 * double copy so that the Gram matrix is accumulated in double) and the RDM is formed at
 * the end. The price is cancellation: a Euclidean distance much smaller than the norms
 * (or a correlation distance of nearly collinear centred vectors) loses digits relative to
 * forming differences directly; for network activations of distinct images this is far
 * below anything a rank statistic sees. */
#include <bandalign/rdm.h>
#include <cblas.h>
#include <math.h>

const char *const BaDistanceNames[] = {"euclidean", "correlation", NULL};

/* Columns converted to double per BLAS call: 250 images x 4096 columns is 8 MB. */
#define RDM_CHUNK 4096

PetscErrorCode RdmGramAccumulate(PetscInt nimages, PetscInt ncols, const float *act, double *gram, double *rowsum)
{
  PetscInt n = nimages, w = ncols < RDM_CHUNK ? ncols : RDM_CHUNK;
  double *a;

  PetscFunctionBegin;
  if (n <= 0 || ncols <= 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1((size_t)n * (size_t)w, &a));
  for (PetscInt c0 = 0; c0 < ncols; c0 += w) {
    PetscInt nc = ncols - c0 < w ? ncols - c0 : w;
    for (PetscInt i = 0; i < n; i++) {
      const float *src = act + (size_t)i * (size_t)ncols + (size_t)c0;
      double *dst = a + (size_t)i * (size_t)nc, s = 0;
      for (PetscInt k = 0; k < nc; k++) {
        dst[k] = (double)src[k];
        s += dst[k];
      }
      rowsum[i] += s;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)nc, 1.0, a, (int)nc, 1.0, gram, (int)n);
  }
  PetscCall(PetscFree(a));
  /* dsyrk updated the upper triangle only; the lower one mirrors it */
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++)
      gram[(size_t)j * n + i] = gram[(size_t)i * n + j];
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RdmFromGram(PetscInt nimages, PetscInt nfeatures, const double *gram, const double *rowsum,
                           BaDistance distance, double *rdm)
{
  PetscInt n = nimages;
  double p = (double)nfeatures, *cdiag = NULL;

  PetscFunctionBegin;
  PetscCheck(nfeatures > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "RDM of a layer with %" PetscInt_FMT " features",
             nfeatures);
  if (distance == BA_DISTANCE_CORRELATION) {
    PetscCall(PetscMalloc1(n, &cdiag));
    for (PetscInt i = 0; i < n; i++)
      cdiag[i] = gram[(size_t)i * n + i] - rowsum[i] * rowsum[i] / p;
  }
  for (PetscInt i = 0; i < n; i++) {
    rdm[(size_t)i * n + i] = 0;
    for (PetscInt j = i + 1; j < n; j++) {
      double g = gram[(size_t)i * n + j], d;
      if (distance == BA_DISTANCE_EUCLIDEAN) {
        double d2 = gram[(size_t)i * n + i] + gram[(size_t)j * n + j] - 2 * g;
        d         = sqrt(d2 > 0 ? d2 : 0);
      } else {
        /* 1 - Pearson r of rows i and j; NaN for a constant row, as scipy's pdist */
        double c = g - rowsum[i] * rowsum[j] / p;
        d        = 1 - c / sqrt(cdiag[i] * cdiag[j]);
      }
      rdm[(size_t)i * n + j] = d;
      rdm[(size_t)j * n + i] = d;
    }
  }
  PetscCall(PetscFree(cdiag));
  PetscFunctionReturn(PETSC_SUCCESS);
}

void RdmToVector(PetscInt n, const double *m, double *v)
{
  size_t q = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++)
      v[q++] = m[(size_t)i * n + j];
}

void RdmFromVector(PetscInt n, const double *v, double *m)
{
  size_t q = 0;
  for (PetscInt i = 0; i < n; i++) {
    m[(size_t)i * n + i] = 0;
    for (PetscInt j = i + 1; j < n; j++, q++) {
      m[(size_t)i * n + j] = v[q];
      m[(size_t)j * n + i] = v[q];
    }
  }
}

void RdmChannelVector(PetscInt n, const float *x, double *v)
{
  size_t q = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++)
      v[q++] = fabs((double)x[i] - (double)x[j]);
}
