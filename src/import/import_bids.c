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
 * system by json.c.
 *
 * Contacts stay monopolar: the features stage re-references neighbours on a shaft, so the
 * dataset keeps what was recorded. Samples are stored in microvolts where the file names
 * its unit (V, mV, uV, nV), as the file has them otherwise. Only what BIDS puts in the
 * sidecars is trusted for events (events.tsv); the BrainVision marker file is not read. */
#include <ctype.h>
#include <sys/stat.h>
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
  SignalTable sig;  /* the file's signals, from its header */
  BvLayout bv;      /* BrainVision only: where the samples are */
  PetscInt *signal; /* [nchannels of the subject] signal index of each kept channel */
  PetscInt ntrials;
  double *onset; /* [ntrials] seconds from the first sample */
  char **stim;   /* [ntrials] stimulus value as written, NULL for not analysed */
  int *category; /* [ntrials] */
  char events[PETSC_MAX_PATH_LEN];
} Recording;

typedef struct {
  char id[64]; /* "sub-<label>" */
  PetscInt nrec;
  Recording *rec;
  PetscInt nchannels;
  char **name; /* [nchannels] */
  double *mni; /* [nchannels * 3] mm */
  PetscInt ntrials;
  int *stimulus; /* [ntrials] image index, -1 = not analysed */
  PetscInt dropped_nocoord;
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

/* Monopolar contact names are <shaft><number>, as DatasetOpen pairs them. */
static PetscBool ContactName(const char *name)
{
  size_t n = 0;

  while (name[n] && (isalpha((unsigned char)name[n]) || name[n] == '\''))
    n++;
  if (n == 0 || !name[n]) return PETSC_FALSE;
  for (const char *s = name + n; *s; s++)
    if (!isdigit((unsigned char)*s)) return PETSC_FALSE;
  return (PetscBool)(strlen(name + n) <= 9);
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
  if (!strcmp(tail, "edf") || !strcmp(tail, "bdf")) return 1;
  if (!strcmp(tail, "vhdr")) return 2;
  if (!strcmp(tail, "eeg") || !strcmp(tail, "vmrk") || !strcmp(tail, "json")) return 0;
  return -1;
}

/* The electrodes of a recording's folder in an MNI space, read into name -> coordinate. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  Tsv tsv;
  PetscInt cname, cx, cy, cz;
  double to_mm;
} Electrodes;

static PetscBool MniSpace(const char *s)
{
  return (PetscBool)(!strncmp(s, "MNI", 3) || !strncmp(s, "ICBM452", 7) || !strcmp(s, "IXI549Space"));
}

static PetscErrorCode ElectrodesRead(MPI_Comm comm, const char *dir, const char *sub, Electrodes *el)
{
  PetscInt n;
  char **files, why[PETSC_MAX_PATH_LEN + 128] = "";

  PetscFunctionBegin;
  PetscCall(PetscMemzero(el, sizeof(*el)));
  PetscCall(FolderList(dir, PETSC_FALSE, NULL, &n, &files, NULL));
  for (PetscInt i = 0; i < n && !el->path[0]; i++) {
    const size_t len = strlen(files[i]), sl = strlen("_electrodes.tsv");
    char json[PETSC_MAX_PATH_LEN], *text, sys[128] = "", units[32] = "mm";

    if (strncmp(files[i], sub, strlen(sub)) || len < sl || strcmp(files[i] + len - sl, "_electrodes.tsv")) continue;
    PetscCall(PetscSNPrintf(json, sizeof(json), "%s/%.*s_coordsystem.json", dir, (int)(len - sl), files[i]));
    PetscCheck(TextFileExists(json), comm, BA_ERR_INPUT, "%s: missing (it describes %s/%s)", json, dir, files[i]);
    PetscCall(TextRead(comm, json, &text));
    PetscCheck(JsonString(text, "iEEGCoordinateSystem", sys, sizeof(sys)), comm, BA_ERR_INPUT,
               "%s: no iEEGCoordinateSystem", json);
    (void)JsonString(text, "iEEGCoordinateUnits", units, sizeof(units));
    PetscCall(PetscFree(text));
    if (!MniSpace(sys)) {
      PetscCall(PetscSNPrintf(why, sizeof(why),
                              "%s: iEEGCoordinateSystem is %s, not an MNI space (MNI152NLin2009cAsym, MNI305, ...)",
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
    PetscCall(PetscSNPrintf(el->path, sizeof(el->path), "%s/%s", dir, files[i]));
  }
  PetscCall(BaStringsFree(n, &files));
  PetscCheck(el->path[0] || !why[0], comm, BA_ERR_INPUT, "%s", why);
  PetscCheck(el->path[0], comm, BA_ERR_INPUT, "%s: no %s*_electrodes.tsv with its _coordsystem.json", dir, sub);
  PetscCall(TsvRead(comm, el->path, &el->tsv));
  PetscCall(TsvRequire(comm, &el->tsv, "name", &el->cname));
  PetscCall(TsvRequire(comm, &el->tsv, "x", &el->cx));
  PetscCall(TsvRequire(comm, &el->tsv, "y", &el->cy));
  PetscCall(TsvRequire(comm, &el->tsv, "z", &el->cz));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Coordinates of a contact in mm; PETSC_FALSE when it is absent or "n/a". */
static PetscBool ElectrodeFind(const Electrodes *el, const char *name, double xyz[3])
{
  for (PetscInt r = 0; r < el->tsv.nrows; r++) {
    if (strcmp(TsvCell(&el->tsv, r, el->cname), name)) continue;
    const PetscInt col[3] = {el->cx, el->cy, el->cz};
    for (int d = 0; d < 3; d++) {
      if (!ParseDouble(TsvCell(&el->tsv, r, col[d]), &xyz[d])) return PETSC_FALSE;
      xyz[d] *= el->to_mm;
    }
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

/* Reads events.tsv: onsets, the stimulus of each trial (NULL when n/a or excluded) and its
   category; checks every epoch lies inside the recording. */
static PetscErrorCode EventsRead(MPI_Comm comm, const ImportBidsOptions *o, Recording *rec, double duration)
{
  Tsv t;
  PetscInt conset, cstim, ccat = -1;

  PetscFunctionBegin;
  PetscCall(TsvRead(comm, rec->events, &t));
  PetscCall(TsvRequire(comm, &t, "onset", &conset));
  PetscCall(TsvRequire(comm, &t, o->stim_column, &cstim));
  if (o->category_column[0]) PetscCall(TsvRequire(comm, &t, o->category_column, &ccat));
  PetscCheck(t.nrows > 0, comm, BA_ERR_INPUT, "%s: no events", rec->events);
  rec->ntrials = t.nrows;
  PetscCall(PetscMalloc3(t.nrows, &rec->onset, t.nrows, &rec->stim, t.nrows, &rec->category));
  for (PetscInt r = 0; r < t.nrows; r++) {
    const char *v = TsvCell(&t, r, cstim);
    double first, last;

    PetscCheck(ParseDouble(TsvCell(&t, r, conset), &rec->onset[r]), comm, BA_ERR_INPUT,
               "%s: row %" PetscInt_FMT ": onset '%s' is not a number", rec->events, r + 1, TsvCell(&t, r, conset));
    first = (double)(llround(rec->onset[r] * BA_IMPORT_SFREQ) - BA_IMPORT_ONSET) / BA_IMPORT_SFREQ;
    last  = first + (BA_IMPORT_NSAMPLES - 1) / BA_IMPORT_SFREQ;
    PetscCheck(first >= 0 && last <= duration, comm, BA_ERR_INPUT,
               "%s: row %" PetscInt_FMT
               ": the epoch of onset %g s (%.3f .. %.3f s) is not inside the recording (0 .. %.3f s)",
               rec->events, r + 1, rec->onset[r], first, last, duration);
    rec->stim[r]     = NULL;
    rec->category[r] = 0;
    if (!v[0] || !strcmp(v, "n/a") || InList(o->exclude, v)) continue;
    PetscCall(PetscStrallocpy(v, &rec->stim[r]));
    if (ccat >= 0 && strcmp(TsvCell(&t, r, ccat), "n/a")) {
      char *end;
      long c = strtol(TsvCell(&t, r, ccat), &end, 10);
      PetscCheck(!*end && TsvCell(&t, r, ccat)[0], comm, BA_ERR_INPUT,
                 "%s: row %" PetscInt_FMT ": %s '%s' is not an integer", rec->events, r + 1, o->category_column,
                 TsvCell(&t, r, ccat));
      rec->category[r] = (int)c;
    }
  }
  PetscCall(TsvFree(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The folders a subject's recordings may sit in: sub-<label>/ieeg, then the ieeg folder of
   each sub-<label>/ses-<label> in name order (at most 64 folders in all). */
static PetscErrorCode SubjectFolders(MPI_Comm comm, const ImportBidsOptions *o, const char *sub, char *subdir,
                                     size_t len, char dirs[][PETSC_MAX_PATH_LEN], PetscInt *ndirs)
{
  PetscInt nses;
  char **ses;

  PetscFunctionBegin;
  *ndirs = 0;
  PetscCall(PetscSNPrintf(subdir, len, "%s/%s", o->root, sub));
  PetscCheck(DirExists(subdir), comm, BA_ERR_INPUT, "%s: no such subject folder", subdir);
  PetscCall(PetscSNPrintf(dirs[(*ndirs)++], PETSC_MAX_PATH_LEN, "%s/ieeg", subdir));
  PetscCall(FolderList(subdir, PETSC_TRUE, NULL, &nses, &ses, NULL));
  for (PetscInt i = 0; i < nses && *ndirs < 64; i++)
    if (!strncmp(ses[i], "ses-", 4))
      PetscCall(PetscSNPrintf(dirs[(*ndirs)++], PETSC_MAX_PATH_LEN, "%s/%s/ieeg", subdir, ses[i]));
  PetscCall(BaStringsFree(nses, &ses));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The subject's channels from its first recording's kept ones (chan is their channels.tsv):
   named as contacts, with MNI coordinates in el (those without are counted and left out). */
static PetscErrorCode SubjectChannels(MPI_Comm comm, const char *chan, PetscInt nkept, char **kept,
                                      const Electrodes *el, Subject *s)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nkept, &s->name, 3 * nkept, &s->mni));
  for (PetscInt k = 0; k < nkept; k++) {
    double xyz[3];
    PetscCheck(ContactName(kept[k]), comm, BA_ERR_INPUT,
               "%s: channel '%s' is not named <shaft><number> (letters or primes, then "
               "digits), as a monopolar contact must be",
               chan, kept[k]);
    if (!ElectrodeFind(el, kept[k], xyz)) {
      s->dropped_nocoord++;
      continue;
    }
    PetscCall(PetscStrallocpy(kept[k], &s->name[s->nchannels]));
    for (int dd = 0; dd < 3; dd++)
      s->mni[3 * s->nchannels + dd] = xyz[dd];
    s->nchannels++;
  }
  PetscCheck(s->nchannels > 0, comm, BA_ERR_INPUT, "%s: no kept channel has coordinates in %s", chan, el->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A later run must keep every channel of the subject (chan is its channels.tsv). */
static PetscErrorCode RunChannelsCheck(MPI_Comm comm, const char *chan, PetscInt nkept, char **kept, const Subject *s)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->nchannels; k++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt j = 0; j < nkept; j++)
      found = (PetscBool)(found || !strcmp(kept[j], s->name[k]));
    PetscCheck(found, comm, BA_ERR_INPUT, "%s: channel %s of %s is missing or bad here", chan, s->name[k],
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
      if (r->sig.label[j] && !strcmp(r->sig.label[j], s->name[k])) r->signal[k] = j;
    PetscCheck(r->signal[k] >= 0, comm, BA_ERR_INPUT, "%s: channel %s of %s is not in the recording", r->path,
               s->name[k], chan);
    *duration = PetscMin(*duration, (double)(r->sig.nsamples[r->signal[k]] - 1) / r->sig.fs[r->signal[k]]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads recording dir/file of subject sub (kind as RecordingKind) into the next s->rec: its header,
   channels.tsv, the subject's electrodes (on its first recording, from this folder), the
   signal of each channel and events.tsv. */
static PetscErrorCode RecordingAdd(MPI_Comm comm, const ImportBidsOptions *o, const char *sub, const char *dir,
                                   const char *file, int kind, Subject *s, Electrodes *el, PetscBool *have_el)
{
  Recording *r = &s->rec[s->nrec++];
  char chan[PETSC_MAX_PATH_LEN], **kept;
  PetscInt nkept = 0;
  size_t stem;
  double duration;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  PetscCall(PetscSNPrintf(r->path, sizeof(r->path), "%s/%s", dir, file));
  r->format = kind == 1 ? FORMAT_EDF : FORMAT_BRAINVISION;
  if (r->format == FORMAT_EDF)
    PetscCall(EdfHeaderRead(comm, r->path, &r->sig));
  else
    PetscCall(BrainVisionHeaderRead(comm, r->path, &r->sig, &r->bv));

  /* sidecars share the recording's name up to _ieeg */
  stem = (size_t)(strstr(r->path, "_ieeg.") - r->path);
  PetscCall(PetscSNPrintf(chan, sizeof(chan), "%.*s_channels.tsv", (int)stem, r->path));
  PetscCall(PetscSNPrintf(r->events, sizeof(r->events), "%.*s_events.tsv", (int)stem, r->path));
  PetscCall(ChannelsRead(comm, chan, &nkept, &kept));
  if (!*have_el) {
    PetscCall(ElectrodesRead(comm, dir, sub, el));
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
   in folder then name order. */
static PetscErrorCode SubjectRead(MPI_Comm comm, const ImportBidsOptions *o, const char *sub, Subject *s)
{
  char subdir[PETSC_MAX_PATH_LEN], dirs[64][PETSC_MAX_PATH_LEN];
  PetscInt ndirs;
  Electrodes el;
  PetscBool have_el = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscStrncpy(s->id, sub, sizeof(s->id)));
  PetscCall(SubjectFolders(comm, o, sub, subdir, sizeof(subdir), dirs, &ndirs));
  PetscCall(PetscMalloc1(64, &s->rec));
  for (PetscInt d = 0; d < ndirs; d++) {
    PetscInt n;
    char **files;

    PetscCall(FolderList(dirs[d], PETSC_FALSE, NULL, &n, &files, NULL));
    for (PetscInt i = 0; i < n; i++) {
      const int kind = RecordingKind(files[i], sub, o->task);

      if (!kind) continue;
      PetscCheck(kind > 0, comm, BA_ERR_INPUT, "%s/%s: format not supported (EDF, BDF or BrainVision .vhdr/.eeg)",
                 dirs[d], files[i]);
      PetscCheck(s->nrec < 64, comm, BA_ERR_INPUT, "%s: more than 64 recordings of task %s", subdir, o->task);
      PetscCall(RecordingAdd(comm, o, sub, dirs[d], files[i], kind, s, &el, &have_el));
    }
    PetscCall(BaStringsFree(n, &files));
  }
  PetscCheck(s->nrec > 0, comm, BA_ERR_INPUT,
             "%s: no recording of task %s (%s[/ses-*]/ieeg/%s_*task-%s*_ieeg.edf, .bdf or .vhdr)", subdir, o->task,
             subdir, sub, o->task);
  if (have_el) PetscCall(TsvFree(&el.tsv));
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
    PetscCall(PetscFree3(r->onset, r->stim, r->category));
  }
  PetscCall(PetscFree(s->rec));
  for (PetscInt k = 0; k < s->nchannels; k++)
    PetscCall(PetscFree(s->name[k]));
  PetscCall(PetscFree2(s->name, s->mni));
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

/* Image list: the distinct analysed stimulus values of every trial, sorted, with the
   category of their events (which must agree). */
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
        sub[s].stimulus[g] = k;
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
  for (PetscInt i = 0; i < s->nrec; i++) {
    const Recording *r = &s->rec[i];
    for (PetscInt c = 0; c < n; c++) {
      sig[c] = r->signal[lo + c];
      PetscCall(PetscMalloc1(r->sig.nsamples[sig[c]] + 1, &x[c]));
    }
    if (n > 0) PetscCall(RecordingRead(r, n, sig, x, err, errlen));
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

PetscErrorCode ImportBids(const BaContext *ctx, const ImportBidsOptions *o)
{
  MPI_Comm comm = ctx->comm;
  PetscInt nsub, nimg = 0, total_ch = 0, total_tr = 0, dropped = 0;
  char **subs, **img;
  int *cat;
  Subject *sub;
  Dataset ds;
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(SubjectList(comm, o, &nsub, &subs));
  PetscCall(PetscCalloc1(nsub, &sub));
  for (PetscInt s = 0; s < nsub; s++) {
    PetscCall(SubjectRead(comm, o, subs[s], &sub[s]));
    total_ch += sub[s].nchannels;
    total_tr += sub[s].ntrials;
    dropped += sub[s].dropped_nocoord;
  }
  PetscCall(ImageList(comm, o, nsub, sub, &nimg, &img, &cat));
  PetscCall(ContextPrintf(ctx,
                          "import-bids: %" PetscInt_FMT " subjects, %" PetscInt_FMT " contacts (%" PetscInt_FMT
                          " without coordinates left out), %" PetscInt_FMT " trials, %" PetscInt_FMT " images\n",
                          nsub, total_ch, dropped, total_tr, nimg));

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
  PetscFunctionReturn(PETSC_SUCCESS);
}
