/* import_bids.c: BIDS-iEEG recordings to a bandalign-dataset file.
 *
 * Two phases. First every rank reads all the metadata (folder listing, channels.tsv,
 * electrodes.tsv, coordsystem.json, events.tsv and the recordings' headers): it is small,
 * and because every rank sees the same files it reaches the same verdict, so a bad folder
 * is one error on the whole communicator and no rank waits for another. Then each rank
 * takes a contiguous share of every patient's channels, reads their whole signals (EDF and
 * BDF through edf.c, BrainVision through brainvision.c), cuts the epochs out at 512 Hz
 * through the resampler and writes its rows; every rank walks the same number of blocks so
 * that the collective writes match. The sidecar tables are read by tsv.c, the coordinate
 * system by json.c. Sidecars (channels.tsv, events.tsv, electrodes.tsv, coordsystem.json)
 * are the recording's own or, by the BIDS inheritance principle, the nearest one up to the
 * root whose entities are a subset of the recording's (SidecarFind).
 *
 * Contacts stay monopolar: the features stage re-references neighbours on a shaft, so the
 * dataset keeps what was recorded, under names it can pair (<shaft><number>); contacts it
 * could not pair are left out and counted. events.tsv rows whose value starts with "bad"
 * are spans, not trials, and an image trial whose epoch overlaps one is not analysed. Samples are stored in microvolts
 * where the file names its unit (V, mV, uV, nV), as the file has them otherwise. Only what BIDS puts in the sidecars is
 * trusted for events (events.tsv); the BrainVision marker file is not read. */
#include <ctype.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <bandalign/atlas.h>
#include <bandalign/brainvision.h>
#include <bandalign/comm.h>
#include <bandalign/dataset.h>
#include <bandalign/edf.h>
#include <bandalign/folder.h>
#include <bandalign/import.h>
#include <bandalign/json.h>
#include <bandalign/resample.h>
#include <bandalign/tsv.h>

typedef enum { FORMAT_EDF, FORMAT_BRAINVISION } RecordingFormat;

/* One recording file (a run) and the trials it holds. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  RecordingFormat format;
  SignalTable sig;   /* the file's signals, from its header */
  BvLayout bv;       /* BrainVision only: where the samples are */
  PetscInt *signal;  /* [nchannels of the subject] signal index of each kept channel */
  PetscInt ntrials;  /* events.tsv rows but the BAD spans */
  double *onset;     /* [ntrials] seconds from the first sample */
  char **stim;       /* [ntrials] image (stimulus value as written), NULL for n/a and -exclude */
  int *category;     /* [ntrials] */
  PetscBool *in_bad; /* [ntrials] an image trial whose epoch overlaps a BAD span (not analysed) */
  PetscInt nspans;   /* BAD spans */
  char events[PETSC_MAX_PATH_LEN];
} Recording;

typedef struct {
  char id[64]; /* "sub-<label>" */
  PetscInt nrec;
  Recording *rec;
  PetscInt nchannels;
  char **label; /* [nchannels] as in channels.tsv and the recording ("LENT 1") */
  char **name;  /* [nchannels] as stored, <shaft><number> ("LENT1") */
  double *mni;  /* [nchannels * 3] mm */
  PetscInt ntrials;
  int *stimulus; /* [ntrials] image index, -1 = not analysed */
  PetscInt dropped_name, dropped_nocoord, dropped_alone;
} Subject;

/* ---- small text helpers ---- */

static PetscBool DirExists(const char *path)
{
  struct stat st;
  return (PetscBool)(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static PetscBool ParseDouble(const char *s, double *v)
{
  char *end;

  if (!s[0]) return PETSC_FALSE;
  *v = strtod(s, &end);
  return (PetscBool)(*end == 0 && isfinite(*v));
}

/* A comma-separated list; is s (exactly) one of its items? */
static PetscBool InList(const char *list, const char *s)
{
  const size_t n = strlen(s);

  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    const size_t len  = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && !strncmp(p, s, n)) return PETSC_TRUE;
    if (!comma) break;
    p = comma + 1;
  }
  return PETSC_FALSE;
}

/* A comma-separated list of shell patterns (fnmatch, items trimmed); does s match one? */
static PetscBool MatchesList(const char *list, const char *s)
{
  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    const size_t len  = comma ? (size_t)(comma - p) : strlen(p);
    char pat[512];

    snprintf(pat, sizeof(pat), "%.*s", (int)PetscMin(len, sizeof(pat) - 1), p);
    if (TextTrim(pat)[0] && !fnmatch(TextTrim(pat), s, 0)) return PETSC_TRUE;
    if (!comma) break;
    p = comma + 1;
  }
  return PETSC_FALSE;
}

/* Names with their numbers compared as numbers ("run-2" before "run-10"), for qsort on
   char *; names equal so ("run-01", "run-1") fall back to byte order. */
