/* import.h: bringing outside data in: BIDS-iEEG recordings and the study's published
   per-ROI band responses (docs/import.md has the folder layouts). */
#ifndef BANDALIGN_IMPORT_H
#define BANDALIGN_IMPORT_H

#include <bandalign/context.h>

#define BA_IMPORT_SFREQ    512.0 /* the analysis rate (methods.md section 1) */
#define BA_IMPORT_NSAMPLES 768   /* -500 .. +998 ms */
#define BA_IMPORT_ONSET    256   /* sample of stimulus onset, 0-based */

/* What import-bids reads. */
typedef struct {
  char root[PETSC_MAX_PATH_LEN]; /* -bids: the BIDS folder */
  char task[256];                /* -task: the task label of the recordings */
  char subjects[4096];           /* -subjects: comma-separated labels (with or without "sub-"); empty = all */
  char stim_column[256];         /* -stim_column: events.tsv column naming the stimulus */
  char category_column[256];     /* -category_column: events.tsv integer column of categories; empty =
                                    none */
  char exclude[4096];            /* -exclude: comma-separated stimulus values or fnmatch patterns not analysed */
  PetscInt block_channels;       /* -block_channels: channels epoched and written at once per rank */
} ImportBidsOptions;

/* Reads the recordings of task under root (sub-<label>[/ses-<label>]/ieeg/) and writes a
   monopolar bandalign-dataset file at ctx->out: every SEEG/ECOG channel whose status is
   not bad and that can be paired as a contact (others are left out and counted), at
   512 Hz, epochs -500 .. +998 ms around each events.tsv row but BAD spans (image trials
   overlapping a BAD span are not analysed); sidecars by BIDS inheritance. Any problem with the
   folder or a file is one input error naming the file and what is wrong, and no output
   file is left. Collective on ctx->comm: every rank reads the metadata, each rank epochs
   its share of every patient's channels. */
PetscErrorCode ImportBids(const BaContext *ctx, const ImportBidsOptions *o);

/* What import-kuzovkin reads. */
typedef struct {
  char dir[PETSC_MAX_PATH_LEN]; /* -dir: the folder holding one folder per ROI */
} ImportKuzovkinOptions;

/* Reads the study's per-ROI MATLAB files (one folder per band x window, one file per
   patient) and writes a bandalign-features file at ctx->out holding, per patient, the
   union of the channels of its files; a channel is responsive (responsive_p 0, increase
   1) in the ROIs whose file lists it and not responsive (responsive_p 1, increase 0,
   features NaN) in the others. Input errors name the file and what is wrong. Collective
   on ctx->comm (every rank reads the files, rank 0 writes the rows). */
PetscErrorCode ImportKuzovkin(const BaContext *ctx, const ImportKuzovkinOptions *o);

/* Parses a ROI folder name: bandalign's "<band>_<t0>_<t1>" (e.g. "lowgamma_150_350"), or
   the study's "..._w<t0>_<band>[_...]" (e.g.
   "meanlowgamma_LFP_5c_artif_bipolar_BA_w150_lowgamma_resppositive"). Returns the ROI
   index or -1 when the name is neither. */
int ImportRoiFromFolder(const char *name);

#endif
