/* checkpoint.h: bandalign-checkpoint files, the state of an rsa run that -resume continues.
 *
 * Per ROI started so far, every responsive pair's counts (b, used, done) and extension
 * goal in global pair order (/ROI/count [pairs][4] int64; its attribute adaptive_level says
 * how many decision levels of -permutation_strategy adaptive the ROI has passed), and under -correction maxstat
 * each rank's running maximum null (/ROI/maxnull [ranks][m]). A pair's 'used' is where its
 * permutations stopped and its goal where an extension round takes it, so the counts alone
 * say where to resume, on any number of ranks, in the first m permutations as in the
 * extension rounds. The max-statistic null is a running maximum over each rank's channels,
 * so -correction maxstat resumes on the same number of ranks only. */
#ifndef BANDALIGN_CHECKPOINT_H
#define BANDALIGN_CHECKPOINT_H

#include <bandalign/context.h>
#include <bandalign/permtest.h>
#include <bandalign/roi.h>

/* The settings a checkpoint is valid for. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN]; /* -checkpoint F ("" = none) */
  double interval;               /* -checkpoint_interval: seconds between saves */
  PetscInt permutations, permutations_max, sequential;
  uint64_t hash; /* of the inputs and options the counts depend on (BaHash64) */
} CheckpointSettings;

/* The state a checkpoint holds, and when it was last saved. Each rank holds its own pairs
   [pair_lo, pair_hi) of the ROI's npairs_global. */
typedef struct {
  PermCount *counts[BA_NROIS]; /* my pairs' counts */
  int64_t *goal[BA_NROIS];     /* my pairs' extension goals (0 = none) */
  double *maxnull[BA_NROIS];   /* maxstat: my channels' running maximum null rho [m] */
  PetscInt level[BA_NROIS];    /* adaptive strategy: decision levels passed (adaptive.h) */
  PetscInt npairs_global[BA_NROIS], pair_lo[BA_NROIS], pair_hi[BA_NROIS];
  double t_last_save;       /* wall time of the last save */
  PetscInt extension_saves; /* checkpoints written while extending */
} RsaState;

/* Writes ROIs [0, nroi) of st to cs->path (atomically: temporary name, then rename). Collective. */
PetscErrorCode CheckpointSave(const BaContext *ctx, const CheckpointSettings *cs, int nroi, RsaState *st);

/* Whether a save is due: -checkpoint given and its interval passed (rank 0 decides), or a
   stop requested by a signal on any rank (ContextStopRequested); *stop says the latter, and
   the caller saves and stops. Collective. */
PetscErrorCode CheckpointDue(const BaContext *ctx, const CheckpointSettings *cs, const RsaState *st, PetscBool *save,
                             PetscBool *stop);

/* Loads this rank's counts and goals (and maxnull) of one ROI if the checkpoint has them;
 *found says so. A checkpoint written with other settings is refused. Collective. */
PetscErrorCode CheckpointLoadRoi(const BaContext *ctx, const CheckpointSettings *cs, int roi, RsaState *st,
                                 PetscBool *found);

#endif