static int NaturalCompare(const void *a, const void *b)
{
  const char *x = *(char *const *)a, *y = *(char *const *)b;

  while (*x && *y) {
    if (isdigit((unsigned char)*x) && isdigit((unsigned char)*y)) {
      size_t nx = 0, ny = 0;
      int c;
      while (*x == '0' && isdigit((unsigned char)x[1]))
        x++;
      while (*y == '0' && isdigit((unsigned char)y[1]))
        y++;
      while (isdigit((unsigned char)x[nx]))
        nx++;
      while (isdigit((unsigned char)y[ny]))
        ny++;
      if (nx != ny) return nx < ny ? -1 : 1;
      if ((c = strncmp(x, y, nx))) return c;
      x += nx;
      y += ny;
    } else if (*x != *y)
      return (unsigned char)*x - (unsigned char)*y;
    else
      x++, y++;
  }
  if (*x || *y) return *x ? 1 : -1;
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A contact name <shaft>[ _-]<number>: shaft letters or primes, then at most one space,
   underscore or hyphen, then 1 to 9 digits ("A1", "B'12", "LENT 1", "OF_10"). Gives the
   name as the dataset stores it, <shaft><number> without the separator, in norm. */
static PetscBool ContactParse(const char *name, char *norm, size_t len, size_t *shaft_len, long *number)
{
  size_t n = 0;
  const char *d;

  while (name[n] && (isalpha((unsigned char)name[n]) || name[n] == '\''))
    n++;
  d = name + n + (n > 0 && (name[n] == ' ' || name[n] == '_' || name[n] == '-'));
  if (n == 0 || !isdigit((unsigned char)*d) || strlen(d) > 9) return PETSC_FALSE;
  for (const char *s = d; *s; s++)
    if (!isdigit((unsigned char)*s)) return PETSC_FALSE;
  if (n + strlen(d) + 1 > len) return PETSC_FALSE;
  snprintf(norm, len, "%.*s%s", (int)n, name, d);
  *shaft_len = n;
  *number    = strtol(d, NULL, 10);
  return PETSC_TRUE;
}

/* Does an annotation value mark a bad span? As MNE's reject_by_annotation: it starts with
   "bad" in any case ("BAD_movement", "BAD boundary", "bad_blink"). */
static PetscBool BadSpan(const char *v)
{
  return (PetscBool)!strncasecmp(v, "bad", 3);
}

/* ---- BIDS names and inheritance ---- */

#define MAX_ENTITIES 16

/* The key-value entities of a file name "k1-v1_k2-v2_..._<suffix>.<ext>". */
typedef struct {
  int n;
  char key[MAX_ENTITIES][32], val[MAX_ENTITIES][128];
} Entities;

/* Parses name into e; *suffix points at "<suffix>.<ext>" (the part after the last '_', or
   the whole name). PETSC_FALSE when a part before it is not key-value. */
static PetscBool EntitiesParse(const char *name, Entities *e, const char **suffix)
{
  const char *last = strrchr(name, '_');

  e->n    = 0;
  *suffix = last ? last + 1 : name;
  for (const char *p = name; last && p < last;) {
    const char *u    = memchr(p, '_', (size_t)(last - p)) ? (const char *)memchr(p, '_', (size_t)(last - p)) : last;
    const char *dash = memchr(p, '-', (size_t)(u - p));
    if (!dash || dash == p || dash + 1 == u || e->n == MAX_ENTITIES || dash - p >= 32 || u - dash - 1 >= 128)
      return PETSC_FALSE;
    snprintf(e->key[e->n], sizeof(e->key[0]), "%.*s", (int)(dash - p), p);
    snprintf(e->val[e->n], sizeof(e->val[0]), "%.*s", (int)(u - dash - 1), dash + 1);
    e->n++;
    p = u + 1;
  }
  return PETSC_TRUE;
}

/* Is every entity of a, but those whose key is in the list ignore, also one of b's? */
static PetscBool EntitiesWithin(const Entities *a, const Entities *b, const char *ignore)
{
  for (int i = 0; i < a->n; i++) {
    PetscBool found = InList(ignore, a->key[i]);
    for (int j = 0; j < b->n && !found; j++)
      found = (PetscBool)(!strcmp(a->key[i], b->key[j]) && !strcmp(a->val[i], b->val[j]));
    if (!found) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* The files of folder dir named <entities>_<what> (what: "channels.tsv", ...) whose
   entities, but those in ignore, are all among rec's: most entities first, then in name
   order; nent[i] the number of entities of names[i]. */
static PetscErrorCode SidecarsAt(const char *dir, const Entities *rec, const char *what, const char *ignore,
                                 PetscInt *n, char ***names, int **nent)
{
  PetscInt m;
  char **all;

  PetscFunctionBegin;
  PetscCall(FolderList(dir, PETSC_FALSE, what, &m, &all, NULL));
  PetscCall(PetscMalloc1(m + 1, names));
  PetscCall(PetscMalloc1(m + 1, nent));
  *n = 0;
  for (PetscInt i = 0; i < m; i++) {
    Entities e;
    const char *suffix;
    if (!EntitiesParse(all[i], &e, &suffix) || strcmp(suffix, what) || !EntitiesWithin(&e, rec, ignore)) {
      PetscCall(PetscFree(all[i]));
      continue;
    }
    /* insertion by entity count, stable in name order */
    PetscInt k = *n;
    while (k > 0 && (*nent)[k - 1] < e.n) {
      (*names)[k] = (*names)[k - 1];
      (*nent)[k]  = (*nent)[k - 1];
      k--;
    }
    (*names)[k] = all[i];
    (*nent)[k]  = e.n;
    (*n)++;
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The folder above d, in place; PETSC_FALSE when d is the BIDS root already. */
static PetscBool FolderUp(const char *root, char *d)
{
  char *slash;

  if (strlen(d) <= strlen(root) || !(slash = strrchr(d, '/')) || (size_t)(slash - d) < strlen(root)) return PETSC_FALSE;
  *slash = 0;
  return PETSC_TRUE;
}

/* The sidecar <entities>_<what> that applies to the file whose entities are rec (named
   for messages by of), by the BIDS inheritance principle: the nearest folder from dir up
   to root that holds any whose entities are a subset of rec's, and there the one with the
   most entities (two with as many is an error). path is empty when there is none. */
static PetscErrorCode SidecarFind(MPI_Comm comm, const char *root, const char *dir, const Entities *rec, const char *of,
                                  const char *what, char *path, size_t len)
{
  char d[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  path[0] = 0;
  PetscCall(PetscStrncpy(d, dir, sizeof(d)));
  do {
    PetscInt n;
    char **names;
    int *nent;
    PetscCall(SidecarsAt(d, rec, what, "", &n, &names, &nent));
    if (n > 0) {
      PetscCheck(n == 1 || nent[0] > nent[1], comm, BA_ERR_INPUT,
                 "%s: %s and %s both apply to %s (BIDS inheritance wants one per folder)", d, names[0], names[1], of);
      PetscCall(PetscSNPrintf(path, len, "%s/%s", d, names[0]));
    }
    PetscCall(BaStringsFree(n, &names));
    PetscCall(PetscFree(nent));
  } while (!path[0] && FolderUp(root, d));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- recordings ---- */

/* Reads whole signals sig[0..n) into x[k] (length nsamples[sig[k]]) in microvolts. Returns
   a message in err (empty on success): called by one rank on its own channels. */
static PetscErrorCode RecordingRead(const Recording *r, PetscInt n, const PetscInt *sig, double **x, char *err,
                                    size_t errlen)
{
  PetscFunctionBegin;
  if (r->format == FORMAT_EDF)
    PetscCall(EdfSignalsRead(r->path, &r->sig, n, sig, x, err, errlen));
  else
    PetscCall(BrainVisionSignalsRead(&r->sig, &r->bv, n, sig, x, err, errlen));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the BIDS folder ---- */

/* Is name "sub-<id>_..._task-<task>_..._ieeg.<ext>" with a supported ext? kind: 1 EDF/BDF,
   2 BrainVision, -1 a recording of the task in a format we do not read, 0 not a match. */
static int RecordingKind(const char *name, const char *sub, const char *task)
{
  char ent[300];
  const char *tail = strstr(name, "_ieeg.");

  if (!tail || strncmp(name, sub, strlen(sub)) || name[strlen(sub)] != '_') return 0;
  snprintf(ent, sizeof(ent), "_task-%s_", task);
  {
    char head[PETSC_MAX_PATH_LEN];
    size_t len = (size_t)(tail - name);
    if (len + 2 > sizeof(head)) return 0;
    memcpy(head, name, len);
    head[len]     = '_';
    head[len + 1] = 0;
    if (!strstr(head, ent)) return 0;
  }
  tail += strlen("_ieeg.");
  if (!strcasecmp(tail, "edf") || !strcasecmp(tail, "bdf")) return 1;
  if (!strcasecmp(tail, "vhdr")) return 2;
  if (!strcmp(tail, "eeg") || !strcmp(tail, "vmrk") || !strcmp(tail, "json")) return 0;
  return -1;
}

/* The electrodes of a recording's folder in an MNI space, read into name -> coordinate. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  Tsv tsv;
  PetscInt cname, cx, cy, cz;
  double to_mm;
  double *xyz;    /* [nrows * 3] mm, checked by MniCheck */
  PetscBool *has; /* [nrows] x, y and z given (not n/a) */
} Electrodes;

/* MNI spaces by their BIDS names; fsaverage is FreeSurfer's MNI305 (as mne-bids writes
   MNE's "mni_tal" frame). */
static PetscBool MniSpace(const char *s)
{
  return (PetscBool)(!strncmp(s, "MNI", 3) || !strncmp(s, "ICBM452", 7) || !strcmp(s, "IXI549Space") ||
                     !strcmp(s, "fsaverage"));
}

/* Every row's x, y, z in mm: each cell a finite number or n/a (BIDS's missing value; a row
   with one is not placed), anything else an input error naming the file, row and column;
   a placed row must be a plausible MNI coordinate (MniCheck). */
static PetscErrorCode ElectrodesParse(MPI_Comm comm, Electrodes *el)
{
  const PetscInt col[3] = {el->cx, el->cy, el->cz}, n = el->tsv.nrows;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(3 * n + 3, &el->xyz, n + 1, &el->has));
  for (PetscInt r = 0; r < n; r++) {
    char *name = (char *)TsvCell(&el->tsv, r, el->cname);

    el->has[r] = PETSC_TRUE;
    for (int d = 0; d < 3; d++) {
      const char *cell = TsvCell(&el->tsv, r, col[d]);
      if (!strcmp(cell, "n/a")) {
        el->has[r] = PETSC_FALSE;
        continue;
      }
      PetscCheck(ParseDouble(cell, &el->xyz[3 * r + d]), comm, BA_ERR_INPUT,
                 "%s: row %" PetscInt_FMT " (%s): %c is '%s', not a finite number or n/a", el->path, r + 1, name,
                 "xyz"[d], cell);
      el->xyz[3 * r + d] *= el->to_mm;
    }
    if (el->has[r]) PetscCall(MniCheck(comm, el->path, "x, y, z", 1, &el->xyz[3 * r], &name, r + 1));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The electrodes of the recording rec (in folder dir) in an MNI space: from the nearest
   folder up to the BIDS root that holds an *_electrodes.tsv whose entities but space and
   acq are the recording's, the first there in an MNI space, with its coordsystem.json
   (found the same way from the electrodes file). */
static PetscErrorCode ElectrodesRead(MPI_Comm comm, const char *root, const char *dir, const Entities *rec,
                                     const char *of, Electrodes *el)
{
  char d[PETSC_MAX_PATH_LEN], why[2 * PETSC_MAX_PATH_LEN + 128] = "";

  PetscFunctionBegin;
  PetscCall(PetscMemzero(el, sizeof(*el)));
  PetscCall(PetscStrncpy(d, dir, sizeof(d)));
  do {
    PetscInt n;
    char **files;
    int *nent;

    PetscCall(SidecarsAt(d, rec, "electrodes.tsv", "space,acq", &n, &files, &nent));
    for (PetscInt i = 0; i < n && !el->path[0]; i++) {
      const size_t len = strlen(files[i]), sl = strlen("_electrodes.tsv");
      char tsv[PETSC_MAX_PATH_LEN], json[PETSC_MAX_PATH_LEN], *text, sys[128] = "", units[32] = "mm";
      Entities ee;
      const char *suffix;

      PetscCall(PetscSNPrintf(tsv, sizeof(tsv), "%s/%s", d, files[i]));
      (void)EntitiesParse(files[i], &ee, &suffix);
      PetscCall(SidecarFind(comm, root, d, &ee, tsv, "coordsystem.json", json, sizeof(json)));
      PetscCheck(json[0], comm, BA_ERR_INPUT, "%s/%.*s_coordsystem.json: missing (it describes %s)", d, (int)(len - sl),
                 files[i], tsv);
      PetscCall(TextRead(comm, json, &text));
      PetscCheck(JsonString(text, "iEEGCoordinateSystem", sys, sizeof(sys)), comm, BA_ERR_INPUT,
                 "%s: no iEEGCoordinateSystem", json);
      (void)JsonString(text, "iEEGCoordinateUnits", units, sizeof(units));
      PetscCall(PetscFree(text));
      if (!MniSpace(sys)) {
        if (!why[0])
          PetscCall(PetscSNPrintf(why, sizeof(why),
                                  "%s: iEEGCoordinateSystem is %s, not an MNI space (MNI152NLin2009cAsym, MNI305, "
                                  "fsaverage, ...)",
                                  json, sys));
        continue;
      }
      if (!strcmp(units, "mm"))
        el->to_mm = 1;
      else if (!strcmp(units, "cm"))
        el->to_mm = 10;
      else if (!strcmp(units, "m"))
        el->to_mm = 1000;
      else
        SETERRQ(comm, BA_ERR_INPUT, "%s: iEEGCoordinateUnits is %s, not m, cm or mm", json, units);
      PetscCall(PetscStrncpy(el->path, tsv, sizeof(el->path)));
    }
    PetscCall(BaStringsFree(n, &files));
    PetscCall(PetscFree(nent));
  } while (!el->path[0] && FolderUp(root, d));
  PetscCheck(el->path[0] || !why[0], comm, BA_ERR_INPUT, "%s", why);
  PetscCheck(el->path[0], comm, BA_ERR_INPUT,
             "%s: no *_electrodes.tsv with its _coordsystem.json applies to %s (in its folder or above)", dir, of);
  PetscCall(TsvRead(comm, el->path, &el->tsv));
  PetscCall(TsvRequire(comm, &el->tsv, "name", &el->cname));
  PetscCall(TsvRequire(comm, &el->tsv, "x", &el->cx));
  PetscCall(TsvRequire(comm, &el->tsv, "y", &el->cy));
  PetscCall(TsvRequire(comm, &el->tsv, "z", &el->cz));
  PetscCall(ElectrodesParse(comm, el));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ElectrodesFree(Electrodes *el)
{
  PetscFunctionBegin;
  PetscCall(TsvFree(&el->tsv));
  PetscCall(PetscFree2(el->xyz, el->has));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Coordinates of a contact in mm; PETSC_FALSE when it is absent or n/a. */
static PetscBool ElectrodeFind(const Electrodes *el, const char *name, double xyz[3])
{
  for (PetscInt r = 0; r < el->tsv.nrows; r++) {
    if (strcmp(TsvCell(&el->tsv, r, el->cname), name)) continue;
    if (!el->has[r]) return PETSC_FALSE;
    for (int d = 0; d < 3; d++)
      xyz[d] = el->xyz[3 * r + d];
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* The SEEG/ECOG channels of a recording whose status is not bad, in channels.tsv order. */
static PetscErrorCode ChannelsRead(MPI_Comm comm, const char *path, PetscInt *n, char ***names)
{
  Tsv t;
  PetscInt cname, ctype, cstatus;

  PetscFunctionBegin;
  PetscCall(TsvRead(comm, path, &t));
  PetscCall(TsvRequire(comm, &t, "name", &cname));
  PetscCall(TsvRequire(comm, &t, "type", &ctype));
  cstatus = TsvColumn(&t, "status");
  PetscCall(PetscMalloc1(t.nrows + 1, names));
  *n = 0;
  for (PetscInt r = 0; r < t.nrows; r++) {
    const char *type = TsvCell(&t, r, ctype);
    if (strcasecmp(type, "SEEG") && strcasecmp(type, "ECOG")) continue;
    if (cstatus >= 0 && !strcasecmp(TsvCell(&t, r, cstatus), "bad")) continue;
    for (PetscInt k = 0; k < *n; k++)
      PetscCheck(strcmp((*names)[k], TsvCell(&t, r, cname)), comm, BA_ERR_INPUT, "%s: channel %s is listed twice", path,
                 TsvCell(&t, r, cname));
    PetscCall(PetscStrallocpy(TsvCell(&t, r, cname), &(*names)[(*n)++]));
  }
  PetscCheck(*n > 0, comm, BA_ERR_INPUT, "%s: no SEEG or ECOG channel whose status is good", path);
  PetscCall(TsvFree(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads events.tsv. Rows whose stimulus (or trial_type) value starts with "bad" are BAD
   spans (onset, duration), not trials; every other row is a trial: an image (its stimulus
   value; the epoch must lie inside the recording) or, for n/a, empty and -exclude values,
   a trial not analysed (stim NULL, not checked). An image trial whose epoch overlaps a
   BAD span is marked in_bad. */
static PetscErrorCode EventsRead(MPI_Comm comm, const ImportBidsOptions *o, Recording *rec, double duration)
{
  Tsv t;
  PetscInt conset, cstim, ccat = -1, cdur, ctype, nt = 0, ns = 0;
  double *span;

  PetscFunctionBegin;
  PetscCall(TsvRead(comm, rec->events, &t));
  PetscCall(TsvRequire(comm, &t, "onset", &conset));
  PetscCall(TsvRequire(comm, &t, o->stim_column, &cstim));
  if (o->category_column[0]) PetscCall(TsvRequire(comm, &t, o->category_column, &ccat));
  cdur  = TsvColumn(&t, "duration");
  ctype = TsvColumn(&t, "trial_type");
  PetscCheck(t.nrows > 0, comm, BA_ERR_INPUT, "%s: no events", rec->events);
  PetscCall(PetscMalloc4(t.nrows, &rec->onset, t.nrows, &rec->stim, t.nrows, &rec->category, t.nrows, &rec->in_bad));
  PetscCall(PetscMalloc1(2 * t.nrows, &span));
  for (PetscInt r = 0; r < t.nrows; r++) {
    const char *v = TsvCell(&t, r, cstim);
    double on, first, last;

    PetscCheck(ParseDouble(TsvCell(&t, r, conset), &on), comm, BA_ERR_INPUT,
               "%s: row %" PetscInt_FMT ": onset '%s' is not a number", rec->events, r + 1, TsvCell(&t, r, conset));
    if (BadSpan(v) || (ctype >= 0 && BadSpan(TsvCell(&t, r, ctype)))) {
      const char *d = cdur >= 0 ? TsvCell(&t, r, cdur) : "n/a";
      span[2 * ns]  = on;
      if (!strcmp(d, "n/a") || !d[0])
        span[2 * ns + 1] = 0;
      else
        PetscCheck(ParseDouble(d, &span[2 * ns + 1]) && span[2 * ns + 1] >= 0, comm, BA_ERR_INPUT,
                   "%s: row %" PetscInt_FMT ": duration '%s' of a BAD span is not a number >= 0", rec->events, r + 1,
                   d);
      ns++;
      continue;
    }
    rec->onset[nt]    = on;
    rec->stim[nt]     = NULL;
    rec->category[nt] = 0;
    rec->in_bad[nt]   = PETSC_FALSE;
    nt++;
    if (!v[0] || !strcmp(v, "n/a") || MatchesList(o->exclude, v)) continue;
    first = (double)(llround(on * BA_IMPORT_SFREQ) - BA_IMPORT_ONSET) / BA_IMPORT_SFREQ;
    last  = first + (BA_IMPORT_NSAMPLES - 1) / BA_IMPORT_SFREQ;
    PetscCheck(first >= 0 && last <= duration, comm, BA_ERR_INPUT,
               "%s: row %" PetscInt_FMT
               ": the epoch of onset %g s (%.3f .. %.3f s) is not inside the recording (0 .. %.3f s)",
               rec->events, r + 1, on, first, last, duration);
    PetscCall(PetscStrallocpy(v, &rec->stim[nt - 1]));
    if (ccat >= 0 && strcmp(TsvCell(&t, r, ccat), "n/a")) {
      char *end;
      long c = strtol(TsvCell(&t, r, ccat), &end, 10);
      PetscCheck(!*end && TsvCell(&t, r, ccat)[0], comm, BA_ERR_INPUT,
                 "%s: row %" PetscInt_FMT ": %s '%s' is not an integer", rec->events, r + 1, o->category_column,
                 TsvCell(&t, r, ccat));
      rec->category[nt - 1] = (int)c;
    }
  }
  PetscCheck(nt > 0, comm, BA_ERR_INPUT, "%s: no events but BAD spans", rec->events);
  rec->ntrials = nt;
  rec->nspans  = ns;
  /* an epoch covers [n0, n0 + 768) / 512 s; it overlaps a span [on, on + dur] as MNE's
     reject_by_annotation has it: on < its end and on + dur > its start */
  for (PetscInt i = 0; i < nt; i++) {
    const PetscInt64 n0 = llround(rec->onset[i] * BA_IMPORT_SFREQ) - BA_IMPORT_ONSET;
    const double ts = (double)n0 / BA_IMPORT_SFREQ, te = (double)(n0 + BA_IMPORT_NSAMPLES) / BA_IMPORT_SFREQ;
    for (PetscInt k = 0; k < ns && rec->stim[i]; k++)
      if (span[2 * k] < te && span[2 * k] + span[2 * k + 1] > ts) rec->in_bad[i] = PETSC_TRUE;
  }
  PetscCall(PetscFree(span));
  PetscCall(TsvFree(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The folders a subject's recordings may sit in: sub-<label>/ieeg, then the ieeg folder of
   each sub-<label>/ses-<label> in natural name order (at most 64 folders in all). */
static PetscErrorCode SubjectFolders(MPI_Comm comm, const char *root, const char *sub, char *subdir, size_t len,
                                     char dirs[][PETSC_MAX_PATH_LEN], PetscInt *ndirs)
{
  PetscInt nses;
  char **ses;

  PetscFunctionBegin;
  *ndirs = 0;
  PetscCall(PetscSNPrintf(subdir, len, "%s/%s", root, sub));
  PetscCheck(DirExists(subdir), comm, BA_ERR_INPUT, "%s: no such subject folder", subdir);
  PetscCall(PetscSNPrintf(dirs[(*ndirs)++], PETSC_MAX_PATH_LEN, "%s/ieeg", subdir));
  PetscCall(FolderList(subdir, PETSC_TRUE, NULL, &nses, &ses, NULL));
  qsort(ses, (size_t)nses, sizeof(char *), NaturalCompare);
  for (PetscInt i = 0; i < nses; i++) {
    if (strncmp(ses[i], "ses-", 4)) continue;
    PetscCheck(*ndirs < 64, comm, BA_ERR_INPUT, "%s: more than 63 sessions", subdir);
    PetscCall(PetscSNPrintf(dirs[(*ndirs)++], PETSC_MAX_PATH_LEN, "%s/%s/ieeg", subdir, ses[i]));
  }
  PetscCall(BaStringsFree(nses, &ses));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The subject's channels from its first recording's kept ones (chan is their channels.tsv):
   named as contacts (<shaft>[ _-]<number>, stored without the separator), with MNI
   coordinates in el, each name once per shaft and number, and with a neighbour (number
   +-1) on its shaft among them, since the features stage pairs neighbours; the others are
   counted and left out. */
static PetscErrorCode SubjectChannels(MPI_Comm comm, const char *chan, PetscInt nkept, char **kept,
                                      const Electrodes *el, Subject *s)
{
  size_t *slen;
  long *num;
  PetscBool *pair;
  PetscInt m = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nkept, &s->label, nkept, &s->name, 3 * nkept, &s->mni));
  PetscCall(PetscMalloc2(nkept, &slen, nkept, &num));
  for (PetscInt k = 0; k < nkept; k++) {
    double xyz[3];
    char norm[256];
    PetscBool repeat = PETSC_FALSE;

    if (!ContactParse(kept[k], norm, sizeof(norm), &slen[s->nchannels], &num[s->nchannels])) {
      s->dropped_name++;
      continue;
    }
    if (!ElectrodeFind(el, kept[k], xyz)) {
      s->dropped_nocoord++;
      continue;
    }
    for (PetscInt j = 0; j < s->nchannels && !repeat; j++)
      repeat = (PetscBool)(slen[j] == slen[s->nchannels] && num[j] == num[s->nchannels] &&
                           !strncmp(s->name[j], norm, slen[j]));
    if (repeat) {
      s->dropped_name++;
      continue;
    }
    PetscCall(PetscStrallocpy(kept[k], &s->label[s->nchannels]));
    PetscCall(PetscStrallocpy(norm, &s->name[s->nchannels]));
    for (int dd = 0; dd < 3; dd++)
      s->mni[3 * s->nchannels + dd] = xyz[dd];
    s->nchannels++;
  }
  /* keep those with a neighbour, in order */
  PetscCall(PetscMalloc1(s->nchannels + 1, &pair));
  for (PetscInt i = 0; i < s->nchannels; i++) {
    pair[i] = PETSC_FALSE;
    for (PetscInt j = 0; j < s->nchannels && !pair[i]; j++)
      pair[i] =
          (PetscBool)(slen[j] == slen[i] && labs(num[j] - num[i]) == 1 && !strncmp(s->name[j], s->name[i], slen[i]));
  }
  for (PetscInt i = 0; i < s->nchannels; i++) {
    if (!pair[i]) {
      s->dropped_alone++;
      PetscCall(PetscFree(s->label[i]));
      PetscCall(PetscFree(s->name[i]));
      continue;
    }
    s->label[m] = s->label[i];
    s->name[m]  = s->name[i];
    for (int dd = 0; dd < 3; dd++)
      s->mni[3 * m + dd] = s->mni[3 * i + dd];
    m++;
  }
  s->nchannels = m;
  PetscCall(PetscFree(pair));
  PetscCall(PetscFree2(slen, num));
  PetscCheck(m > 0, comm, BA_ERR_INPUT,
             "%s: none of its %" PetscInt_FMT " SEEG/ECOG channels can be imported (%" PetscInt_FMT
             " not named <shaft><number> or repeated, %" PetscInt_FMT " without coordinates in %s, %" PetscInt_FMT
             " without a neighbour on their shaft)",
             chan, nkept, s->dropped_name, s->dropped_nocoord, el->path, s->dropped_alone);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A later run must keep every channel of the subject (chan is its channels.tsv). */
static PetscErrorCode RunChannelsCheck(MPI_Comm comm, const char *chan, PetscInt nkept, char **kept, const Subject *s)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->nchannels; k++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt j = 0; j < nkept; j++)
      found = (PetscBool)(found || !strcmp(kept[j], s->label[k]));
    PetscCheck(found, comm, BA_ERR_INPUT, "%s: channel %s of %s is missing or bad here", chan, s->label[k],
               s->rec[0].path);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Each channel's signal in r; all must be found. duration: seconds the shortest of them
   covers, from its first to its last sample. */
static PetscErrorCode RecordingSignals(MPI_Comm comm, const char *chan, const Subject *s, Recording *r,
                                       double *duration)
{
  PetscFunctionBegin;
  *duration = INFINITY;
  PetscCall(PetscMalloc1(s->nchannels, &r->signal));
  for (PetscInt k = 0; k < s->nchannels; k++) {
    r->signal[k] = -1;
    for (PetscInt j = 0; j < r->sig.nsignals; j++)
      if (r->sig.label[j] && !strcmp(r->sig.label[j], s->label[k])) r->signal[k] = j;
    PetscCheck(r->signal[k] >= 0, comm, BA_ERR_INPUT, "%s: channel %s of %s is not in the recording", r->path,
               s->label[k], chan);
    *duration = PetscMin(*duration, (double)(r->sig.nsamples[r->signal[k]] - 1) / r->sig.fs[r->signal[k]]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads recording dir/file (kind as RecordingKind) into the next s->rec: its header, the
   channels.tsv and events.tsv that apply to it (its own, or inherited from a folder above),
   the subject's electrodes (on its first recording), the signal of each channel and the
   events. */
static PetscErrorCode RecordingAdd(MPI_Comm comm, const ImportBidsOptions *o, const char *dir, const char *file,
                                   int kind, Subject *s, Electrodes *el, PetscBool *have_el)
{
  Recording *r = &s->rec[s->nrec++];
  char chan[PETSC_MAX_PATH_LEN], **kept;
  PetscInt nkept = 0;
  size_t stem;
  double duration;
  Entities rec;
  const char *suffix;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  PetscCall(PetscSNPrintf(r->path, sizeof(r->path), "%s/%s", dir, file));
  PetscCheck(EntitiesParse(file, &rec, &suffix), comm, BA_ERR_INPUT,
             "%s: not a BIDS file name (<key>-<value>_..._ieeg.<ext>)", r->path);
  r->format = kind == 1 ? FORMAT_EDF : FORMAT_BRAINVISION;
  if (r->format == FORMAT_EDF)
    PetscCall(EdfHeaderRead(comm, r->path, &r->sig));
  else
    PetscCall(BrainVisionHeaderRead(comm, r->path, &r->sig, &r->bv));

  /* sidecars: the recording's own name up to _ieeg, or inherited */
  stem = (size_t)(strstr(r->path, "_ieeg.") - r->path);
  PetscCall(SidecarFind(comm, o->root, dir, &rec, r->path, "channels.tsv", chan, sizeof(chan)));
  PetscCheck(chan[0], comm, BA_ERR_INPUT, "%.*s_channels.tsv: missing (and none applies from a folder above)",
             (int)stem, r->path);
  PetscCall(SidecarFind(comm, o->root, dir, &rec, r->path, "events.tsv", r->events, sizeof(r->events)));
  PetscCheck(r->events[0], comm, BA_ERR_INPUT, "%.*s_events.tsv: missing (and none applies from a folder above)",
             (int)stem, r->path);
  PetscCall(ChannelsRead(comm, chan, &nkept, &kept));
  if (!*have_el) {
    PetscCall(ElectrodesRead(comm, o->root, dir, &rec, r->path, el));
    *have_el = PETSC_TRUE;
  }
  if (s->nrec == 1)
    PetscCall(SubjectChannels(comm, chan, nkept, kept, el, s));
  else
    PetscCall(RunChannelsCheck(comm, chan, nkept, kept, s));
  PetscCall(BaStringsFree(nkept, &kept));

  PetscCall(RecordingSignals(comm, chan, s, r, &duration));
  PetscCall(EventsRead(comm, o, r, duration));
  s->ntrials += r->ntrials;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Finds and reads everything of one subject but the samples: the recordings of the task,
   in folder then natural name order. */
static PetscErrorCode SubjectRead(MPI_Comm comm, const ImportBidsOptions *o, const char *sub, Subject *s)
{
  char subdir[PETSC_MAX_PATH_LEN], dirs[64][PETSC_MAX_PATH_LEN];
  PetscInt ndirs;
  Electrodes el;
  PetscBool have_el = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscStrncpy(s->id, sub, sizeof(s->id)));
  PetscCall(SubjectFolders(comm, o->root, sub, subdir, sizeof(subdir), dirs, &ndirs));
  PetscCall(PetscMalloc1(64, &s->rec));
  for (PetscInt d = 0; d < ndirs; d++) {
    PetscInt n;
    char **files;

    /* a recording stored as a folder (.mefd) is one we do not read */
    PetscCall(FolderList(dirs[d], PETSC_TRUE, NULL, &n, &files, NULL));
    for (PetscInt i = 0; i < n; i++)
      PetscCheck(!RecordingKind(files[i], sub, o->task), comm, BA_ERR_INPUT,
                 "%s/%s: format not supported (EDF, BDF or BrainVision .vhdr/.eeg)", dirs[d], files[i]);
    PetscCall(BaStringsFree(n, &files));
    PetscCall(FolderList(dirs[d], PETSC_FALSE, NULL, &n, &files, NULL));
    qsort(files, (size_t)n, sizeof(char *), NaturalCompare);
    for (PetscInt i = 0; i < n; i++) {
      const int kind = RecordingKind(files[i], sub, o->task);

      if (!kind) continue;
      PetscCheck(kind > 0, comm, BA_ERR_INPUT, "%s/%s: format not supported (EDF, BDF or BrainVision .vhdr/.eeg)",
                 dirs[d], files[i]);
      PetscCheck(s->nrec < 64, comm, BA_ERR_INPUT, "%s: more than 64 recordings of task %s", subdir, o->task);
      PetscCall(RecordingAdd(comm, o, dirs[d], files[i], kind, s, &el, &have_el));
    }
    PetscCall(BaStringsFree(n, &files));
  }
  PetscCheck(s->nrec > 0, comm, BA_ERR_INPUT,
             "%s: no recording of task %s (%s[/ses-*]/ieeg/%s_*task-%s*_ieeg.edf, .bdf or .vhdr)", subdir, o->task,
             subdir, sub, o->task);
  if (have_el) PetscCall(ElectrodesFree(&el));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SubjectFree(Subject *s)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < s->nrec; i++) {
    Recording *r = &s->rec[i];
    PetscCall(SignalTableFree(&r->sig));
    PetscCall(PetscFree(r->signal));
    for (PetscInt t = 0; t < r->ntrials; t++)
      PetscCall(PetscFree(r->stim[t]));
    PetscCall(PetscFree4(r->onset, r->stim, r->category, r->in_bad));
  }
  PetscCall(PetscFree(s->rec));
  for (PetscInt k = 0; k < s->nchannels; k++) {
    PetscCall(PetscFree(s->label[k]));
    PetscCall(PetscFree(s->name[k]));
  }
  PetscCall(PetscFree3(s->label, s->name, s->mni));
  PetscCall(PetscFree(s->stimulus));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The subjects to import: -subjects, or every sub-* folder. */
static PetscErrorCode SubjectList(MPI_Comm comm, const ImportBidsOptions *o, PetscInt *n, char ***subs)
{
  PetscFunctionBegin;
  PetscCheck(DirExists(o->root), comm, BA_ERR_INPUT, "-bids: %s is not a folder", o->root);
  if (!o->subjects[0]) {
    PetscInt m;
    char **all;
    PetscCall(FolderList(o->root, PETSC_TRUE, NULL, &m, &all, NULL));
    PetscCall(PetscMalloc1(m + 1, subs));
    *n = 0;
    for (PetscInt i = 0; i < m; i++)
      if (!strncmp(all[i], "sub-", 4)) PetscCall(PetscStrallocpy(all[i], &(*subs)[(*n)++]));
    PetscCall(BaStringsFree(m, &all));
    PetscCheck(*n > 0, comm, BA_ERR_INPUT, "%s: no sub-* folders (is it a BIDS folder?)", o->root);
  } else {
    char *copy, *tok, *save = NULL;
    PetscCall(PetscStrallocpy(o->subjects, &copy));
    PetscCall(PetscMalloc1(strlen(o->subjects) + 1, subs));
    *n = 0;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      char name[256];
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", strncmp(tok, "sub-", 4) ? "sub-" : "", TextTrim(tok)));
      PetscCall(PetscStrallocpy(name, &(*subs)[(*n)++]));
    }
    PetscCall(PetscFree(copy));
    PetscCheck(*n > 0, comm, BA_ERR_INPUT, "-subjects: empty list");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Image list: the distinct image values of every trial (not n/a, not -exclude, not a BAD
   span), sorted, with the category of their events (which must agree). A trial's stimulus
   is its image's index, or -1 when it is not an image or its epoch overlaps a BAD span: an
   image stays in the list when all its trials do. */
static PetscErrorCode ImageList(MPI_Comm comm, const ImportBidsOptions *o, PetscInt nsub, Subject *sub, PetscInt *nimg,
                                char ***img, int **cat)
{
  PetscInt n = 0, cap = 0;
  char **all;
  const char **where;
  int *acat;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < nsub; s++)
    cap += sub[s].ntrials;
  PetscCall(PetscMalloc3(cap + 1, &all, cap + 1, &acat, cap + 1, &where));
  for (PetscInt s = 0; s < nsub; s++)
    for (PetscInt i = 0; i < sub[s].nrec; i++)
      for (PetscInt t = 0; t < sub[s].rec[i].ntrials; t++)
        if (sub[s].rec[i].stim[t]) all[n++] = sub[s].rec[i].stim[t];
  qsort(all, (size_t)n, sizeof(char *), FolderCompareNames);
  *nimg = 0;
  for (PetscInt i = 0; i < n; i++)
    if (*nimg == 0 || strcmp(all[*nimg - 1], all[i])) all[(*nimg)++] = all[i];
  PetscCheck(*nimg > 0, comm, BA_ERR_INPUT,
             "-stim_column: no event of any subject names an analysed stimulus in column '%s'", o->stim_column);
  for (PetscInt k = 0; k < *nimg; k++)
    where[k] = NULL;
  for (PetscInt s = 0; s < nsub; s++) {
    PetscCall(PetscMalloc1(sub[s].ntrials, &sub[s].stimulus));
    for (PetscInt i = 0, g = 0; i < sub[s].nrec; i++) {
      const Recording *r = &sub[s].rec[i];
      for (PetscInt t = 0; t < r->ntrials; t++, g++) {
        char *const *hit =
            r->stim[t] ? bsearch(&r->stim[t], all, (size_t)*nimg, sizeof(char *), FolderCompareNames) : NULL;
        const int k        = hit ? (int)(hit - all) : -1;
        sub[s].stimulus[g] = r->in_bad[t] ? -1 : k;
        if (k < 0) continue;
        if (!where[k]) {
          where[k] = r->events;
          acat[k]  = r->category[t];
        }
        PetscCheck(acat[k] == r->category[t], comm, BA_ERR_INPUT, "%s: stimulus %s has %s %d here but %d in %s",
                   r->events, r->stim[t], o->category_column, r->category[t], acat[k], where[k]);
      }
    }
  }
  PetscCall(PetscMalloc2(*nimg, img, *nimg, cat));
  for (PetscInt k = 0; k < *nimg; k++) {
    PetscCall(PetscStrallocpy(all[k], &(*img)[k]));
    (*cat)[k] = acat[k];
  }
  PetscCall(PetscFree3(all, acat, where));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first non-finite sample of the n signals x read from r (an IEEE_FLOAT_32 BrainVision
   file can hold NaN and Inf; the resampler would smear one over a whole epoch) into err. */
static void SignalsCheckFinite(const Recording *r, PetscInt n, const PetscInt *sig, double *const *x, char *err,
                               size_t errlen)
{
  for (PetscInt c = 0; c < n && !err[0]; c++)
    for (PetscInt64 k = 0; k < r->sig.nsamples[sig[c]]; k++)
      if (!isfinite(x[c][k])) {
        snprintf(err, errlen, "%s: channel %s has a non-finite sample (%s) at %.6f s", r->path, r->sig.label[sig[c]],
                 isnan(x[c][k]) ? "NaN" : "Inf", (double)k / r->sig.fs[sig[c]]);
        break;
      }
}

/* Epochs channels [lo, hi) of one subject into buf[hi-lo][ntrials][768], run by run. */
static PetscErrorCode SubjectEpochs(MPI_Comm comm, const Subject *s, PetscInt lo, PetscInt hi, float *buf, char *err,
                                    size_t errlen)
{
  const PetscInt n = hi - lo, NS = BA_IMPORT_NSAMPLES;
  double **x, *y;
  PetscInt *sig, t0 = 0;

  PetscFunctionBegin;
  err[0] = 0;
  PetscCall(PetscMalloc3(n + 1, &x, n + 1, &sig, NS, &y));
  for (PetscInt i = 0; i < s->nrec && !err[0]; i++) { /* a read error of one run is not cleared by the next */
    const Recording *r = &s->rec[i];
    for (PetscInt c = 0; c < n; c++) {
      sig[c] = r->signal[lo + c];
      PetscCall(PetscMalloc1(r->sig.nsamples[sig[c]] + 1, &x[c]));
    }
    if (n > 0) PetscCall(RecordingRead(r, n, sig, x, err, errlen));
    SignalsCheckFinite(r, n, sig, x, err, errlen);
    for (PetscInt c = 0; c < n && !err[0]; c++) {
      Resampler rs;
      PetscCall(ResamplerCreate(comm, r->sig.fs[sig[c]], BA_IMPORT_SFREQ, &rs));
      for (PetscInt t = 0; t < r->ntrials; t++) {
        const PetscInt64 n0 = llround(r->onset[t] * BA_IMPORT_SFREQ) - BA_IMPORT_ONSET;
        float *out          = buf + ((size_t)c * s->ntrials + (size_t)(t0 + t)) * NS;
        ResamplerApply(&rs, r->sig.nsamples[sig[c]], x[c], n0, NS, y);
        for (PetscInt k = 0; k < NS; k++)
          out[k] = (float)y[k];
      }
      PetscCall(ResamplerDestroy(&rs));
    }
    for (PetscInt c = 0; c < n; c++)
      PetscCall(PetscFree(x[c]));
    t0 += r->ntrials;
  }
  PetscCall(PetscFree3(x, sig, y));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Adds subject s to ds and writes its epochs: this rank's even share of its channels, B at
   a time, in as many rounds as the busiest rank needs (the writes are collective); a read
   error on any rank is an error on all. */
static PetscErrorCode SubjectWrite(const BaContext *ctx, PetscInt B, const Subject *s, Dataset *ds)
{
  MPI_Comm comm = ctx->comm;
  PetscInt lo, hi, nblocks = 0;
  float *buf;
  char err[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  CommEvenSplit(s->nchannels, ctx->rank, ctx->size, &lo, &hi);
  PetscCall(CommRounds(comm, (hi - lo + B - 1) / B, &nblocks));
  PetscCall(DatasetAddPatient(ds, s->id, s->nchannels, s->ntrials, BA_IMPORT_NSAMPLES, s->name, s->mni, s->stimulus));
  PetscCall(PetscMalloc1((size_t)B * s->ntrials * BA_IMPORT_NSAMPLES, &buf));
  for (PetscInt b = 0; b < nblocks; b++) {
    const PetscInt a = PetscMin(lo + b * B, hi), z = PetscMin(a + B, hi);
    PetscCall(SubjectEpochs(comm, s, a, z, buf, err, sizeof(err)));
    PetscCall(CommAgreeError(comm, err));
    PetscCall(DatasetWriteChannels(ds, s->id, a, z, buf));
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ImportBids(const BaContext *ctx, const ImportBidsOptions *opt)
{
  MPI_Comm comm = ctx->comm;
  PetscInt nsub, nimg = 0, total_ch = 0, total_tr = 0, nname = 0, ncoord = 0, nalone = 0, nspans = 0, ninbad = 0;
  char **subs, **img;
  int *cat;
  Subject *sub;
  Dataset ds;
  ImportBidsOptions *o;
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  /* the root without trailing slashes, so that inheritance stops there */
  PetscCall(PetscNew(&o));
  *o = *opt;
  for (size_t n = strlen(o->root); n > 1 && o->root[n - 1] == '/'; n--)
    o->root[n - 1] = 0;
  PetscCall(SubjectList(comm, o, &nsub, &subs));
  PetscCall(PetscCalloc1(nsub, &sub));
  for (PetscInt s = 0; s < nsub; s++) {
    PetscCall(SubjectRead(comm, o, subs[s], &sub[s]));
    total_ch += sub[s].nchannels;
    total_tr += sub[s].ntrials;
    nname += sub[s].dropped_name;
    ncoord += sub[s].dropped_nocoord;
    nalone += sub[s].dropped_alone;
    for (PetscInt i = 0; i < sub[s].nrec; i++) {
      nspans += sub[s].rec[i].nspans;
      for (PetscInt t = 0; t < sub[s].rec[i].ntrials; t++)
        ninbad += sub[s].rec[i].in_bad[t];
    }
  }
  PetscCall(ImageList(comm, o, nsub, sub, &nimg, &img, &cat));
  PetscCall(ContextPrintf(ctx,
                          "import-bids: %" PetscInt_FMT " subjects, %" PetscInt_FMT
                          " contacts (left out: %" PetscInt_FMT " not named <shaft><number> or repeated, %" PetscInt_FMT
                          " without coordinates, %" PetscInt_FMT " without a neighbour on their shaft), %" PetscInt_FMT
                          " trials (%" PetscInt_FMT " overlapping one of %" PetscInt_FMT
                          " BAD spans, not analysed), %" PetscInt_FMT " images\n",
                          nsub, total_ch, nname, ncoord, nalone, total_tr, ninbad, nspans, nimg));

  PetscCall(DatasetCreate(comm, ctx->out, BA_IMPORT_SFREQ, BA_IMPORT_ONSET, BA_MONTAGE_MONOPOLAR, nimg, img, cat, &ds));
  for (PetscInt s = 0; s < nsub; s++)
    PetscCall(SubjectWrite(ctx, o->block_channels, &sub[s], &ds));
  PetscCall(DatasetCommit(&ds));
  PetscCall(DatasetClose(&ds));
  PetscCall(ContextPrintf(ctx, "import-bids: wrote %s in %.1f s\n", ctx->out, MPI_Wtime() - t0));

  for (PetscInt k = 0; k < nimg; k++)
    PetscCall(PetscFree(img[k]));
  PetscCall(PetscFree2(img, cat));
  for (PetscInt s = 0; s < nsub; s++)
    PetscCall(SubjectFree(&sub[s]));
  PetscCall(PetscFree(sub));
  PetscCall(BaStringsFree(nsub, &subs));
  PetscCall(PetscFree(o));
  PetscFunctionReturn(PETSC_SUCCESS);
}
