/* dataset.c: bandalign-dataset files, read with validation and written in parallel.
 *
 * Everything a stage needs to know about a dataset except the samples is small (names,
 * coordinates, stimulus indices), so DatasetOpen reads it all on every rank and checks it
 * there. Every rank then reaches the same verdict on the same bytes, and an input error can
 * be raised on the file's communicator, printed once, without any rank waiting for
 * another. The samples are the only bulk data: they move in collective hyperslabs of whole
 * channels, each rank its own range.
 *
 * A monopolar montage is re-referenced on read rather than at conversion time, so a lab
 * can store its recordings as recorded. The pairs are fixed once at open (contact k minus
 * contact k+1 of the same shaft); a read of channels [lo, hi) fetches the one contiguous
 * run of contact rows that covers their contacts, which costs at most a few extra rows
 * per shaft boundary, and subtracts in memory.
 *
 * Non-finite samples are searched after each read, not at open: the samples are read once
 * anyway, and a scan at open would double the I/O of the features stage. */
#include <bandalign/dataset.h>
#include <bandalign/atlas.h>
#include <bandalign/comm.h>
#include <bandalign/context.h>
#include <ctype.h>
#include <math.h>

const char *const BaMontageNames[] = {"bipolar", "monopolar", NULL};

/* Checks that name holds n distinct strings; what names the dataset in the message. */
static int CompareStrings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static PetscErrorCode CheckUnique(BaH5File *f, const char *what, PetscInt n, char **names)
{
  char **sorted;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n + 1, &sorted));
  for (PetscInt i = 0; i < n; i++)
    sorted[i] = names[i];
  qsort(sorted, (size_t)n, sizeof(char *), CompareStrings);
  for (PetscInt i = 1; i < n; i++) {
    if (strcmp(sorted[i - 1], sorted[i])) continue;
    {
      char dup[256];
      PetscCall(PetscStrncpy(dup, sorted[i], sizeof(dup)));
      PetscCall(PetscFree(sorted));
      SETERRQ(f->comm, BA_ERR_INPUT, "%s: %s holds '%s' more than once", f->path, what, dup);
    }
  }
  PetscCall(PetscFree(sorted));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks that a dataset has ndims dimensions of the expected class (integer or float);
   returns its dims. */
