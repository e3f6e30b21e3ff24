/* test_dataset.c: bandalign-dataset files written from every rank and read back with other
 * splits and rank counts, monopolar re-referencing, and bad input.
 *
 * Runs alone or under mpirun (tests/t_dataset_mpi.sh runs it at 1, 2 and 3 ranks). Every
 * sample is an exact float (an integer over 8), so values are compared exactly; the
 * expected value of a re-referenced channel is the difference of its two contacts, and
 * the expected pairs are worked out by hand from the rule of interface.md.
 * Options: -dir D (where to write; default $BA_TMP or /tmp), -h5py_file F (also check a
 * monopolar file written by tests/ref/dataset_format.py), -keep (leave the files). */
#include <bandalign/dataset.h>
#include <bandalign/context.h>
#include <check.h>
#include <h5edit.h>
#include <unistd.h>

static PetscMPIInt rank, size;

/* The sample of patient number p (from its id), contact c, trial t, sample k. */
static float Sample(int p, int c, int t, int k)
{
  double v = (((p * 16.0 + c) * 16.0 + t) * 64.0 + k) / 8.0;
  return (float)(c % 2 ? -v : v);
}

static double Mni(int p, int c, int d)
{
  return (d == 0 ? c : d == 1 ? -2.0 * c : 0.25 * p) + 0.5 * d;
}

static int Stimulus(int p, int t, int nimages)
{
  return (3 * t + p) % (nimages + 1) - 1;
}

/* Rows [lo, hi) of n on this rank when split in order (reverse: rank r takes the block of
   rank size-1-r; skip0: rank 0 takes nothing when there are several ranks). */
static void Split(PetscInt n, int mode, PetscInt *lo, PetscInt *hi)
{
  int r = mode == 1 ? size - 1 - rank : rank, s = size;
  if (mode == 2 && size > 1) {
    if (rank == 0) {
      *lo = *hi = n + 5; /* empty, and past the end as a partition may give it */
      return;
    }
    r = rank - 1;
    s = size - 1;
  }
  *lo = n * r / s;
  *hi = n * (r + 1) / s;
}

/* ---- the bipolar file: three patients written from every rank ---- */

#define NIMAGES 5
static const char *Ids[]   = {"P010", "P001", "P002"}; /* written in this order */
static const int Numbers[] = {10, 1, 2};
static const int Nch[]     = {4, 5, 7};
static const int Ntrials[] = {8, 6, 6};
static const int NSAMPLES = 40, ONSET = 10;
static const char *ImageNames[NIMAGES] = {"cat.png", "dog.png", "house.png", "Ünïcode ✓.png", "tree.png"};

static PetscErrorCode WritePatient(Dataset *ds, int p, const char *id, int nch, int ntrials, int nsamples, char **names)
{
  double *mni;
  int *stim;
  float *buf;
  PetscInt lo, hi;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(3 * nch, &mni, ntrials, &stim));
  for (int c = 0; c < nch; c++)
    for (int d = 0; d < 3; d++)
      mni[3 * c + d] = Mni(p, c, d);
  for (int t = 0; t < ntrials; t++)
    stim[t] = Stimulus(p, t, NIMAGES);
  PetscCall(DatasetAddPatient(ds, id, nch, ntrials, nsamples, names, mni, stim));
  Split(nch, 0, &lo, &hi);
  PetscCall(PetscMalloc1((size_t)(hi - lo) * ntrials * nsamples + 1, &buf));
  for (PetscInt c = lo; c < hi; c++)
    for (int t = 0; t < ntrials; t++)
      for (int k = 0; k < nsamples; k++)
        buf[((c - lo) * ntrials + t) * nsamples + k] = Sample(p, (int)c, t, k);
  PetscCall(DatasetWriteChannels(ds, id, lo, hi, buf));
  PetscCall(PetscFree(buf));
  PetscCall(PetscFree2(mni, stim));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteBipolar(const char *path)
{
  Dataset ds;
  int category[NIMAGES];
  char *names[16], buf[16][16];

  PetscFunctionBegin;
  for (int i = 0; i < NIMAGES; i++)
    category[i] = i % 2;
  PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512.0, ONSET, BA_MONTAGE_BIPOLAR, NIMAGES, (char *const *)ImageNames,
                          category, &ds));
  for (int p = 0; p < 3; p++) {
    for (int c = 0; c < Nch[p]; c++) {
      PetscCall(PetscSNPrintf(buf[c], sizeof(buf[c]), "E%d-E%d", c + 1, c + 2));
      names[c] = buf[c];
    }
    PetscCall(WritePatient(&ds, Numbers[p], Ids[p], Nch[p], Ntrials[p], NSAMPLES, names));
  }
  PetscCall(DatasetCommit(&ds));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks every value of the bipolar file as opened on comm (its ranks split the channels
   by mode). */
