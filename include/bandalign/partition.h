/* partition.h: which channels each rank owns, balanced by work, the same on every run. */
#ifndef BANDALIGN_PARTITION_H
#define BANDALIGN_PARTITION_H

#include <bandalign/bandalign.h>

/* Channels are numbered globally in file order (patient by patient). Each rank owns one
   contiguous range of global channels, so a range may start or end inside a patient. */
typedef struct {
  PetscMPIInt size;   /* number of ranks */
  PetscInt npatients; /* number of patients */
  PetscInt *first;    /* [npatients + 1]: global index of each patient's first channel */
  PetscInt *rank_lo;  /* [size + 1]: rank r owns global channels [rank_lo[r], rank_lo[r+1]) */
} Partition;

/* Splits the channels of npatients patients (nchannels[p] channels, each costing work[p],
   e.g. trials x samples) over the ranks of comm so that every rank's summed work is as close
   as possible to an equal share. Deterministic: depends only on the counts and the number of
   ranks. Collective only in that every rank must pass the same counts. */
PetscErrorCode PartitionCreate(MPI_Comm comm, PetscInt npatients, const PetscInt *nchannels, const double *work,
                               Partition *part);

/* The part of patient p that rank r owns, as local channel indices [lo, hi) within the
   patient (empty when lo == hi). */
void PartitionPatientRange(const Partition *part, PetscMPIInt r, PetscInt p, PetscInt *lo, PetscInt *hi);

PetscErrorCode PartitionDestroy(Partition *part);

#endif
