/* stage.h: the pipeline stages and the log stages and events that profile them. */
#ifndef BANDALIGN_STAGE_H
#define BANDALIGN_STAGE_H

#include <bandalign/bandalign.h>

/* Log stages (one per pipeline stage) and events (one per kernel or I/O step), registered
   once by LogRegister so that -log_view breaks the time down. */
typedef struct {
  PetscLogStage simulate, features, rsa, report;
  PetscLogEvent io_read, io_write, preprocess, morlet, roi, wilcoxon, rdm, ranks, permutation, correction, alignment,
      simulate_signal;
} BaLog;

extern BaLog BaLogIds;

PetscErrorCode LogRegister(void);

/* Each stage runs on PETSC_COMM_WORLD with its options in the database. Collective. */
PetscErrorCode StageSimulate(void);
PetscErrorCode StageFeatures(void);
PetscErrorCode StageRsa(void);
PetscErrorCode StageReport(void);
PetscErrorCode StageRun(void);
PetscErrorCode StageImportBids(void);
PetscErrorCode StageImportKuzovkin(void);

/* A stage's options only: read, range-checked, their help printed with -help; no inputs are
   opened. run reads every stage's options this way before any work. Collective. */
PetscErrorCode StageSimulateOptions(void);
PetscErrorCode StageFeaturesOptions(void);
PetscErrorCode StageRsaOptions(void);
PetscErrorCode StageReportOptions(void);

#endif
