/* dataset.h: bandalign-dataset files (recordings): validated reading and parallel writing. */
#ifndef BANDALIGN_DATASET_H
#define BANDALIGN_DATASET_H

#include <bandalign/h5io.h>

typedef enum { BA_MONTAGE_BIPOLAR, BA_MONTAGE_MONOPOLAR } BaMontage;
extern const char *const BaMontageNames[]; /* "bipolar", "monopolar" */

/* One patient as the analysis sees it: its analysis channels are bipolar (either stored so,
   or re-referenced from monopolar contacts on read). */
typedef struct {
  char id[64];        /* group name under /patients */
  PetscInt ncontacts; /* rows of /patients/<id>/lfp */
  PetscInt nchannels; /* analysis channels (== ncontacts for a bipolar montage) */
  PetscInt ntrials, nsamples;
  char **channel_name; /* [nchannels]; "A1-A2" for re-referenced pairs */
  double *mni;         /* [nchannels * 3] */
  PetscInt *pair;      /* [nchannels * 2]: contacts c0 - c1 of each channel (c1 = -1: as stored) */
  int *stimulus;       /* [ntrials]: index into the file's stimuli, -1 = not analysed */
} DatasetPatient;

typedef struct {
  BaH5File file;
  double sfreq;   /* Hz */
  PetscInt onset; /* sample of stimulus onset, 0-based */
  BaMontage montage;
  PetscInt nimages;
  char **image_name; /* [nimages] as stored in /stimuli/name */
  int *category;     /* [nimages] */
  PetscInt npatients;
  DatasetPatient *patient; /* [npatients] in file (name) order */
} Dataset;

/* Opens and validates a dataset file on every rank of comm: format and version, root
   attributes (sfreq > 0, onset_sample >= 0, montage), /stimuli (names unique, category of
   the same length), at least one patient, and for every patient: lfp 3-D floating point
   with nsamples equal across patients and > onset_sample, channel_name (unique) and mni
   (finite, [n, 3]) with a row per lfp row, stimulus integer [ntrials] in [-1, nimages).
   Monopolar contacts must be named <shaft><number> (shaft: letters and primes, e.g. "A1",
   "B'12", "OF10"); contact k is paired with contact k+1 of the same shaft where both are
   present, in stored order, as channel "A1-A2"; the channel's MNI is the midpoint
   (canonical) or the first contact (kuzovkin2018); a patient with no pair is an error. Any
   problem is one input error on comm naming the file and the object (e.g. "data.h5:
   /patients/P003/mni has 12 rows, expected 14 (rows of /patients/P003/lfp)"); ds is then
   closed and empty. Collective. */
PetscErrorCode DatasetOpen(MPI_Comm comm, const char *path, BaProtocol protocol, Dataset *ds);

/* Reads analysis channels [lo, hi) of patient p as float [hi-lo][ntrials][nsamples],
   re-referencing monopolar contacts (each rank reads the one run of contact rows covering
   its channels). Collective over the dataset's comm: every rank calls, each with its own
   patient and range (ranks may read different patients at once: the samples move by
   independent I/O, one contiguous run per rank); an empty range (lo == hi) may lie
   anywhere. A non-finite sample or a failed read (a corrupt chunk) on any rank is one input
   error on every rank naming the first such channel and trial ("data.h5:
   /patients/P003/lfp has a non-finite sample in channel 5 (A5-A6), trial 2"). */
PetscErrorCode DatasetReadChannels(Dataset *ds, PetscInt p, PetscInt lo, PetscInt hi, float *buf);

/* Closes the file and frees everything; a dataset being written (DatasetCreate without
   DatasetCommit) is abandoned and its partial file removed. Collective. */
PetscErrorCode DatasetClose(Dataset *ds);

/* Writing (used by simulate and importers). DatasetCreate writes the root attributes and
   the stimuli; DatasetAddPatient creates a patient's datasets and writes its metadata
   (every rank passes the same metadata; stimulus values must lie in [-1, nimages));
   DatasetWriteChannels writes rows [lo, hi) of a patient's lfp from each rank collectively
   (an empty range may lie anywhere); DatasetCommit writes the string datasets and renames
   the finished file into place. The writer keeps no copy of names or metadata: only
   sfreq, onset, montage, nimages and file are set in ds. On error, call DatasetClose(ds)
   (or BaH5FileAbandon(&ds->file)). All collective. */
PetscErrorCode DatasetCreate(MPI_Comm comm, const char *path, double sfreq, PetscInt onset, BaMontage montage,
                             PetscInt nimages, char *const *image_name, const int *category, Dataset *ds);
PetscErrorCode DatasetAddPatient(Dataset *ds, const char *id, PetscInt nchannels, PetscInt ntrials, PetscInt nsamples,
                                 char *const *channel_name, const double *mni, const int *stimulus);
PetscErrorCode DatasetWriteChannels(Dataset *ds, const char *id, PetscInt lo, PetscInt hi, const float *buf);
PetscErrorCode DatasetCommit(Dataset *ds);

#endif
