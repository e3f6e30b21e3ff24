/* cohort.h: every features file of an rsa run, read as one cohort: the parts of a job array
 * (or any split of the channels into files) in the order given, global channel g living in
 * file f at row g - first[f]. */
#ifndef BANDALIGN_COHORT_H
#define BANDALIGN_COHORT_H

#include <bandalign/features.h>

#define BA_MAX_FEATURE_FILES 256

typedef struct {
  PetscInt nfiles;
  Features file[BA_MAX_FEATURE_FILES];
  PetscInt first[BA_MAX_FEATURE_FILES + 1];
  PetscInt n, nimages;
  char **patient, **name; /* [n], borrowed from the files */
  double *mni;            /* [n * 3] */
} Cohort;

/* Opens every file of the comma-separated list and checks that they describe the same
   images in the same order and that no channel (patient and name) is in two places. On
   error c is closed and holds nothing. Collective. */
PetscErrorCode CohortOpen(MPI_Comm comm, const char *list, Cohort *c);

/* The path of the file that holds global channel g (for messages). */
const char *CohortFileOf(const Cohort *c, PetscInt g);

/* Reads global rows [lo, hi) of one ROI across the files (any of the outputs may be NULL).
   A responsive_p that is not a p-value in [0, 1] (NaN included) is an input error on every
   rank naming the file and the channel. Collective: every rank visits every file. */
PetscErrorCode CohortReadRoi(Cohort *c, int roi, PetscInt lo, PetscInt hi, float *feature, double *resp_p,
                             uint8_t *increase);

PetscErrorCode CohortClose(Cohort *c);

#endif
