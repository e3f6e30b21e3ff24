/* truth.h: bandalign-truth files: what simulate planted in every channel.

   Layout (docs/interface.md): root attribute hierarchy_band (a band name or "none");
   /channels/patient and /channels/name (strings, as in the dataset), /channels/planted_band
   int32 [N] (index into BaBands, -1 = none), /channels/planted_layer int32 [N] (-1 = none),
   /channels/gain float64 [N], /channels/area int32 [N] (Brodmann area),
   /channels/power_increase float64 [N], /channels/mni float64 [N, 3]; written in that order
   after the provenance attributes. */
#ifndef BANDALIGN_TRUTH_H
#define BANDALIGN_TRUTH_H

#include <bandalign/h5io.h>

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
} Truth;

/* Writes the truth file at path (under a temporary name, renamed when complete; removed on
   any error) with the provenance of ctx. Every rank passes hierarchy_band and nchannels;
   the arrays are rank 0's (other ranks' are not read). Collective on comm. */
PetscErrorCode TruthWrite(MPI_Comm comm, const char *path, const BaContext *ctx, const Truth *truth);

/* Reads on the calling rank alone what the recovery check needs: hierarchy_band, patient,
   name, planted_band (checked: -1 .. BA_NBANDS - 1) and planted_layer; area, gain,
   power_increase and mni are left NULL. A missing file, attribute or dataset, an unknown
   band name or datasets of different lengths is an input error naming the file. Free with
   TruthDestroy. Not collective. */
PetscErrorCode TruthRead(const char *path, Truth *truth);

/* Frees what TruthRead allocated (NULL arrays are skipped) and zeroes truth. */
PetscErrorCode TruthDestroy(Truth *truth);

#endif
