/* stage_rsa.c: placeholder until the rsa stage lands. */
#include <bandalign/stage.h>
#include <bandalign/context.h>

PetscErrorCode StageRsa(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "stage rsa is not built yet");
}
