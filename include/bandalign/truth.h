/* truth.h: bandalign-truth files: what simulate planted in every channel.

   Layout (docs/interface.md): root attribute hierarchy_band (a band name or "none");
   /channels/patient and /channels/name (strings, as in the dataset), /channels/planted_band
   int32 [N] (index into BaBands, -1 = none), /channels/planted_layer int32 [N] (-1 = none),
   /channels/gain float64 [N], /channels/area int32 [N] (Brodmann area),
   /channels/power_increase float64 [N], /channels/mni float64 [N, 3], /channels/hierarchy
   int32 [N] (1: the layer follows the area along the ventral stream), /channels/course int32
   [N] (encoding time course: 0 full, 1 early, 2 middle, 3 late), /channels/outer_layer int32
   [N] (the random layer coded before and after a middle course, -1 = none); written in that order after
   the provenance attributes. Then the profile: root attribute profile ("single" or
   "kuzovkin2018") and per ROI (band order, then window order) /rois/planted_responsive,
   /rois/planted_encoding, /rois/planted_hierarchy, /rois/expected_aligned int32 [15]
   (-1 = no expectation), /rois/expected_rho, /rois/expected_responsive float64 [15] (NaN =
   none). Files written before the profiles have neither; they read as profile single. */
#ifndef BANDALIGN_TRUTH_H
#define BANDALIGN_TRUTH_H

#include <bandalign/h5io.h>
#include <bandalign/roi.h>

typedef struct {
  int hierarchy_band;     /* band index carrying the ventral hierarchy, -1 = none */
  PetscInt nchannels;     /* N */
  char **patient, **name; /* [N] patient and channel name, the channel's key */
  int *planted_band;      /* [N] band of the channel's encoding, -1 = none */
  int *planted_layer;     /* [N] layer it encodes, -1 = none */
  int *area;              /* [N] Brodmann area */
  double *gain;           /* [N] encoding gain */
  double *power_increase; /* [N] response power increase */
  double *mni;            /* [N][3] MNI coordinates */
  int *hierarchy;         /* [N] 1: the layer follows the area (written, not read) */
  int *course;            /* [N] encoding time course (written, not read) */
  int *outer_layer;       /* [N] layer coded before and after a middle course, -1 none (written, not read) */
  char profile[32];       /* "single" or "kuzovkin2018" */
  PetscBool has_rois;     /* the per-ROI profile below was read (or is to be written) */
  int roi_responsive[BA_NROIS], roi_encoding[BA_NROIS], roi_hierarchy[BA_NROIS]; /* planted, per ROI */
  int roi_expected_aligned[BA_NROIS];                                            /* 1, 0, -1 = no expectation */
  double roi_expected_rho[BA_NROIS];                                             /* NaN: none */
  double roi_expected_responsive[BA_NROIS];                                      /* NaN: none */
} Truth;

/* Writes the truth file at path (under a temporary name, renamed when complete; removed on
   any error) with the provenance of ctx. Every rank passes hierarchy_band and nchannels;
   the arrays are rank 0's (other ranks' are not read). Collective on comm. */
PetscErrorCode TruthWrite(MPI_Comm comm, const char *path, const BaContext *ctx, const Truth *truth);

/* Reads on the calling rank alone what the recovery check needs: hierarchy_band, patient,
   name, planted_band (checked: -1 .. BA_NBANDS - 1), planted_layer, and the profile with its
   per-ROI table where the file has them (profile "single" and has_rois false otherwise);
   area, gain, power_increase, mni, hierarchy and course are left NULL. A missing file, attribute or dataset, an unknown
   band name or datasets of different lengths is an input error naming the file. Free with
   TruthDestroy. Not collective. */
PetscErrorCode TruthRead(const char *path, Truth *truth);

/* Frees what TruthRead allocated (NULL arrays are skipped) and zeroes truth. */
PetscErrorCode TruthDestroy(Truth *truth);

#endif
