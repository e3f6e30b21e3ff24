/* import_bids.c: BIDS-iEEG recordings to a bandalign-dataset file.
 *
 * Two phases. First every rank reads all the metadata (folder listing, channels.tsv,
 * electrodes.tsv, coordsystem.json, events.tsv and the recordings' headers): it is small,
 * and because every rank sees the same files it reaches the same verdict, so a bad folder
 * is one error on the whole communicator and no rank waits for another. Then each rank
 * takes a contiguous share of every patient's channels, reads their whole signals (EDF and
 * BDF through EDFlib, BrainVision binary by hand), cuts the epochs out at 512 Hz through
 * the resampler and writes its rows; every rank walks the same number of blocks so that
 * the collective writes match.
 *
 * Contacts stay monopolar: the features stage re-references neighbours on a shaft, so the
 * dataset keeps what was recorded. Samples are stored in microvolts where the file names
 * its unit (V, mV, uV, nV), as the file has them otherwise. Only what BIDS puts in the
 * sidecars is trusted for events (events.tsv); the BrainVision marker file is not read. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <edflib.h>
#include <bandalign/comm.h>
#include <bandalign/dataset.h>
#include <bandalign/folder.h>
#include <bandalign/import.h>
#include <bandalign/resample.h>

typedef enum { FORMAT_EDF, FORMAT_BRAINVISION } RecordingFormat;
typedef enum { BV_INT16, BV_INT32, BV_FLOAT32 } BvType;

/* One recording file (a run) and the trials it holds. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  RecordingFormat format;
  PetscInt nsignals;
  char **label;                      /* [nsignals] */
  double *fs;                        /* [nsignals] Hz */
  PetscInt64 *nsamples;              /* [nsignals] */
  double *scale;                     /* [nsignals] to microvolts (times the BrainVision resolution) */
  char datafile[PETSC_MAX_PATH_LEN]; /* BrainVision binary file */
  BvType bv_type;
  PetscBool bv_vectorized;
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

static char *Trim(char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
    *--e = 0;
  return s;
}

