/* dataset.h: bandalign-dataset files (recordings): validated reading and parallel writing. */
#ifndef BANDALIGN_DATASET_H
#define BANDALIGN_DATASET_H

#include <bandalign/h5io.h>

typedef enum { BA_MONTAGE_BIPOLAR, BA_MONTAGE_MONOPOLAR } BaMontage;
extern const char *const BaMontageNames[]; /* "bipolar", "monopolar" */

/* One patient as the analysis sees it: its analysis channels are bipolar (either stored so,
   or re-referenced from monopolar contacts on read). */
typedef struct {
  char      id[64];        /* group name under /patients */
  PetscInt  ncontacts;     /* rows of /patients/<id>/lfp */
  PetscInt  nchannels;     /* analysis channels (== ncontacts for a bipolar montage) */
  PetscInt  ntrials, nsamples;
  char    **channel_name;  /* [nchannels]; "A1-A2" for re-referenced pairs */
  double   *mni;           /* [nchannels * 3] */
  PetscInt *pair;          /* [nchannels * 2]: contacts c0 - c1 of each channel (c1 = -1: as stored) */
  int      *stimulus;      /* [ntrials]: index into the file's stimuli, -1 = not analysed */
} DatasetPatient;

typedef struct {
  H5File          file;
  double          sfreq;        /* Hz */
  PetscInt        onset;        /* sample of stimulus onset, 0-based */
  BaMontage       montage;
  PetscInt        nimages;
  char          **image_name;   /* [nimages] as stored in /stimuli/name */
  int            *category;     /* [nimages] */
  PetscInt        npatients;
  DatasetPatient *patient;      /* [npatients] in file (name) order */
} Dataset;

/* Opens and validates a dataset file on every rank of comm: format and version, root
   attributes, stimuli, every patient's shapes and metadata (names, MNI, stimulus indices in
   range). Monopolar contacts named <shaft><number> are paired with the next number on the
   same shaft; the channel's MNI is the midpoint (canonical) or the first contact
   (kuzovkin2018). Any problem is one input error naming the file and the object.
   Collective. */
PetscErrorCode DatasetOpen(MPI_Comm comm, const char *path, BaProtocol protocol, Dataset *ds);

/* Reads analysis channels [lo, hi) of patient p as float [hi-lo][ntrials][nsamples],
   re-referencing monopolar contacts. Collective over the dataset's comm: every rank calls
   with its own (possibly empty) range. A non-finite sample on any rank is an input error on
   every rank naming the patient and channel. */
PetscErrorCode DatasetReadChannels(Dataset *ds, PetscInt p, PetscInt lo, PetscInt hi, float *buf);

/* Closes the file and frees everything. Collective. */
PetscErrorCode DatasetClose(Dataset *ds);

/* Writing (used by simulate and importers). DatasetCreate writes the root attributes and
   the stimuli; DatasetAddPatient creates a patient's datasets and writes its metadata
   (every rank passes the same metadata); DatasetWriteChannels writes rows [lo, hi) of a
   patient's lfp from each rank collectively; DatasetCommit renames the finished file into
   place. On error, call H5FileAbandon(&ds->file). All collective. */
PetscErrorCode DatasetCreate(MPI_Comm comm, const char *path, double sfreq, PetscInt onset, BaMontage montage,
                             PetscInt nimages, char *const *image_name, const int *category, Dataset *ds);
PetscErrorCode DatasetAddPatient(Dataset *ds, const char *id, PetscInt nchannels, PetscInt ntrials, PetscInt nsamples,
                                 char *const *channel_name, const double *mni, const int *stimulus);
PetscErrorCode DatasetWriteChannels(Dataset *ds, const char *id, PetscInt lo, PetscInt hi, const float *buf);
PetscErrorCode DatasetCommit(Dataset *ds);

#endif
