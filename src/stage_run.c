/* stage_run.c: placeholder until the run stage lands. */
#include <bandalign/stage.h>
#include <bandalign/context.h>

PetscErrorCode StageRun(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "stage run is not built yet");
}
