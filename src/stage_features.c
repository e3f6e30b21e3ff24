/* stage_features.c: placeholder until the features stage lands. */
#include <bandalign/stage.h>
#include <bandalign/context.h>

PetscErrorCode StageFeatures(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "stage features is not built yet");
}
