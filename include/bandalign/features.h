/* features.h: bandalign-features files: per channel, image and ROI features and responsiveness. */
#ifndef BANDALIGN_FEATURES_H
#define BANDALIGN_FEATURES_H

#include <bandalign/h5io.h>
#include <bandalign/roi.h>

/* Metadata of a features file, the same on every rank. */
typedef struct {
  BaH5File file;
  PetscInt nimages;
  char **image_name;   /* [nimages], analysis order (sorted by name) */
  PetscInt nchannels;  /* rows of every per-channel dataset */
  char **patient;      /* [nchannels] patient id of each channel */
  char **channel_name; /* [nchannels] */
  double *mni;         /* [nchannels * 3] */
  int *n_artifacts;    /* [nchannels] (filled on open; on create, written per block) */
} Features;

/* One block of consecutive channel rows computed by one rank. */
typedef struct {
  PetscInt nrows;
  float *feature;    /* [BA_NROIS][nrows][nimages] */
  double *resp_p;    /* [BA_NROIS][nrows] Wilcoxon p of window vs baseline */
  uint8_t *increase; /* [BA_NROIS][nrows] mean window power > mean baseline power */
  int *n_artifacts;  /* [nrows] */
} FeaturesBlock;

/* Creates path (under a temporary name) with the metadata every rank passes identically,
   creates every dataset and records provenance. Collective. */
PetscErrorCode FeaturesCreate(const BaContext *ctx, const char *path, PetscInt nimages, char *const *image_name,
                              PetscInt nchannels, char *const *patient, char *const *channel_name, const double *mni,
                              Features *ff);

/* Writes rows [lo, lo + b->nrows) from each rank. Collective: every rank calls, with
   nrows = 0 where it has nothing to write. */
PetscErrorCode FeaturesWriteBlock(Features *ff, PetscInt lo, const FeaturesBlock *b);

/* Finishes the file and renames it into place. Collective. */
PetscErrorCode FeaturesCommit(Features *ff);

/* Opens and validates a features file on every rank: format, shapes, every ROI present,
   values finite where they must be. On error ff is closed and holds nothing. Collective. */
PetscErrorCode FeaturesOpen(MPI_Comm comm, const char *path, Features *ff);

/* Reads rows [lo, hi) of one ROI: feature [hi-lo][nimages], resp_p [hi-lo], increase
   [hi-lo] (any may be NULL). Collective. */
PetscErrorCode FeaturesReadRoi(Features *ff, int roi, PetscInt lo, PetscInt hi, float *feature, double *resp_p,
                               uint8_t *increase);

/* Closes (abandoning a file being written) and frees everything. Collective. */
PetscErrorCode FeaturesClose(Features *ff);

/* Allocates and frees a block of nrows rows for nimages images. */
PetscErrorCode FeaturesBlockCreate(PetscInt nrows, PetscInt nimages, FeaturesBlock *b);
PetscErrorCode FeaturesBlockDestroy(FeaturesBlock *b);

#endif
