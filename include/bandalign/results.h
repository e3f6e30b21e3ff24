/* results.h: bandalign-results files: RSA statistics, significance, anatomy and alignment. */
#ifndef BANDALIGN_RESULTS_H
#define BANDALIGN_RESULTS_H

#include <bandalign/alignment.h>
#include <bandalign/atlas.h>
#include <bandalign/h5io.h>
#include <bandalign/roi.h>

/* Per-ROI arrays over all channels, [nchannels] or [nchannels][nlayers]. */
typedef struct {
  uint8_t *responsive;
  double *rho, *pvalue, *qvalue; /* NaN where not tested */
  uint8_t *significant;
  int64_t *permutations_used; /* permutations behind each p (0 where not tested); NULL in older files */
  double *noise;              /* [nsplits] alignment rho of random half-cohorts */
} ResultsRoiData;

typedef struct {
  BaH5File file;
  char protocol[32], correction[32];
  PetscInt permutations, permutations_max, nsplits;
  char strategy[16];     /* permutation strategy: full or adaptive ("full" in older files) */
  double adaptive_delta; /* adaptive: bound on the chance that any discovery differs from full */
  double q;
  PetscInt nimages, nlayers, nchannels;
  char **image_name, **layer_name, **patient, **channel_name; /* [nimages], [nlayers], [nchannels] x2 */
  double *mni;                                                /* [nchannels * 3] */
  int *area;                                                  /* [nchannels] Brodmann label, 0 = none */
  ResultsRoiSummary roi[BA_NROIS];
  ResultsRoiData data[BA_NROIS];            /* filled by ResultsOpen only */
  double compare_p[BA_NROIS * BA_NROIS];    /* Bonferroni-corrected one-sided Mann-Whitney p: row better than column */
  double *layer_corr;                       /* [nlayers * nlayers] or NULL when absent */
  char options[4096];                       /* options text of the run that wrote it (truncated) */
  PetscBool has_control;                    /* the run tested a control network too (-control_network) */
  char control_network[PETSC_MAX_PATH_LEN]; /* its file */
  ResultsRoiSummary control[BA_NROIS];      /* the control's summaries (noise_median NaN) */
} Results;

/* Creates path under a temporary name with channel, image and layer metadata (identical on
   every rank), provenance and the run's settings; creates every per-ROI dataset. Collective. */
PetscErrorCode ResultsCreate(const BaContext *ctx, const char *path, Results *res);

/* Writes rows [lo, hi) of one ROI from each rank: responsive [hi-lo], rho/pvalue/qvalue
   [hi-lo][nlayers], significant [hi-lo][nlayers] and the permutations behind each p
   [hi-lo][nlayers]. Collective. */
PetscErrorCode ResultsWriteRoiRows(Results *res, int roi, PetscInt lo, PetscInt hi, const uint8_t *responsive,
                                   const double *rho, const double *pvalue, const double *qvalue,
                                   const uint8_t *significant, const int64_t *permutations_used);

/* Writes the ROI's summary (attributes and area_layer) and noise distribution, and the ROI
   comparison matrix. Collective, same values on every rank. */
PetscErrorCode ResultsWriteRoiSummary(Results *res, int roi, const ResultsRoiSummary *s, const double *noise);
/* Writes the control network's summary of one ROI (/control/<roi>: attributes and
   area_layer). Collective, same values on every rank. */
PetscErrorCode ResultsWriteControlSummary(Results *res, int roi, const ResultsRoiSummary *s);
PetscErrorCode ResultsWriteComparisons(Results *res, const double *compare_p);

/* Writes /layers/rdm_correlation [nlayers][nlayers]: Spearman rho between layer RDMs. */
PetscErrorCode ResultsWriteLayerCorrelation(Results *res, const double *corr);
PetscErrorCode ResultsCommit(Results *res);

/* Reads a whole results file on the calling ranks (for report: small). Values that rsa
   cannot write (rho outside [-1, 1], p or q outside [0, 1], rho NaN where p is not, a
   significant pair that is not responsive, counts out of range, ...) are input errors
   naming the file and the place; res is then closed and holds nothing. Collective. */
PetscErrorCode ResultsOpen(MPI_Comm comm, const char *path, Results *res);

PetscErrorCode ResultsClose(Results *res);

#endif