static PetscErrorCode ReadText(MPI_Comm comm, const char *path, char **text)
{
  FILE *f = fopen(path, "rb");
  long n;

  PetscFunctionBegin;
  PetscCheck(f, comm, BA_ERR_INPUT, "%s: cannot read (%s)", path, strerror(errno));
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  PetscCall(PetscMalloc1(n + 1, text));
  if (n > 0 && fread(*text, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    SETERRQ(comm, BA_ERR_INPUT, "%s: cannot read", path);
  }
  (*text)[n] = 0;
  fclose(f);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool FileExists(const char *path)
{
  struct stat st;
  return (PetscBool)(stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

static PetscBool DirExists(const char *path)
{
  struct stat st;
  return (PetscBool)(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

/* A tab-separated table: row 0 is the header. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  char *text;
  PetscInt ncols, nrows; /* nrows excludes the header */
  char **cell;           /* [(nrows + 1) * ncols] pointers into text */
} Tsv;

static PetscErrorCode TsvRead(MPI_Comm comm, const char *path, Tsv *t)
{
  PetscInt nlines = 0, r = 0;
  char *line, *save      = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(t, sizeof(*t)));
  PetscCall(PetscStrncpy(t->path, path, sizeof(t->path)));
  PetscCheck(FileExists(path), comm, BA_ERR_INPUT, "%s: missing", path);
  PetscCall(ReadText(comm, path, &t->text));
  for (const char *s = t->text; *s; s++)
    nlines += *s == '\n';
  nlines++;
  for (line = strtok_r(t->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    PetscInt nf = 1;
    char *p;

    if (!Trim(line)[0]) continue;
    for (p = line; *p; p++)
      nf += *p == '\t';
    if (r == 0) {
      t->ncols = nf;
      PetscCall(PetscMalloc1((size_t)nlines * nf, &t->cell));
    }
    PetscCheck(nf == t->ncols, comm, BA_ERR_INPUT,
               "%s: row %" PetscInt_FMT " has %" PetscInt_FMT " fields, the header has %" PetscInt_FMT, path, r, nf,
               t->ncols);
    p = line;
    for (PetscInt c = 0; c < nf; c++) {
      char *tab = strchr(p, '\t');
      if (tab) *tab = 0;
      t->cell[r * t->ncols + c] = Trim(p);
      p                         = tab ? tab + 1 : p + strlen(p);
    }
    r++;
  }
  PetscCheck(r > 0, comm, BA_ERR_INPUT, "%s: empty (no header line)", path);
  t->nrows = r - 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscInt TsvColumn(const Tsv *t, const char *name)
{
  for (PetscInt c = 0; c < t->ncols; c++)
    if (!strcmp(t->cell[c], name)) return c;
  return -1;
}

static PetscErrorCode TsvRequire(MPI_Comm comm, const Tsv *t, const char *name, PetscInt *col)
{
  PetscFunctionBegin;
  *col = TsvColumn(t, name);
  PetscCheck(*col >= 0, comm, BA_ERR_INPUT, "%s: no column '%s'", t->path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static const char *TsvCell(const Tsv *t, PetscInt row, PetscInt col)
{
  return t->cell[(row + 1) * t->ncols + col];
}

static PetscErrorCode TsvFree(Tsv *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->text));
  PetscCall(PetscFree(t->cell));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The string value of "key" in a flat JSON object; found = PETSC_FALSE when absent. */
static PetscBool JsonString(const char *text, const char *key, char *value, size_t len)
{
  char pat[128];
  const char *p = text;

  snprintf(pat, sizeof(pat), "\"%s\"", key);
  while ((p = strstr(p, pat))) {
    const char *q = p + strlen(pat);
    size_t n      = 0;

    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      q++;
    if (*q != ':') {
      p = q;
      continue;
    }
    q++;
    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      q++;
    if (*q != '"') return PETSC_FALSE;
    for (q++; *q && *q != '"' && n + 1 < len; q++) {
      if (*q == '\\' && q[1]) q++;
      value[n++] = *q;
    }
    value[n] = 0;
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
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

/* Multiplier from a unit name to microvolts (1 for microvolts and for unknown units). */
static double UnitToMicrovolts(const char *unit)
{
  char u[32];
  size_t n;

  snprintf(u, sizeof(u), "%s", unit);
  n = strlen(Trim(u));
  if (!strcmp(Trim(u), "V")) return 1e6;
  if (n == 2 && Trim(u)[1] == 'V' && Trim(u)[0] == 'm') return 1e3;
  if (n == 2 && Trim(u)[1] == 'V' && Trim(u)[0] == 'n') return 1e-3;
  return 1;
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

static const char *EdfError(int code)
{
  switch (code) {
  case EDFLIB_MALLOC_ERROR:
    return "out of memory";
  case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY:
    return "no such file";
  case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
    return "not a valid EDF/BDF file (format errors in the header)";
  case EDFLIB_MAXFILES_REACHED:
    return "too many open files";
  case EDFLIB_FILE_READ_ERROR:
    return "read error";
  case EDFLIB_FILE_ALREADY_OPENED:
    return "already open";
  case EDFLIB_FILETYPE_ERROR:
    return "not an EDF or BDF file";
  case EDFLIB_FILE_IS_DISCONTINUOUS:
    return "discontinuous EDF+D/BDF+D recordings are not supported";
  default:
    return "cannot open";
  }
}

static PetscErrorCode RecordingAlloc(Recording *r, PetscInt n)
{
  PetscFunctionBegin;
  r->nsignals = n;
  PetscCall(PetscCalloc4(n, &r->label, n, &r->fs, n, &r->nsamples, n, &r->scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode EdfHeader(MPI_Comm comm, Recording *r)
{
  struct edf_hdr_struct *hdr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(1, &hdr));
  if (edfopen_file_readonly(r->path, hdr, EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0) {
    const int code = hdr->filetype;
    PetscCall(PetscFree(hdr));
    SETERRQ(comm, BA_ERR_INPUT, "%s: %s", r->path, EdfError(code));
  }
  PetscCall(RecordingAlloc(r, hdr->edfsignals));
  for (PetscInt s = 0; s < r->nsignals; s++) {
    const struct edf_param_struct *p = &hdr->signalparam[s];
    char label[32];

    PetscCall(PetscStrncpy(label, p->label, sizeof(label)));
    PetscCall(PetscStrallocpy(Trim(label), &r->label[s]));
    r->fs[s]       = p->smp_in_datarecord / ((double)hdr->datarecord_duration / EDFLIB_TIME_DIMENSION);
    r->nsamples[s] = p->smp_in_file;
    r->scale[s]    = UnitToMicrovolts(p->physdimension);
  }
  edfclose_file(hdr->handle);
  PetscCall(PetscFree(hdr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BrainVisionHeader(MPI_Comm comm, Recording *r)
{
  char *text, *line, *save = NULL, section[64] = "", *slash;
  PetscInt nch = -1, nseen = 0;
  double interval_us = 0;
  char format[64] = "BINARY", orient[64] = "MULTIPLEXED", binfmt[64] = "INT_16", datafile[PETSC_MAX_PATH_LEN] = "";
  struct stat st;
  size_t width;

  PetscFunctionBegin;
  PetscCall(ReadText(comm, r->path, &text));
  PetscCheck(strstr(text, "Vision Data Exchange Header File") != NULL, comm, BA_ERR_INPUT,
             "%s: not a BrainVision header (first line)", r->path);
  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *l = Trim(line), *eq;

    if (!l[0] || l[0] == ';') continue;
    if (l[0] == '[') {
      PetscCall(PetscStrncpy(section, l, sizeof(section)));
      continue;
    }
    if (!(eq = strchr(l, '='))) continue;
    *eq             = 0;
    const char *key = Trim(l), *val = Trim(eq + 1);
    if (!strcmp(section, "[Common Infos]")) {
      if (!strcmp(key, "DataFile"))
        PetscCall(PetscStrncpy(datafile, val, sizeof(datafile)));
      else if (!strcmp(key, "DataFormat"))
        PetscCall(PetscStrncpy(format, val, sizeof(format)));
      else if (!strcmp(key, "DataOrientation"))
        PetscCall(PetscStrncpy(orient, val, sizeof(orient)));
      else if (!strcmp(key, "NumberOfChannels")) {
        nch = atol(val);
        PetscCheck(nch > 0, comm, BA_ERR_INPUT, "%s: NumberOfChannels=%s is not positive", r->path, val);
        PetscCall(RecordingAlloc(r, nch));
      } else if (!strcmp(key, "SamplingInterval"))
        interval_us = atof(val);
    } else if (!strcmp(section, "[Binary Infos]") && !strcmp(key, "BinaryFormat")) {
      PetscCall(PetscStrncpy(binfmt, val, sizeof(binfmt)));
    } else if (!strcmp(section, "[Channel Infos]") && !strncmp(key, "Ch", 2)) {
      const long k   = atol(key + 2);
      char f[4][256] = {"", "", "", ""}, *p = (char *)val;

      PetscCheck(nch > 0, comm, BA_ERR_INPUT, "%s: [Channel Infos] before NumberOfChannels", r->path);
      PetscCheck(k >= 1 && k <= nch, comm, BA_ERR_INPUT, "%s: channel %s outside 1..%" PetscInt_FMT, r->path, key, nch);
      for (int i = 0; i < 4 && p; i++) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        PetscCall(PetscStrncpy(f[i], p, sizeof(f[i])));
        p = comma ? comma + 1 : NULL;
      }
      for (char *c = f[0]; (c = strstr(c, "\\1"));) { /* "\1" stands for a comma in names */
        *c = ',';
        memmove(c + 1, c + 2, strlen(c + 2) + 1);
      }
      PetscCheck(!r->label[k - 1], comm, BA_ERR_INPUT, "%s: channel %s given twice", r->path, key);
      PetscCall(PetscStrallocpy(Trim(f[0]), &r->label[k - 1]));
      r->scale[k - 1] = (f[2][0] ? atof(f[2]) : 1.0) * (f[3][0] ? UnitToMicrovolts(f[3]) : 1.0);
      nseen++;
    }
  }
  PetscCall(PetscFree(text));
  PetscCheck(nch > 0, comm, BA_ERR_INPUT, "%s: no NumberOfChannels in [Common Infos]", r->path);
  PetscCheck(nseen == nch, comm, BA_ERR_INPUT,
             "%s: [Channel Infos] lists %" PetscInt_FMT " channels, NumberOfChannels is %" PetscInt_FMT, r->path, nseen,
             nch);
  PetscCheck(interval_us > 0, comm, BA_ERR_INPUT, "%s: no positive SamplingInterval in [Common Infos]", r->path);
  PetscCheck(!strcmp(format, "BINARY"), comm, BA_ERR_INPUT, "%s: DataFormat=%s is not supported (only BINARY)", r->path,
             format);
  PetscCheck(!strcmp(orient, "MULTIPLEXED") || !strcmp(orient, "VECTORIZED"), comm, BA_ERR_INPUT,
             "%s: DataOrientation=%s is not MULTIPLEXED or VECTORIZED", r->path, orient);
  r->bv_vectorized = (PetscBool)!strcmp(orient, "VECTORIZED");
  if (!strcmp(binfmt, "INT_16"))
    r->bv_type = BV_INT16, width = 2;
  else if (!strcmp(binfmt, "INT_32"))
    r->bv_type = BV_INT32, width = 4;
  else if (!strcmp(binfmt, "IEEE_FLOAT_32"))
    r->bv_type = BV_FLOAT32, width = 4;
  else
    SETERRQ(comm, BA_ERR_INPUT, "%s: BinaryFormat=%s is not supported (INT_16, INT_32 or IEEE_FLOAT_32)", r->path,
            binfmt);
  PetscCheck(datafile[0], comm, BA_ERR_INPUT, "%s: no DataFile in [Common Infos]", r->path);
  PetscCall(PetscStrncpy(r->datafile, r->path, sizeof(r->datafile)));
  slash = strrchr(r->datafile, '/');
  PetscCall(PetscSNPrintf(slash ? slash + 1 : r->datafile,
                          sizeof(r->datafile) - (size_t)(slash ? slash + 1 - r->datafile : 0), "%s", datafile));
  PetscCheck(stat(r->datafile, &st) == 0, comm, BA_ERR_INPUT, "%s: data file %s is missing", r->path, r->datafile);
  PetscCheck(st.st_size % (off_t)(width * nch) == 0, comm, BA_ERR_INPUT,
             "%s: %lld bytes is not a whole number of %" PetscInt_FMT "-channel samples of %zu bytes", r->datafile,
             (long long)st.st_size, nch, width);
  for (PetscInt s = 0; s < nch; s++) {
    r->fs[s]       = 1e6 / interval_us;
    r->nsamples[s] = (PetscInt64)(st.st_size / (off_t)(width * nch));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static double BvValue(BvType t, const unsigned char *p)
{
  int16_t i16;
  int32_t i32;
  float f32;

  switch (t) {
  case BV_INT16:
    memcpy(&i16, p, 2);
    return i16;
  case BV_INT32:
    memcpy(&i32, p, 4);
    return i32;
  default:
    memcpy(&f32, p, 4);
    return f32;
  }
}

/* Reads whole signals sig[0..n) into x[k] (length nsamples[sig[k]]) in microvolts. Returns
   a message in err (empty on success): called by one rank on its own channels. */
static PetscErrorCode RecordingRead(const Recording *r, PetscInt n, const PetscInt *sig, double **x, char *err,
                                    size_t errlen)
{
  PetscFunctionBegin;
  err[0] = 0;
  if (r->format == FORMAT_EDF) {
    struct edf_hdr_struct *hdr;
    PetscCall(PetscMalloc1(1, &hdr));
    if (edfopen_file_readonly(r->path, hdr, EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0) {
      snprintf(err, errlen, "%s: %s", r->path, EdfError(hdr->filetype));
      PetscCall(PetscFree(hdr));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    for (PetscInt k = 0; k < n && !err[0]; k++) {
      const PetscInt64 ns = r->nsamples[sig[k]];
      for (PetscInt64 done = 0; done < ns;) {
        const int chunk = (int)PetscMin(ns - done, (PetscInt64)1 << 20);
        if (edfread_physical_samples(hdr->handle, (int)sig[k], chunk, x[k] + done) != chunk) {
          snprintf(err, errlen, "%s: cannot read signal %s", r->path, r->label[sig[k]]);
          break;
        }
        done += chunk;
      }
      for (PetscInt64 i = 0; i < ns; i++)
        x[k][i] *= r->scale[sig[k]];
    }
    edfclose_file(hdr->handle);
    PetscCall(PetscFree(hdr));
  } else {
    const size_t width = r->bv_type == BV_INT16 ? 2 : 4, nch = (size_t)r->nsignals;
    const PetscInt64 ns = r->nsamples[0];
    FILE *f             = fopen(r->datafile, "rb");
    unsigned char *buf;
    const size_t frames = 65536;

    if (!f) {
      snprintf(err, errlen, "%s: cannot read (%s)", r->datafile, strerror(errno));
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    PetscCall(PetscMalloc1(frames * width * nch, &buf));
    if (r->bv_vectorized) {
      for (PetscInt k = 0; k < n && !err[0]; k++) {
        fseeko(f, (off_t)sig[k] * ns * (off_t)width, SEEK_SET);
        for (PetscInt64 done = 0; done < ns;) {
          const size_t m = (size_t)PetscMin(ns - done, (PetscInt64)(frames * nch));
          if (fread(buf, width, m, f) != m) {
            snprintf(err, errlen, "%s: short read", r->datafile);
            break;
          }
          for (size_t i = 0; i < m; i++)
            x[k][done + (PetscInt64)i] = BvValue(r->bv_type, buf + i * width) * r->scale[sig[k]];
          done += (PetscInt64)m;
        }
      }
    } else {
      for (PetscInt64 done = 0; done < ns && !err[0];) {
        const size_t m = (size_t)PetscMin(ns - done, (PetscInt64)frames);
        if (fread(buf, width * nch, m, f) != m) {
          snprintf(err, errlen, "%s: short read", r->datafile);
          break;
        }
        for (PetscInt k = 0; k < n; k++)
          for (size_t i = 0; i < m; i++)
            x[k][done + (PetscInt64)i] =
                BvValue(r->bv_type, buf + (i * nch + (size_t)sig[k]) * width) * r->scale[sig[k]];
        done += (PetscInt64)m;
      }
    }
    PetscCall(PetscFree(buf));
    fclose(f);
  }
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
    PetscCheck(FileExists(json), comm, BA_ERR_INPUT, "%s: missing (it describes %s/%s)", json, dir, files[i]);
    PetscCall(ReadText(comm, json, &text));
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

/* Finds and reads everything of one subject but the samples. */
static PetscErrorCode SubjectRead(MPI_Comm comm, const ImportBidsOptions *o, const char *sub, Subject *s)
{
  char subdir[PETSC_MAX_PATH_LEN], dirs[64][PETSC_MAX_PATH_LEN];
  PetscInt ndirs = 0, nses, nrec = 0;
  char **ses;
  Electrodes el;
  PetscBool have_el = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscStrncpy(s->id, sub, sizeof(s->id)));
  PetscCall(PetscSNPrintf(subdir, sizeof(subdir), "%s/%s", o->root, sub));
  PetscCheck(DirExists(subdir), comm, BA_ERR_INPUT, "%s: no such subject folder", subdir);
  PetscCall(PetscSNPrintf(dirs[ndirs++], sizeof(dirs[0]), "%s/ieeg", subdir));
  PetscCall(FolderList(subdir, PETSC_TRUE, NULL, &nses, &ses, NULL));
  for (PetscInt i = 0; i < nses && ndirs < 64; i++)
    if (!strncmp(ses[i], "ses-", 4))
      PetscCall(PetscSNPrintf(dirs[ndirs++], sizeof(dirs[0]), "%s/%s/ieeg", subdir, ses[i]));
  PetscCall(BaStringsFree(nses, &ses));

  /* the recordings of the task, in folder then name order */
  PetscCall(PetscMalloc1(64, &s->rec));
  for (PetscInt d = 0; d < ndirs; d++) {
    PetscInt n;
    char **files;

    PetscCall(FolderList(dirs[d], PETSC_FALSE, NULL, &n, &files, NULL));
    for (PetscInt i = 0; i < n; i++) {
      const int kind = RecordingKind(files[i], sub, o->task);
      Recording *r;

      if (!kind) continue;
      PetscCheck(kind > 0, comm, BA_ERR_INPUT, "%s/%s: format not supported (EDF, BDF or BrainVision .vhdr/.eeg)",
                 dirs[d], files[i]);
      PetscCheck(nrec < 64, comm, BA_ERR_INPUT, "%s: more than 64 recordings of task %s", subdir, o->task);
      r = &s->rec[nrec++];
      PetscCall(PetscMemzero(r, sizeof(*r)));
      PetscCall(PetscSNPrintf(r->path, sizeof(r->path), "%s/%s", dirs[d], files[i]));
      r->format = kind == 1 ? FORMAT_EDF : FORMAT_BRAINVISION;
      if (r->format == FORMAT_EDF)
        PetscCall(EdfHeader(comm, r));
      else
        PetscCall(BrainVisionHeader(comm, r));

      /* sidecars share the recording's name up to _ieeg */
      const size_t stem = (size_t)(strstr(r->path, "_ieeg.") - r->path);
      char chan[PETSC_MAX_PATH_LEN];
      PetscInt nkept = 0;
      char **kept;

      PetscCall(PetscSNPrintf(chan, sizeof(chan), "%.*s_channels.tsv", (int)stem, r->path));
      PetscCall(PetscSNPrintf(r->events, sizeof(r->events), "%.*s_events.tsv", (int)stem, r->path));
      PetscCall(ChannelsRead(comm, chan, &nkept, &kept));
      if (!have_el) {
        PetscCall(ElectrodesRead(comm, dirs[d], sub, &el));
        have_el = PETSC_TRUE;
      }
      if (nrec == 1) {
        /* the subject's channels: kept, named as contacts, with MNI coordinates */
        PetscCall(PetscMalloc2(nkept, &s->name, 3 * nkept, &s->mni));
        for (PetscInt k = 0; k < nkept; k++) {
          double xyz[3];
          PetscCheck(ContactName(kept[k]), comm, BA_ERR_INPUT,
                     "%s: channel '%s' is not named <shaft><number> (letters or primes, then "
                     "digits), as a monopolar contact must be",
                     chan, kept[k]);
          if (!ElectrodeFind(&el, kept[k], xyz)) {
            s->dropped_nocoord++;
            continue;
          }
          PetscCall(PetscStrallocpy(kept[k], &s->name[s->nchannels]));
          for (int dd = 0; dd < 3; dd++)
            s->mni[3 * s->nchannels + dd] = xyz[dd];
          s->nchannels++;
        }
        PetscCheck(s->nchannels > 0, comm, BA_ERR_INPUT, "%s: no kept channel has coordinates in %s", chan, el.path);
      } else {
        for (PetscInt k = 0; k < s->nchannels; k++) {
          PetscBool found = PETSC_FALSE;
          for (PetscInt j = 0; j < nkept; j++)
            found = (PetscBool)(found || !strcmp(kept[j], s->name[k]));
          PetscCheck(found, comm, BA_ERR_INPUT, "%s: channel %s of %s is missing or bad here", chan, s->name[k],
                     s->rec[0].path);
        }
      }
      PetscCall(BaStringsFree(nkept, &kept));

      /* each channel's signal; all in one run must be found */
      double duration = INFINITY;
      PetscCall(PetscMalloc1(s->nchannels, &r->signal));
      for (PetscInt k = 0; k < s->nchannels; k++) {
        r->signal[k] = -1;
        for (PetscInt j = 0; j < r->nsignals; j++)
          if (r->label[j] && !strcmp(r->label[j], s->name[k])) r->signal[k] = j;
        PetscCheck(r->signal[k] >= 0, comm, BA_ERR_INPUT, "%s: channel %s of %s is not in the recording", r->path,
                   s->name[k], chan);
        duration = PetscMin(duration, (double)(r->nsamples[r->signal[k]] - 1) / r->fs[r->signal[k]]);
      }
      PetscCall(EventsRead(comm, o, r, duration));
      s->ntrials += r->ntrials;
    }
    PetscCall(BaStringsFree(n, &files));
  }
  s->nrec = nrec;
  PetscCheck(nrec > 0, comm, BA_ERR_INPUT,
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
    for (PetscInt k = 0; k < r->nsignals; k++)
      PetscCall(PetscFree(r->label[k]));
    PetscCall(PetscFree4(r->label, r->fs, r->nsamples, r->scale));
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
      PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", strncmp(tok, "sub-", 4) ? "sub-" : "", Trim(tok)));
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
      PetscCall(PetscMalloc1(r->nsamples[sig[c]] + 1, &x[c]));
    }
    if (n > 0) PetscCall(RecordingRead(r, n, sig, x, err, errlen));
    for (PetscInt c = 0; c < n && !err[0]; c++) {
      Resampler rs;
      PetscCall(ResamplerCreate(comm, r->fs[sig[c]], BA_IMPORT_SFREQ, &rs));
      for (PetscInt t = 0; t < r->ntrials; t++) {
        const PetscInt64 n0 = llround(r->onset[t] * BA_IMPORT_SFREQ) - BA_IMPORT_ONSET;
        float *out          = buf + ((size_t)c * s->ntrials + (size_t)(t0 + t)) * NS;
        ResamplerApply(&rs, r->nsamples[sig[c]], x[c], n0, NS, y);
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
  for (PetscInt s = 0; s < nsub; s++) {
    const Subject *sj = &sub[s];
    const PetscInt B  = o->block_channels;
    PetscInt lo, hi;
    PetscInt nblocks = 0;
    float *buf;
    char err[PETSC_MAX_PATH_LEN + 256];

    CommEvenSplit(sj->nchannels, ctx->rank, ctx->size, &lo, &hi);
    PetscCall(CommRounds(comm, (hi - lo + B - 1) / B, &nblocks));
    PetscCall(DatasetAddPatient(&ds, sj->id, sj->nchannels, sj->ntrials, BA_IMPORT_NSAMPLES, sj->name, sj->mni,
                                sj->stimulus));
    PetscCall(PetscMalloc1((size_t)B * sj->ntrials * BA_IMPORT_NSAMPLES, &buf));
    for (PetscInt b = 0; b < nblocks; b++) {
      const PetscInt a = PetscMin(lo + b * B, hi), z = PetscMin(a + B, hi);
      PetscCall(SubjectEpochs(comm, sj, a, z, buf, err, sizeof(err)));
      PetscCall(CommAgreeError(comm, err));
      PetscCall(DatasetWriteChannels(&ds, sj->id, a, z, buf));
    }
    PetscCall(PetscFree(buf));
  }
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
