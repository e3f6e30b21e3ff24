/* brainvision.h: BrainVision recordings (a .vhdr header, a binary .eeg data file). */
#ifndef BANDALIGN_BRAINVISION_H
#define BANDALIGN_BRAINVISION_H

#include <bandalign/signals.h>

typedef enum { BV_INT16, BV_INT32, BV_FLOAT32 } BvType;

/* Where and how the samples of a BrainVision recording are stored. */
typedef struct {
  char datafile[PETSC_MAX_PATH_LEN]; /* the header's DataFile, in the header's folder */
  BvType type;                       /* BinaryFormat, little-endian */
  PetscBool vectorized;              /* DataOrientation: channel after channel, else multiplexed */
} BvLayout;

/* Reads the header path (.vhdr) into sig and bv: every channel's name and scale (its
   resolution times its unit in microvolts, SignalUnitToMicrovolts), the common rate
   (1e6 / SamplingInterval) and the length the data file's size gives. Only DataFormat=BINARY
   in INT_16, INT_32 or IEEE_FLOAT_32 is read; anything else, a missing key, a channel
   listed twice or a data file that is missing or not a whole number of samples is an input
   error naming the file; on error sig holds nothing. Not collective (comm is where the
   error is raised). Free sig with SignalTableFree. */
PetscErrorCode BrainVisionHeaderRead(MPI_Comm comm, const char *path, SignalTable *sig, BvLayout *bv);

/* Reads whole signals idx[0 .. n) of the recording into x[k] (length sig->nsamples[idx[k]])
   in microvolts. A failure is not raised but returned as a message in err (empty on
   success), so that the ranks can agree on it (CommAgreeError); not collective. */
PetscErrorCode BrainVisionSignalsRead(const SignalTable *sig, const BvLayout *bv, PetscInt n, const PetscInt *idx,
                                      double **x, char *err, size_t errlen);

#endif
