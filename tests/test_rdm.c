/* test_rdm.c: unit tests of the layer RDMs, and (with arguments) the driver of
   tests/t_rdm.sh, which compares them with scipy.spatial.distance.pdist.

   Driver: test_rdm ACT NIMAGES NCOLS BLOCK OUT reads activations float32 [NIMAGES][NCOLS]
   from ACT, accumulates them in column blocks of BLOCK columns (each copied to its own
   [NIMAGES][width] array, as the network module streams them) and writes the Euclidean then
   the correlation RDM, float64 [2][NIMAGES][NIMAGES], to OUT. */
#include <bandalign/rdm.h>
#include <check.h>

static PetscErrorCode Driver(char **argv)
{
  PetscInt n = atoi(argv[2]), ncols = atoi(argv[3]), block = atoi(argv[4]);
  float *act, *blk;
  double *gram, *rowsum, *rdm;
  FILE *f;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2((size_t)n * ncols, &act, (size_t)n * block, &blk));
  PetscCall(PetscCalloc3((size_t)n * n, &gram, n, &rowsum, (size_t)2 * n * n, &rdm));
  f = fopen(argv[1], "rb");
  PetscCheck(f && fread(act, sizeof(float), (size_t)n * ncols, f) == (size_t)n * ncols, PETSC_COMM_SELF,
             PETSC_ERR_FILE_READ, "%s: cannot read activations", argv[1]);
  fclose(f);
  for (PetscInt c0 = 0; c0 < ncols; c0 += block) {
    PetscInt w = ncols - c0 < block ? ncols - c0 : block;
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = 0; k < w; k++)
        blk[i * w + k] = act[i * ncols + c0 + k];
    PetscCall(RdmGramAccumulate(n, w, blk, gram, rowsum));
  }
  PetscCall(RdmFromGram(n, ncols, gram, rowsum, BA_DISTANCE_EUCLIDEAN, rdm));
  PetscCall(RdmFromGram(n, ncols, gram, rowsum, BA_DISTANCE_CORRELATION, rdm + n * n));
  f = fopen(argv[5], "wb");
  PetscCheck(f && fwrite(rdm, sizeof(double), (size_t)2 * n * n, f) == (size_t)2 * n * n, PETSC_COMM_SELF,
             PETSC_ERR_FILE_WRITE, "%s: cannot write", argv[5]);
  fclose(f);
  PetscCall(PetscFree2(act, blk));
  PetscCall(PetscFree3(gram, rowsum, rdm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode UnitTests(void)
{
  /* three images, four features: image 1 is image 0 shifted by (3, 4, 0, 0); image 2 is
     2 * image 0 + 1 */
  const float act[12] = {1, 2, 3, 4, 4, 6, 3, 4, 3, 5, 7, 9};
  double gram[9] = {0}, rowsum[3] = {0}, rdm[9], gram2[9] = {0}, rowsum2[3] = {0}, rdm2[9];
  int sym = 1;

  PetscFunctionBegin;
  PetscCall(RdmGramAccumulate(3, 4, act, gram, rowsum));
  PetscCall(RdmFromGram(3, 4, gram, rowsum, BA_DISTANCE_EUCLIDEAN, rdm));
  CHECK(rdm[0] == 0 && rdm[4] == 0 && rdm[8] == 0, "Euclidean RDM has an exact zero diagonal");
  CHECK(fabs(rdm[1] - 5) < 1e-13, "Euclidean distance of a (3, 4) shift is 5 (got %.17g)", rdm[1]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      sym &= rdm[i * 3 + j] == rdm[j * 3 + i] && gram[i * 3 + j] == gram[j * 3 + i];
  CHECK(sym, "Gram matrix and RDM are exactly symmetric");
  PetscCall(RdmFromGram(3, 4, gram, rowsum, BA_DISTANCE_CORRELATION, rdm));
  CHECK(fabs(rdm[2]) < 1e-14 && rdm[0] == 0, "correlation distance of an affine image (2 x + 1) is 0 (got %g)", rdm[2]);
  /* the same activations in two column blocks {0,1} and {2,3} */
  {
    const float b0[6] = {1, 2, 4, 6, 3, 5}, b1[6] = {3, 4, 3, 4, 7, 9};
    PetscCall(RdmGramAccumulate(3, 2, b0, gram2, rowsum2));
    PetscCall(RdmGramAccumulate(3, 2, b1, gram2, rowsum2));
    PetscCall(RdmFromGram(3, 4, gram2, rowsum2, BA_DISTANCE_CORRELATION, rdm2));
    double err = 0;
    for (int i = 0; i < 9; i++)
      err = fmax(err, fabs(rdm2[i] - rdm[i]));
    CHECK(err < 1e-14 && rowsum2[2] == 24, "two column blocks give the same RDM as one (max diff %.1e)", err);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc == 6)
    PetscCall(Driver(argv));
  else {
    CheckPlan(5);
    PetscCall(UnitTests());
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
