/* log.c: the PETSc log stages and events of bandalign, registered in one place. */
#include <bandalign/stage.h>

BaLog BaLogIds;

PetscErrorCode LogRegister(void)
{
  PetscClassId id;
  BaLog *l = &BaLogIds;

  PetscFunctionBegin;
  PetscCall(PetscClassIdRegister("bandalign", &id));
  PetscCall(PetscLogStageRegister("Simulate", &l->simulate));
  PetscCall(PetscLogStageRegister("Features", &l->features));
  PetscCall(PetscLogStageRegister("RSA", &l->rsa));
  PetscCall(PetscLogStageRegister("Report", &l->report));
  PetscCall(PetscLogEventRegister("IORead", id, &l->io_read));
  PetscCall(PetscLogEventRegister("IOWrite", id, &l->io_write));
  PetscCall(PetscLogEventRegister("Preprocess", id, &l->preprocess));
  PetscCall(PetscLogEventRegister("Morlet", id, &l->morlet));
  PetscCall(PetscLogEventRegister("RoiReduce", id, &l->roi));
  PetscCall(PetscLogEventRegister("Wilcoxon", id, &l->wilcoxon));
  PetscCall(PetscLogEventRegister("LayerRDM", id, &l->rdm));
  PetscCall(PetscLogEventRegister("Ranks", id, &l->ranks));
  PetscCall(PetscLogEventRegister("Permutations", id, &l->permutation));
  PetscCall(PetscLogEventRegister("Correction", id, &l->correction));
  PetscCall(PetscLogEventRegister("Alignment", id, &l->alignment));
  PetscCall(PetscLogEventRegister("SimSignal", id, &l->simulate_signal));
  PetscFunctionReturn(PETSC_SUCCESS);
}
