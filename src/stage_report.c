/* stage_report.c: placeholder until the report stage lands. */
#include <bandalign/stage.h>
#include <bandalign/context.h>

PetscErrorCode StageReport(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_SUP, "stage report is not built yet");
}