static PetscErrorCode CheckBipolar(MPI_Comm comm, const char *path, int mode, const char *label)
{
  Dataset ds;
  PetscMPIInt crank;
  int meta = 1, values = 1, all;
  static const int order[] = {1, 2, 0}; /* name order P001, P002, P010 */

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &crank));
  PetscCall(DatasetOpen(comm, path, BA_PROTOCOL_CANONICAL, &ds));
  meta = ds.sfreq == 512.0 && ds.onset == ONSET && ds.montage == BA_MONTAGE_BIPOLAR && ds.nimages == NIMAGES &&
         ds.npatients == 3;
  for (int i = 0; meta && i < NIMAGES; i++)
    meta = !strcmp(ds.image_name[i], ImageNames[i]) && ds.category[i] == i % 2;
  for (int q = 0; meta && q < 3; q++) {
    DatasetPatient *pt = &ds.patient[q];
    int w              = order[q];
    meta = !strcmp(pt->id, Ids[w]) && pt->nchannels == Nch[w] && pt->ncontacts == Nch[w] && pt->ntrials == Ntrials[w] &&
           pt->nsamples == NSAMPLES;
    for (int c = 0; meta && c < Nch[w]; c++) {
      char expect[16];
      PetscCall(PetscSNPrintf(expect, sizeof(expect), "E%d-E%d", c + 1, c + 2));
      meta = !strcmp(pt->channel_name[c], expect) && pt->pair[2 * c] == c && pt->pair[2 * c + 1] == -1;
      for (int d = 0; d < 3; d++)
        meta = meta && pt->mni[3 * c + d] == Mni(Numbers[w], c, d);
    }
    for (int t = 0; meta && t < Ntrials[w]; t++)
      meta = pt->stimulus[t] == Stimulus(Numbers[w], t, NIMAGES);
  }
  for (int q = 0; q < 3; q++) {
    DatasetPatient *pt = &ds.patient[q];
    PetscInt lo, hi, n = pt->nchannels;
    float *buf;
    if (comm == PETSC_COMM_SELF)
      lo = 0, hi = n;
    else
      Split(n, mode, &lo, &hi);
    PetscCall(PetscMalloc1((size_t)(hi - lo) * pt->ntrials * pt->nsamples + 1, &buf));
    PetscCall(DatasetReadChannels(&ds, q, lo, hi, buf));
    for (PetscInt c = lo; c < hi; c++)
      for (int t = 0; t < pt->ntrials; t++)
        for (int k = 0; k < pt->nsamples; k++)
          values =
              values && buf[((c - lo) * pt->ntrials + t) * pt->nsamples + k] == Sample(Numbers[order[q]], (int)c, t, k);
    PetscCall(PetscFree(buf));
  }
  PetscCall(DatasetClose(&ds));
  all = meta && values;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &meta, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) {
    CHECK(meta, "bipolar %s: attributes, stimuli, patients in name order, names, MNI, stimulus indices", label);
    CHECK(all, "bipolar %s: every sample of every patient", label);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the monopolar file ---- */

#define NCONTACTS 12
static const char *Contacts[NCONTACTS] = {"A1",   "A2",   "A3", "B'1", "B'2", "OF10",
                                          "OF11", "OF12", "C5", "A4",  "C7",  "AB2"};
/* worked out by hand: contact k with k+1 of the same shaft, in stored order */
#define NPAIRS 6
static const int Pairs[NPAIRS][2]    = {{0, 1}, {1, 2}, {2, 9}, {3, 4}, {5, 6}, {6, 7}};
static const char *PairNames[NPAIRS] = {"A1-A2", "A2-A3", "A3-A4", "B'1-B'2", "OF10-OF11", "OF11-OF12"};

static PetscErrorCode WriteMonopolar(const char *path)
{
  Dataset ds;
  int category[NIMAGES] = {0, 0, 1, 1, 2};

  PetscFunctionBegin;
  PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 1000.0, 3, BA_MONTAGE_MONOPOLAR, NIMAGES, (char *const *)ImageNames,
                          category, &ds));
  PetscCall(WritePatient(&ds, 7, "S07", NCONTACTS, 3, 16, (char **)Contacts));
  PetscCall(DatasetCommit(&ds));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks the monopolar patient number p of ds (opened on WORLD with protocol). */