static PetscErrorCode CheckDataset(BaH5File *f, const char *name, int ndims, H5T_class_t cls, hsize_t dims[3])
{
  int nd;
  H5T_class_t got;

  PetscFunctionBegin;
  PetscCall(BaH5DatasetShape(f, name, &nd, dims));
  PetscCheck(nd == ndims, f->comm, BA_ERR_INPUT, "%s: %s has %d dimensions, expected %d", f->path, name, nd, ndims);
  PetscCall(BaH5DatasetClass(f, name, &got));
  PetscCheck(got == cls, f->comm, BA_ERR_INPUT, "%s: %s must hold %s numbers", f->path, name,
             cls == H5T_FLOAT ? "floating-point" : "integer");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks one dimension of a dataset against what the rest of the file implies. */
static PetscErrorCode CheckDim(BaH5File *f, const char *name, hsize_t got, PetscInt expect, const char *what,
                               const char *because)
{
  PetscFunctionBegin;
  PetscCheck(got == (hsize_t)expect, f->comm, BA_ERR_INPUT, "%s: %s has %llu %s, expected %" PetscInt_FMT "%s%s%s",
             f->path, name, (unsigned long long)got, what, expect, because ? " (" : "", because ? because : "",
             because ? ")" : "");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Splits a monopolar contact name into shaft (letters and primes) and contact number.
   Returns PETSC_FALSE when the name is not of that form. */
static PetscBool ParseContact(const char *name, size_t *shaft_len, long *number)
{
  size_t n = 0;

  while (name[n] && (isalpha((unsigned char)name[n]) || name[n] == '\''))
    n++;
  if (n == 0 || !isdigit((unsigned char)name[n])) return PETSC_FALSE;
  for (const char *s = name + n; *s; s++)
    if (!isdigit((unsigned char)*s)) return PETSC_FALSE;
  if (strlen(name + n) > 9) return PETSC_FALSE;
  *shaft_len = n;
  *number    = strtol(name + n, NULL, 10);
  return PETSC_TRUE;
}

/* What DatasetOpen holds for one patient while it is being checked; freed on every path. */
typedef struct {
  PetscInt ncontacts;
  char **contact; /* [ncontacts] stored names */
  double *mni;    /* [ncontacts * 3] stored coordinates */
} Scratch;

static PetscErrorCode ScratchFree(Scratch *s)
{
  PetscFunctionBegin;
  PetscCall(BaStringsFree(s->ncontacts, &s->contact));
  PetscCall(PetscFree(s->mni));
  s->ncontacts = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A parsed contact name: shaft (the first len characters of name) and number. */
typedef struct {
  const char *name;
  size_t len;
  long num;
  PetscInt index; /* its row */
} Contact;

/* Orders contacts by shaft, then number, then row. */
static int CompareContacts(const void *pa, const void *pb)
{
  const Contact *a = pa, *b = pb;
  const size_t m = PetscMin(a->len, b->len);
  const int c    = strncmp(a->name, b->name, m);

  if (c) return c;
  if (a->len != b->len) return a->len < b->len ? -1 : 1;
  if (a->num != b->num) return a->num < b->num ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static PetscBool SameShaft(const Contact *a, const Contact *b)
{
  return (PetscBool)(a->len == b->len && !strncmp(a->name, b->name, a->len));
}

/* Forms the analysis channels of a monopolar patient from its contacts: each contact k
   with a contact k+1 on the same shaft, in stored order. The contacts are sorted by shaft
   and number (heap memory, n log n: a patient may have hundreds of thousands of rows), so
   a repeated number and each contact's successor are neighbours in that order. */
static PetscErrorCode PairContactsSorted(BaH5File *f, const char *group, BaProtocol protocol, Scratch *s,
                                         DatasetPatient *pt, Contact *c, PetscInt *next)
{
  const PetscInt n = s->ncontacts;
  PetscInt nch = 0, dup = -1;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    c[i].name  = s->contact[i];
    c[i].index = i;
    PetscCheck(ParseContact(s->contact[i], &c[i].len, &c[i].num), f->comm, BA_ERR_INPUT,
               "%s: %s/channel_name[%" PetscInt_FMT
               "] '%s' is not a contact name <shaft><number> (montage is monopolar)",
               f->path, group, i, s->contact[i]);
  }
  qsort(c, (size_t)n, sizeof(*c), CompareContacts);
  /* the repeated number of the lowest row, with the next row holding it */
  for (PetscInt k = 0; k + 1 < n; k++)
    if (SameShaft(&c[k], &c[k + 1]) && c[k].num == c[k + 1].num && (dup < 0 || c[k].index < c[dup].index)) dup = k;
  PetscCheck(dup < 0, f->comm, BA_ERR_INPUT,
             "%s: %s/channel_name has contacts '%s' and '%s' with the same number on one shaft", f->path, group,
             c[dup].name, c[dup + 1].name);
  for (PetscInt k = 0; k < n; k++)
    next[c[k].index] = k + 1 < n && SameShaft(&c[k], &c[k + 1]) && c[k + 1].num == c[k].num + 1 ? c[k + 1].index : -1;
  PetscCall(PetscMalloc1(2 * n, &pt->pair));
  PetscCall(PetscMalloc1(3 * n, &pt->mni));
  PetscCall(PetscCalloc1(n + 1, &pt->channel_name));
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt j = next[i];
    size_t sz;
    if (j < 0) continue;
    pt->pair[2 * nch]     = i;
    pt->pair[2 * nch + 1] = j;
    for (int d = 0; d < 3; d++)
      pt->mni[3 * nch + d] =
          protocol == BA_PROTOCOL_KUZOVKIN2018 ? s->mni[3 * i + d] : 0.5 * (s->mni[3 * i + d] + s->mni[3 * j + d]);
    sz = strlen(s->contact[i]) + strlen(s->contact[j]) + 2;
    PetscCall(PetscMalloc1(sz, &pt->channel_name[nch]));
    PetscCall(PetscSNPrintf(pt->channel_name[nch], sz, "%s-%s", s->contact[i], s->contact[j]));
    nch++;
  }
  pt->nchannels = nch;
  PetscCheck(nch > 0, f->comm, BA_ERR_INPUT,
             "%s: %s has no two neighbouring contacts on one shaft (montage is monopolar)", f->path, group);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PairContacts(BaH5File *f, const char *group, BaProtocol protocol, Scratch *s, DatasetPatient *pt)
{
  Contact *c;
  PetscInt *next;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2((size_t)s->ncontacts + 1, &c, (size_t)s->ncontacts + 1, &next));
  ierr = PairContactsSorted(f, group, protocol, s, pt, c, next);
  PetscCall(PetscFree2(c, next));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads and checks one patient's metadata into pt; the first patient's nsamples fixes the
   others'. Whatever it allocated is in pt or s, even on error. */
static PetscErrorCode LoadPatient(Dataset *ds, PetscInt p, const char *id, BaProtocol protocol, Scratch *s)
{
  BaH5File *f        = &ds->file;
  DatasetPatient *pt = &ds->patient[p];
  char group[128], name[192], because[192];
  hsize_t dims[3];

  PetscFunctionBegin;
  PetscCheck(strlen(id) < sizeof(pt->id), f->comm, BA_ERR_INPUT,
             "%s: patient id /patients/%s is longer than %d characters", f->path, id, (int)sizeof(pt->id) - 1);
  PetscCall(PetscStrncpy(pt->id, id, sizeof(pt->id)));
  PetscCall(PetscSNPrintf(group, sizeof(group), "/patients/%s", id));

  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/lfp", group));
  PetscCall(CheckDataset(f, name, 3, H5T_FLOAT, dims));
  pt->ncontacts = (PetscInt)dims[0];
  pt->ntrials   = (PetscInt)dims[1];
  pt->nsamples  = (PetscInt)dims[2];
  PetscCheck(pt->ncontacts > 0, f->comm, BA_ERR_INPUT, "%s: %s has no channels", f->path, name);
  PetscCheck(pt->ntrials > 0, f->comm, BA_ERR_INPUT, "%s: %s has no trials", f->path, name);
  if (p > 0) {
    PetscCall(PetscSNPrintf(because, sizeof(because), "as /patients/%s/lfp", ds->patient[0].id));
    PetscCall(CheckDim(f, name, dims[2], ds->patient[0].nsamples, "samples per trial", because));
  }
  PetscCheck(pt->nsamples > ds->onset, f->comm, BA_ERR_INPUT,
             "%s: %s has %" PetscInt_FMT " samples per trial, not more than onset_sample %" PetscInt_FMT, f->path, name,
             pt->nsamples, ds->onset);

  PetscCall(PetscSNPrintf(because, sizeof(because), "rows of %s/lfp", group));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/channel_name", group));
  PetscCall(BaH5ReadStrings(f, name, &s->ncontacts, &s->contact));
  PetscCall(CheckDim(f, name, (hsize_t)s->ncontacts, pt->ncontacts, "names", because));
  PetscCall(CheckUnique(f, name, s->ncontacts, s->contact));

  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/mni", group));
  PetscCall(CheckDataset(f, name, 2, H5T_FLOAT, dims));
  PetscCall(CheckDim(f, name, dims[0], pt->ncontacts, "rows", because));
  PetscCall(CheckDim(f, name, dims[1], 3, "columns", NULL));
  PetscCall(PetscMalloc1(3 * pt->ncontacts, &s->mni));
  PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, 3 * (hsize_t)pt->ncontacts, s->mni));
  PetscCall(MniCheck(f->comm, f->path, name, pt->ncontacts, s->mni, s->contact, 0));

  if (ds->montage == BA_MONTAGE_MONOPOLAR)
    PetscCall(PairContacts(f, group, protocol, s, pt));
  else {
    pt->nchannels    = pt->ncontacts;
    pt->channel_name = s->contact; /* taken over: NULL-terminated like the names made here */
    s->contact       = NULL;
    PetscCall(PetscMalloc1(2 * pt->nchannels, &pt->pair));
    PetscCall(PetscMalloc1(3 * pt->nchannels, &pt->mni));
    PetscCall(PetscArraycpy(pt->mni, s->mni, 3 * pt->nchannels));
    for (PetscInt i = 0; i < pt->nchannels; i++) {
      pt->pair[2 * i]     = i;
      pt->pair[2 * i + 1] = -1;
    }
  }

  PetscCall(PetscSNPrintf(because, sizeof(because), "trials of %s/lfp", group));
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/stimulus", group));
  PetscCall(CheckDataset(f, name, 1, H5T_INTEGER, dims));
  PetscCall(CheckDim(f, name, dims[0], pt->ntrials, "values", because));
  PetscCall(PetscMalloc1(pt->ntrials, &pt->stimulus));
  PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_INT, (hsize_t)pt->ntrials, pt->stimulus));
  for (PetscInt t = 0; t < pt->ntrials; t++)
    PetscCheck(pt->stimulus[t] >= -1 && pt->stimulus[t] < ds->nimages, f->comm, BA_ERR_INPUT,
               "%s: %s[%" PetscInt_FMT "] is %d, outside [-1, %" PetscInt_FMT ") (the images of /stimuli/name)",
               f->path, name, t, pt->stimulus[t], ds->nimages);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads and checks everything but the samples into ds, whose file is open. */
