/* stage_simulate.c: placeholder until the simulate stage lands. */
#include <bandalign/stage.h>
#include <bandalign/context.h>

PetscErrorCode StageSimulate(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "stage simulate is not built yet");
}