static PetscErrorCode CheckMonopolar(Dataset *ds, PetscInt q, int p, BaProtocol protocol, const char *label)
{
  DatasetPatient *pt = &ds->patient[q];
  int meta = pt->ncontacts == NCONTACTS && pt->nchannels == NPAIRS, values = 1, single = 1;
  PetscInt lo, hi;
  size_t len = (size_t)pt->ntrials * pt->nsamples;
  float *buf;

  PetscFunctionBegin;
  for (int c = 0; meta && c < NPAIRS; c++) {
    int a = Pairs[c][0], b = Pairs[c][1];
    meta = !strcmp(pt->channel_name[c], PairNames[c]) && pt->pair[2 * c] == a && pt->pair[2 * c + 1] == b;
    for (int d = 0; d < 3; d++) {
      double expect = protocol == BA_PROTOCOL_KUZOVKIN2018 ? Mni(p, a, d) : 0.5 * (Mni(p, a, d) + Mni(p, b, d));
      meta          = meta && pt->mni[3 * c + d] == expect;
    }
  }
  Split(pt->nchannels, 1, &lo, &hi);
  PetscCall(PetscMalloc1((hi - lo) * len + 1, &buf));
  PetscCall(DatasetReadChannels(ds, q, lo, hi, buf));
  for (PetscInt c = lo; c < hi; c++)
    for (int t = 0; t < pt->ntrials; t++)
      for (int k = 0; k < pt->nsamples; k++)
        values = values && buf[(c - lo) * len + (size_t)t * pt->nsamples + k] ==
                               Sample(p, Pairs[c][0], t, k) - Sample(p, Pairs[c][1], t, k);
  PetscCall(PetscFree(buf));
  /* channel 2 alone (A3-A4) spans contact rows 2..9; only the last rank asks */
  PetscCall(PetscMalloc1(len, &buf));
  lo = rank == size - 1 ? 2 : 0;
  hi = rank == size - 1 ? 3 : 0;
  PetscCall(DatasetReadChannels(ds, q, lo, hi, buf));
  for (PetscInt c = lo; c < hi; c++)
    for (int t = 0; t < pt->ntrials; t++)
      for (int k = 0; k < pt->nsamples; k++)
        single = single && buf[(size_t)t * pt->nsamples + k] == Sample(p, 2, t, k) - Sample(p, 9, t, k);
  PetscCall(PetscFree(buf));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &meta, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &values, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &single, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) {
    CHECK(meta, "monopolar %s %s (%s): pairs of neighbouring contacts per shaft, names and MNI", label, pt->id,
          BaProtocolNames[protocol]);
    CHECK(values, "monopolar %s %s (%s): every re-referenced sample is contact k minus k+1", label, pt->id,
          BaProtocolNames[protocol]);
    CHECK(single, "monopolar %s %s (%s): a channel whose contacts are 7 rows apart, read by one rank", label, pt->id,
          BaProtocolNames[protocol]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckMonopolarFile(const char *path, const char *label, PetscInt npatients_expect,
                                         const int *numbers)
{
  PetscFunctionBegin;
  for (int proto = 0; proto < 2; proto++) {
    Dataset ds;
    PetscCall(DatasetOpen(PETSC_COMM_WORLD, path, (BaProtocol)proto, &ds));
    if (rank == 0)
      CHECK(ds.montage == BA_MONTAGE_MONOPOLAR && ds.npatients == npatients_expect,
            "monopolar %s: montage and patients", label);
    for (PetscInt q = 0; q < ds.npatients && q < npatients_expect; q++)
      PetscCall(CheckMonopolar(&ds, q, numbers[q], (BaProtocol)proto, label));
    PetscCall(DatasetClose(&ds));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- bad input: copies of a good file, altered by rank 0 through serial HDF5 ---- */

/* Makes dir/name from good with edits (rank 0), then expects DatasetOpen on every rank to
   fail (or, with read, DatasetReadChannels of patient q over all channels) with a message
   holding expect. */
static PetscErrorCode ExpectBad(const char *dir, const char *good, const char *name, int nedits, const Edit *edits,
                                PetscInt read_q, const char *expect)
{
  char path[PETSC_MAX_PATH_LEN];
  int made = 1, failed, agree, named;
  const char *text;
  char *msg = NULL;
  Dataset ds;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, name));
  if (rank == 0 && good) {
    made = CopyFile(good, path);
    for (int i = 0; made && i < nedits; i++)
      made = ApplyEdit(path, &edits[i]);
  }
  PetscCallMPI(MPI_Bcast(&made, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = DatasetOpen(PETSC_COMM_WORLD, path, BA_PROTOCOL_CANONICAL, &ds);
  if (!ierr && read_q >= 0) {
    DatasetPatient *pt = &ds.patient[read_q];
    PetscInt lo, hi;
    float *buf;
    Split(pt->nchannels, 0, &lo, &hi);
    ierr = PetscMalloc1((size_t)(hi - lo) * pt->ntrials * pt->nsamples + 1, &buf);
    if (!ierr) ierr = DatasetReadChannels(&ds, read_q, lo, hi, buf);
    PetscFree(buf);
    DatasetClose(&ds);
  } else if (!ierr)
    DatasetClose(&ds);
  PetscCall(PetscPopErrorHandler());
  if (ierr) PetscErrorMessage(ierr, &text, &msg);
  failed = ierr != 0;
  named  = failed && msg && strstr(msg, expect) != NULL;
  agree  = failed;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &agree, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &named, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) {
    CHECK(made && agree, "bad input %s: an error on every rank", name);
    CHECK(named, "bad input %s: message \"%s\" holds \"%s\"", name, msg ? msg : "(none)", expect);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BadInput(const char *dir, const char *bi, const char *mono)
{
  char missing[PETSC_MAX_PATH_LEN], expect[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(missing, sizeof(missing), "%s/no-such-file.h5", dir));
  PetscCall(PetscSNPrintf(expect, sizeof(expect), "%s: cannot open", missing));
  PetscCall(ExpectBad(dir, NULL, "no-such-file.h5", 0, NULL, -1, expect));
  {
    Edit e = {EDIT_DELETE, "/patients/P002/mni", NULL, {0}, 0, NULL, {0}};
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "%s/missing-mni.h5: missing dataset /patients/P002/mni", dir));
    PetscCall(ExpectBad(dir, bi, "missing-mni.h5", 1, &e, -1, expect));
  }
  {
    Edit e = {EDIT_RESHAPE, "/patients/P002/mni", NULL, {0}, 0, NULL, {6, 3, 0}};
    PetscCall(PetscSNPrintf(expect, sizeof(expect), "%s/short-mni.h5: /patients/P002/mni has 6 rows, expected 7", dir));
    PetscCall(ExpectBad(dir, bi, "short-mni.h5", 1, &e, -1, expect));
  }
  {
    Edit e = {EDIT_RESHAPE, "/patients/P002/mni", NULL, {0}, 0, NULL, {7, 2, 0}};
    PetscCall(ExpectBad(dir, bi, "narrow-mni.h5", 1, &e, -1, "/patients/P002/mni has 2 columns, expected 3"));
  }
  {
    Edit e = {EDIT_RESHAPE, "/patients/P001/stimulus", NULL, {0}, 0, NULL, {6, 1, 0}};
    PetscCall(ExpectBad(dir, bi, "stimulus-2d.h5", 1, &e, -1, "/patients/P001/stimulus has 2 dimensions, expected 1"));
  }
  {
    Edit e = {EDIT_RESHAPE, "/patients/P010/lfp", NULL, {0}, 0, NULL, {4, 8, 39}};
    PetscCall(
        ExpectBad(dir, bi, "short-trials.h5", 1, &e, -1, "/patients/P010/lfp has 39 samples per trial, expected 40"));
  }
  {
    Edit e = {EDIT_ATTR_INT, "/", "onset_sample", {0}, 40, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "late-onset.h5", 1, &e, -1,
                        "/patients/P001/lfp has 40 samples per trial, not more than onset_sample 40"));
  }
  {
    Edit e = {EDIT_SET, "/patients/P002/lfp", NULL, {3, 2, 5}, NAN, NULL, {0}};
    PetscCall(PetscSNPrintf(expect, sizeof(expect),
                            "%s/nan.h5: /patients/P002/lfp has a non-finite sample in channel 3 (E4-E5), trial 2",
                            dir));
    PetscCall(ExpectBad(dir, bi, "nan.h5", 1, &e, 1, expect));
  }
  {
    Edit e = {EDIT_SET, "/patients/P001/lfp", NULL, {4, 5, 39}, -INFINITY, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "inf.h5", 1, &e, 0,
                        "/patients/P001/lfp has a non-finite sample in channel 4 (E5-E6), trial 5"));
  }
  {
    /* contact OF11 (row 6) feeds channels 4 and 5: the first is named */
    Edit e = {EDIT_SET, "/patients/S07/lfp", NULL, {6, 1, 0}, NAN, NULL, {0}};
    PetscCall(ExpectBad(dir, mono, "nan-monopolar.h5", 1, &e, 0,
                        "/patients/S07/lfp has a non-finite sample in channel 4 (OF10-OF11), trial 1"));
  }
  {
    Edit e = {EDIT_SET, "/patients/P002/stimulus", NULL, {4, 0, 0}, NIMAGES, NULL, {0}};
    PetscCall(PetscSNPrintf(expect, sizeof(expect),
                            "%s/stimulus-high.h5: /patients/P002/stimulus[4] is 5, outside [-1, 5)", dir));
    PetscCall(ExpectBad(dir, bi, "stimulus-high.h5", 1, &e, -1, expect));
  }
  {
    Edit e = {EDIT_SET, "/patients/P010/stimulus", NULL, {0, 0, 0}, -2, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "stimulus-low.h5", 1, &e, -1, "/patients/P010/stimulus[0] is -2, outside [-1, 5)"));
  }
  {
    Edit e = {EDIT_ATTR_STRING, "/", "format", {0}, 0, "bandalign-network", {0}};
    PetscCall(PetscSNPrintf(expect, sizeof(expect),
                            "%s/format.h5: format is 'bandalign-network', expected 'bandalign-dataset'", dir));
    PetscCall(ExpectBad(dir, bi, "format.h5", 1, &e, -1, expect));
  }
  {
    Edit e = {EDIT_ATTR_INT, "/", "version", {0}, 2, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "version.h5", 1, &e, -1, "format version 2 is not supported"));
  }
  {
    Edit e = {EDIT_DELETE_ATTR, "/", "sfreq", {0}, 0, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "no-sfreq.h5", 1, &e, -1, "missing attribute sfreq of /"));
  }
  {
    Edit e = {EDIT_ATTR_STRING, "/", "montage", {0}, 0, "common-average", {0}};
    PetscCall(
        ExpectBad(dir, bi, "montage.h5", 1, &e, -1, "montage is 'common-average', expected 'bipolar' or 'monopolar'"));
  }
  {
    Edit e = {EDIT_SET, "/patients/P010/mni", NULL, {2, 1, 0}, NAN, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "nan-mni.h5", 1, &e, -1,
                        "/patients/P010/mni row 2 (E3-E4): MNI coordinate (2, nan, 3.5) mm is not finite"));
  }
  {
    Edit e = {EDIT_SET, "/patients/P010/mni", NULL, {3, 2, 0}, -250, NULL, {0}};
    PetscCall(
        ExpectBad(dir, bi, "far-mni.h5", 1, &e, -1,
                  "/patients/P010/mni row 3 (E4-E5): MNI coordinate (3, -5.5, -250) mm lies outside the plausible "
                  "box |x|, |y|, |z| <= 200 mm"));
  }
  {
    Edit e[2] = {{EDIT_DELETE, "/patients/P001", NULL, {0}, 0, NULL, {0}},
                 {EDIT_DELETE, "/patients/P002", NULL, {0}, 0, NULL, {0}}};
    Edit f[3] = {e[0], e[1], {EDIT_DELETE, "/patients/P010", NULL, {0}, 0, NULL, {0}}};
    PetscCall(ExpectBad(dir, bi, "no-patients.h5", 3, f, -1, "/patients holds no patient"));
  }
  {
    Edit e = {EDIT_DELETE, "/stimuli/category", NULL, {0}, 0, NULL, {0}};
    PetscCall(ExpectBad(dir, bi, "no-category.h5", 1, &e, -1, "missing dataset /stimuli/category"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Files whose strings are bad are written through the module itself. */
static PetscErrorCode BadStrings(const char *dir)
{
  char path[PETSC_MAX_PATH_LEN];
  Dataset ds;
  int category[NIMAGES] = {0};

  PetscFunctionBegin;
  {
    const char *dup[NIMAGES] = {"a", "b", "c", "b", "e"};
    char *names[2]           = {"E1-E2", "E2-E3"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/dup-images.h5", dir));
    PetscCall(
        DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_BIPOLAR, NIMAGES, (char *const *)dup, category, &ds));
    PetscCall(WritePatient(&ds, 1, "P1", 2, 2, 4, names));
    PetscCall(DatasetCommit(&ds));
    PetscCall(ExpectBad(dir, NULL, "dup-images.h5", 0, NULL, -1, "/stimuli/name holds 'b' more than once"));
  }
  {
    char *names[3] = {"A1", "A2-A3", "A3"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/not-contacts.h5", dir));
    PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_MONOPOLAR, NIMAGES, (char *const *)ImageNames,
                            category, &ds));
    PetscCall(WritePatient(&ds, 1, "P1", 3, 2, 4, names));
    PetscCall(DatasetCommit(&ds));
    PetscCall(ExpectBad(dir, NULL, "not-contacts.h5", 0, NULL, -1,
                        "/patients/P1/channel_name[1] 'A2-A3' is not a contact name"));
  }
  {
    char *names[3] = {"A1", "B1", "C1"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/no-pairs.h5", dir));
    PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_MONOPOLAR, NIMAGES, (char *const *)ImageNames,
                            category, &ds));
    PetscCall(WritePatient(&ds, 1, "P1", 3, 2, 4, names));
    PetscCall(DatasetCommit(&ds));
    PetscCall(ExpectBad(dir, NULL, "no-pairs.h5", 0, NULL, -1, "/patients/P1 has no two neighbouring contacts"));
  }
  {
    char *names[3] = {"A1", "A01", "A2"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/same-number.h5", dir));
    PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_MONOPOLAR, NIMAGES, (char *const *)ImageNames,
                            category, &ds));
    PetscCall(WritePatient(&ds, 1, "P1", 3, 2, 4, names));
    PetscCall(DatasetCommit(&ds));
    PetscCall(ExpectBad(dir, NULL, "same-number.h5", 0, NULL, -1, "contacts 'A1' and 'A01' with the same number"));
  }
  {
    char *names[3] = {"E1-E2", "E2-E3", "E1-E2"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/dup-channels.h5", dir));
    PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_BIPOLAR, NIMAGES, (char *const *)ImageNames,
                            category, &ds));
    PetscCall(WritePatient(&ds, 1, "P1", 3, 2, 4, names));
    PetscCall(DatasetCommit(&ds));
    PetscCall(
        ExpectBad(dir, NULL, "dup-channels.h5", 0, NULL, -1, "/patients/P1/channel_name holds 'E1-E2' more than once"));
  }
  {
    /* not HDF5 at all */
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/text.h5", dir));
    if (rank == 0) {
      FILE *fp = fopen(path, "w");
      if (fp) {
        fputs("sfreq,512\n", fp);
        fclose(fp);
      }
    }
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    PetscCall(ExpectBad(dir, NULL, "text.h5", 0, NULL, -1, "text.h5: not an HDF5 file"));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An abandoned write leaves nothing behind. */
static PetscErrorCode Abandon(const char *dir)
{
  char path[PETSC_MAX_PATH_LEN], partial[PETSC_MAX_PATH_LEN + 16];
  Dataset ds;
  int category[NIMAGES] = {0}, gone;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/abandoned.h5", dir));
  PetscCall(PetscSNPrintf(partial, sizeof(partial), "%s.partial", path));
  PetscCall(DatasetCreate(PETSC_COMM_WORLD, path, 512, 0, BA_MONTAGE_BIPOLAR, NIMAGES, (char *const *)ImageNames,
                          category, &ds));
  PetscCall(DatasetClose(&ds));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  gone = access(path, F_OK) != 0 && access(partial, F_OK) != 0;
  if (rank == 0) CHECK(gone, "a dataset closed before DatasetCommit leaves no file and no partial file");
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  char dir[PETSC_MAX_PATH_LEN]       = "", bi[PETSC_MAX_PATH_LEN], mono[PETSC_MAX_PATH_LEN],
       h5py_file[PETSC_MAX_PATH_LEN] = "";
  PetscBool keep                     = PETSC_FALSE, own;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-h5py_file", h5py_file, sizeof(h5py_file), NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-keep", &keep, NULL));
  /* rank 0 checks; the h5py file adds its 2 patients read with both protocols (montage,
     then 3 checks a patient) */
  if (rank == 0) CheckPlan(69 + (h5py_file[0] ? 2 * (1 + 3 * 2) : 0));
  own = dir[0] ? PETSC_FALSE : PETSC_TRUE;
  if (own) {
    /* a fresh folder, named on rank 0 */
    if (rank == 0) {
      const char *base = getenv("BA_TMP");
      PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/test_dataset.XXXXXX", base ? base : "/tmp"));
      if (!mkdtemp(dir)) dir[0] = 0;
    }
    PetscCallMPI(MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, PETSC_COMM_WORLD));
    PetscCheck(dir[0], PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "cannot make a temporary folder");
  }
  PetscCall(PetscSNPrintf(bi, sizeof(bi), "%s/bipolar.h5", dir));
  PetscCall(PetscSNPrintf(mono, sizeof(mono), "%s/monopolar.h5", dir));

  PetscCall(WriteBipolar(bi));
  PetscCall(CheckBipolar(PETSC_COMM_WORLD, bi, 0, "as written"));
  PetscCall(CheckBipolar(PETSC_COMM_WORLD, bi, 1, "blocks swapped between ranks"));
  PetscCall(CheckBipolar(PETSC_COMM_WORLD, bi, 2, "rank 0 reading nothing"));
  PetscCall(CheckBipolar(PETSC_COMM_SELF, bi, 0, "each rank alone"));
  PetscCall(WriteMonopolar(mono));
  {
    static const int numbers[] = {7};
    PetscCall(CheckMonopolarFile(mono, "as written", 1, numbers));
  }
  if (h5py_file[0]) {
    static const int numbers[] = {1, 2}; /* patients L01, L02 of dataset_format.py */
    PetscCall(CheckMonopolarFile(h5py_file, "written by h5py", 2, numbers));
  }
  PetscCall(BadInput(dir, bi, mono));
  PetscCall(BadStrings(dir));
  PetscCall(Abandon(dir));
  if (own && !keep) {
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    if (rank == 0) {
      char cmd[PETSC_MAX_PATH_LEN + 16];
      PetscCall(PetscSNPrintf(cmd, sizeof(cmd), "rm -rf '%s'", dir));
      if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    }
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