static PetscErrorCode Load(Dataset *ds, BaProtocol protocol, Scratch *s)
{
  BaH5File *f = &ds->file;
  char montage[64];
  PetscInt64 onset;
  PetscInt ncat, npatients;
  char **ids = NULL;
  hsize_t dims[3];

  PetscFunctionBegin;
  PetscCall(BaH5AttrReadDouble(f, "/", "sfreq", &ds->sfreq));
  PetscCheck(isfinite(ds->sfreq) && ds->sfreq > 0, f->comm, BA_ERR_INPUT,
             "%s: sfreq is %g, expected a positive number of Hz", f->path, ds->sfreq);
  PetscCall(BaH5AttrReadInt(f, "/", "onset_sample", &onset));
  PetscCheck(onset >= 0 && onset < PETSC_MAX_INT, f->comm, BA_ERR_INPUT,
             "%s: onset_sample is %" PetscInt64_FMT ", expected >= 0", f->path, onset);
  ds->onset = (PetscInt)onset;
  PetscCall(BaH5AttrReadString(f, "/", "montage", montage, sizeof(montage)));
  if (!strcmp(montage, BaMontageNames[BA_MONTAGE_BIPOLAR]))
    ds->montage = BA_MONTAGE_BIPOLAR;
  else if (!strcmp(montage, BaMontageNames[BA_MONTAGE_MONOPOLAR]))
    ds->montage = BA_MONTAGE_MONOPOLAR;
  else
    SETERRQ(f->comm, BA_ERR_INPUT, "%s: montage is '%s', expected 'bipolar' or 'monopolar'", f->path, montage);

  PetscCall(BaH5ReadStrings(f, "/stimuli/name", &ds->nimages, &ds->image_name));
  PetscCheck(ds->nimages > 0, f->comm, BA_ERR_INPUT, "%s: /stimuli/name is empty", f->path);
  PetscCall(CheckUnique(f, "/stimuli/name", ds->nimages, ds->image_name));
  PetscCall(CheckDataset(f, "/stimuli/category", 1, H5T_INTEGER, dims));
  ncat = (PetscInt)dims[0];
  PetscCall(CheckDim(f, "/stimuli/category", dims[0], ds->nimages, "values", "names in /stimuli/name"));
  PetscCall(PetscMalloc1(ncat, &ds->category));
  PetscCall(BaH5ReadAll(f, "/stimuli/category", H5T_NATIVE_INT, (hsize_t)ncat, ds->category));

  PetscCall(BaH5ListGroup(f, "/patients", &npatients, &ids));
  if (npatients == 0) PetscCall(BaStringsFree(npatients, &ids));
  PetscCheck(npatients > 0, f->comm, BA_ERR_INPUT, "%s: /patients holds no patient", f->path);
  PetscCall(PetscCalloc1(npatients, &ds->patient));
  ds->npatients = npatients;
  for (PetscInt p = 0; p < npatients; p++) {
    PetscErrorCode ierr = LoadPatient(ds, p, ids[p], protocol, s);
    if (!ierr) ierr = ScratchFree(s);
    if (ierr) PetscCall(BaStringsFree(npatients, &ids));
    PetscCall(ierr);
  }
  PetscCall(BaStringsFree(npatients, &ids));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Frees the metadata of ds (not the file). Tolerates a half-filled ds. */
static PetscErrorCode FreeMetadata(Dataset *ds)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; ds->patient && p < ds->npatients; p++) {
    DatasetPatient *pt = &ds->patient[p];
    for (PetscInt i = 0; pt->channel_name && pt->channel_name[i]; i++)
      PetscCall(PetscFree(pt->channel_name[i]));
    PetscCall(PetscFree(pt->channel_name));
    PetscCall(PetscFree(pt->mni));
    PetscCall(PetscFree(pt->pair));
    PetscCall(PetscFree(pt->stimulus));
  }
  PetscCall(PetscFree(ds->patient));
  PetscCall(BaStringsFree(ds->nimages, &ds->image_name));
  PetscCall(PetscFree(ds->category));
  ds->npatients = 0;
  ds->nimages   = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetOpen(MPI_Comm comm, const char *path, BaProtocol protocol, Dataset *ds)
{
  Scratch s = {0, NULL, NULL};
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  ierr = BaH5FileOpen(comm, path, "bandalign-dataset", &ds->file);
  if (!ierr) ierr = Load(ds, protocol, &s);
  if (ierr) {
    PetscCall(ScratchFree(&s));
    PetscCall(FreeMetadata(ds));
    BaH5FileAbandon(&ds->file);
  }
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetReadChannels(Dataset *ds, PetscInt p, PetscInt lo, PetscInt hi, float *buf)
{
  BaH5File *f = &ds->file;
  DatasetPatient *pt;
  char name[192];
  size_t len;
  char err[BA_COMM_ERR_LEN] = "";

  PetscFunctionBegin;
  PetscCheck(p >= 0 && p < ds->npatients, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "patient %" PetscInt_FMT " outside [0, %" PetscInt_FMT ")", p, ds->npatients);
  pt = &ds->patient[p];
  if (lo == hi) lo = hi = 0; /* an empty range may lie anywhere */
  PetscCheck(lo >= 0 && lo <= hi && hi <= pt->nchannels, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "channels [%" PetscInt_FMT ", %" PetscInt_FMT ") outside [0, %" PetscInt_FMT ")", lo, hi, pt->nchannels);
  len = (size_t)pt->ntrials * (size_t)pt->nsamples;
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/lfp", pt->id));
  if (ds->montage == BA_MONTAGE_BIPOLAR) {
    PetscCall(BaH5ReadRowsIndependent(f, name, H5T_NATIVE_FLOAT, (hsize_t)lo, (hsize_t)hi, buf, err, sizeof(err)));
  } else {
    /* the contiguous run of contact rows that holds both contacts of every channel */
    PetscInt cmin = 0, cmax = -1;
    float *rows = NULL;
    if (hi > lo) {
      cmin = pt->ncontacts;
      for (PetscInt c = lo; c < hi; c++)
        for (int k = 0; k < 2; k++) {
          cmin = PetscMin(cmin, pt->pair[2 * c + k]);
          cmax = PetscMax(cmax, pt->pair[2 * c + k]);
        }
      PetscCall(PetscMalloc1((size_t)(cmax + 1 - cmin) * len, &rows));
    }
    PetscCall(
        BaH5ReadRowsIndependent(f, name, H5T_NATIVE_FLOAT, (hsize_t)cmin, (hsize_t)(cmax + 1), rows, err, sizeof(err)));
    for (PetscInt c = lo; c < hi && !err[0]; c++) {
      const float *a = rows + (size_t)(pt->pair[2 * c] - cmin) * len,
                  *b = rows + (size_t)(pt->pair[2 * c + 1] - cmin) * len;
      float *o       = buf + (size_t)(c - lo) * len;
      for (size_t i = 0; i < len; i++)
        o[i] = a[i] - b[i];
    }
    PetscCall(PetscFree(rows));
  }
  /* the first non-finite sample, agreed on by every rank (the lowest failing rank holds the
     first in global order: ranks own contiguous ranges); a monopolar difference of two
     finite floats can overflow to Inf, which is as unusable. Ranks may be reading
     different patients. */
  for (PetscInt c = lo; c < hi && !err[0]; c++)
    for (PetscInt t = 0; t < pt->ntrials && !err[0]; t++) {
      const float *x = buf + (size_t)(c - lo) * len + (size_t)t * (size_t)pt->nsamples;
      for (PetscInt k = 0; k < pt->nsamples; k++)
        if (!isfinite(x[k])) {
          PetscCall(PetscSNPrintf(err, sizeof(err),
                                  "%s: %s has a non-finite sample in channel %" PetscInt_FMT
                                  " (%s), trial %" PetscInt_FMT,
                                  f->path, name, c, pt->channel_name[c], t));
          break;
        }
    }
  PetscCall(CommAgreeError(f->comm, err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetClose(Dataset *ds)
{
  PetscFunctionBegin;
  PetscCall(FreeMetadata(ds));
  if (ds->file.writing)
    BaH5FileAbandon(&ds->file);
  else if (ds->file.id >= 0 && ds->file.id != 0)
    PetscCall(BaH5FileCommit(&ds->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetCreate(MPI_Comm comm, const char *path, double sfreq, PetscInt onset, BaMontage montage,
                             PetscInt nimages, char *const *image_name, const int *category, Dataset *ds)
{
  hsize_t n = (hsize_t)nimages;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ds, sizeof(*ds)));
  PetscCall(BaH5FileCreate(comm, path, "bandalign-dataset", &ds->file));
  ds->sfreq   = sfreq;
  ds->onset   = onset;
  ds->montage = montage;
  ds->nimages = nimages; /* the names stay with the caller (image_name stays NULL) */
  PetscCall(BaH5AttrWriteDouble(&ds->file, "/", "sfreq", sfreq));
  PetscCall(BaH5AttrWriteInt(&ds->file, "/", "onset_sample", onset));
  PetscCall(BaH5AttrWriteString(&ds->file, "/", "montage", BaMontageNames[montage]));
  PetscCall(BaH5WriteNew(&ds->file, "/stimuli/category", H5T_STD_I32LE, 1, &n, H5T_NATIVE_INT, category));
  PetscCall(BaH5WriteStrings(&ds->file, "/stimuli/name", nimages, image_name));
  PetscCall(BaH5CreateGroups(&ds->file, "/patients"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetAddPatient(Dataset *ds, const char *id, PetscInt nchannels, PetscInt ntrials, PetscInt nsamples,
                                 char *const *channel_name, const double *mni, const int *stimulus)
{
  BaH5File *f = &ds->file;
  char name[192];
  hsize_t dims[3] = {(hsize_t)nchannels, (hsize_t)ntrials, (hsize_t)nsamples}, mdims[2] = {(hsize_t)nchannels, 3};

  PetscFunctionBegin;
  PetscCheck(id[0] && !strchr(id, '/') && strlen(id) < sizeof(ds->patient[0].id), f->comm, PETSC_ERR_ARG_WRONG,
             "patient id '%s' must be 1 to %d characters without '/'", id, (int)sizeof(ds->patient[0].id) - 1);
  for (PetscInt t = 0; t < ntrials; t++)
    PetscCheck(stimulus[t] >= -1 && stimulus[t] < ds->nimages, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "patient %s: stimulus[%" PetscInt_FMT "] = %d outside [-1, %" PetscInt_FMT ")", id, t, stimulus[t],
               ds->nimages);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/lfp", id));
  PetscCall(BaH5CreateDataset(f, name, H5T_IEEE_F32LE, 3, dims));
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/stimulus", id));
  PetscCall(BaH5WriteNew(f, name, H5T_STD_I32LE, 1, &dims[1], H5T_NATIVE_INT, stimulus));
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/mni", id));
  PetscCall(BaH5WriteNew(f, name, H5T_IEEE_F64LE, 2, mdims, H5T_NATIVE_DOUBLE, mni));
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/channel_name", id));
  PetscCall(BaH5WriteStrings(f, name, nchannels, channel_name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetWriteChannels(Dataset *ds, const char *id, PetscInt lo, PetscInt hi, const float *buf)
{
  char name[192];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "/patients/%s/lfp", id));
  PetscCall(BaH5WriteRows(&ds->file, name, H5T_NATIVE_FLOAT, (hsize_t)lo, (hsize_t)hi, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode DatasetCommit(Dataset *ds)
{
  PetscFunctionBegin;
  PetscCall(BaH5FileCommit(&ds->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}
