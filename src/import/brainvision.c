/* brainvision.c: BrainVision recordings, read by hand: the .vhdr header (INI-like text) and
 * the binary .eeg data file.
 *
 * Read from the header: [Common Infos] DataFile, DataFormat, DataOrientation,
 * NumberOfChannels, SamplingInterval (microseconds); [Binary Infos] BinaryFormat; [Channel
 * Infos] Ch<k>=<name>,<reference>,<resolution>,<unit> ("\1" in a name stands for a comma).
 * Defaults as the format's: BINARY, MULTIPLEXED, INT_16, resolution 1 and microvolts. Limits:
 * only BINARY data (no ASCII), INT_16, INT_32 or IEEE_FLOAT_32 in the machine's (little-endian)
 * order, no header offsets (DataFile holds samples only), and every channel at the one rate.
 * Codepage and the marker file (.vmrk) are not read: events come from the BIDS events.tsv. */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>
#include <bandalign/brainvision.h>
#include <bandalign/context.h>
#include <bandalign/tsv.h>

/* The most channels a header may declare. */
#define BV_MAX_CHANNELS (1 << 20)

/* The header's keys that matter, as parsed. */
typedef struct {
  PetscInt nch, nseen; /* NumberOfChannels (-1 until seen), Ch<k> lines seen */
  double interval_us;
  char format[64], orient[64], binfmt[64], datafile[PETSC_MAX_PATH_LEN];
} BvKeys;

/* A channel's resolution (the size of one step of the data, in its unit): empty is 1 (the
   format's default); anything else must be a finite positive number, since it scales every
   sample (0 would flatten the channel, NaN or inf poison it, a sign flip it). */
static PetscErrorCode BvResolution(MPI_Comm comm, const char *path, const char *key, const char *text, double *res)
{
  char *end;

  PetscFunctionBegin;
  *res = 1.0;
  if (!text[0]) PetscFunctionReturn(PETSC_SUCCESS);
  *res = strtod(text, &end);
  PetscCheck(end != text && !*end && isfinite(*res) && *res > 0, comm, BA_ERR_INPUT,
             "%s: [Channel Infos] %s: resolution '%s' is not a finite positive number", path, key, text);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One Ch<k>=<name>,<reference>,<resolution>,<unit> line of [Channel Infos]; val is cut up. */
static PetscErrorCode BvChannel(MPI_Comm comm, const char *path, const char *key, char *val, BvKeys *k,
                                SignalTable *sig)
{
  const long ch  = atol(key + 2);
  char f[4][256] = {"", "", "", ""}, *p = val;
  double res;

  PetscFunctionBegin;
  PetscCheck(k->nch > 0, comm, BA_ERR_INPUT, "%s: [Channel Infos] before NumberOfChannels", path);
  PetscCheck(ch >= 1 && ch <= k->nch, comm, BA_ERR_INPUT, "%s: channel %s outside 1..%" PetscInt_FMT, path, key,
             k->nch);
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
  PetscCheck(!sig->label[ch - 1], comm, BA_ERR_INPUT, "%s: channel %s given twice", path, key);
  PetscCall(BvResolution(comm, path, key, TextTrim(f[2]), &res));
  PetscCall(PetscStrallocpy(TextTrim(f[0]), &sig->label[ch - 1]));
  sig->scale[ch - 1] = res * (f[3][0] ? SignalUnitToMicrovolts(f[3]) : 1.0);
  k->nseen++;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One key = val line of section. */
static PetscErrorCode BvKey(MPI_Comm comm, const char *path, const char *section, const char *key, char *val, BvKeys *k,
                            SignalTable *sig)
{
  PetscFunctionBegin;
  if (!strcmp(section, "[Common Infos]")) {
    if (!strcmp(key, "DataFile"))
      PetscCall(PetscStrncpy(k->datafile, val, sizeof(k->datafile)));
    else if (!strcmp(key, "DataFormat"))
      PetscCall(PetscStrncpy(k->format, val, sizeof(k->format)));
    else if (!strcmp(key, "DataOrientation"))
      PetscCall(PetscStrncpy(k->orient, val, sizeof(k->orient)));
    else if (!strcmp(key, "NumberOfChannels")) {
      PetscCheck(k->nch < 0, comm, BA_ERR_INPUT, "%s: NumberOfChannels given twice", path);
      char *end;
      const long long v = strtoll(val, &end, 10); /* checked in 64 bits before it is a PetscInt */
      PetscCheck(end != val && v > 0, comm, BA_ERR_INPUT, "%s: NumberOfChannels=%s is not positive", path, val);
      PetscCheck(v <= BV_MAX_CHANNELS, comm, BA_ERR_INPUT, "%s: NumberOfChannels=%s is more than %d", path, val,
                 BV_MAX_CHANNELS);
      k->nch = (PetscInt)v;
      PetscCall(SignalTableAlloc(sig, k->nch));
    } else if (!strcmp(key, "SamplingInterval")) {
      char *end;
      k->interval_us = strtod(val, &end);
      PetscCheck(end != val && !*end && isfinite(k->interval_us) && k->interval_us > 0, comm, BA_ERR_INPUT,
                 "%s: SamplingInterval=%s is not a finite positive number (microseconds)", path, val);
    }
  } else if (!strcmp(section, "[Binary Infos]") && !strcmp(key, "BinaryFormat")) {
    PetscCall(PetscStrncpy(k->binfmt, val, sizeof(k->binfmt)));
  } else if (!strcmp(section, "[Channel Infos]") && !strncmp(key, "Ch", 2)) {
    PetscCall(BvChannel(comm, path, key, val, k, sig));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The lines of the header text (cut up): sections, key = value, comments (;) skipped. */
static PetscErrorCode BvParse(MPI_Comm comm, const char *path, char *text, BvKeys *k, SignalTable *sig)
{
  char *line, *save = NULL, section[64] = "";

  PetscFunctionBegin;
  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *l = TextTrim(line), *eq;

    if (!l[0] || l[0] == ';') continue;
    if (l[0] == '[') {
      PetscCall(PetscStrncpy(section, l, sizeof(section)));
      continue;
    }
    if (!(eq = strchr(l, '='))) continue;
    *eq = 0;
    PetscCall(BvKey(comm, path, section, TextTrim(l), TextTrim(eq + 1), k, sig));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks what the header gave and sets bv's orientation and type, and the sample width. */
static PetscErrorCode BvCheck(MPI_Comm comm, const char *path, const BvKeys *k, BvLayout *bv, size_t *width)
{
  PetscFunctionBegin;
  PetscCheck(k->nch > 0, comm, BA_ERR_INPUT, "%s: no NumberOfChannels in [Common Infos]", path);
  PetscCheck(k->nseen == k->nch, comm, BA_ERR_INPUT,
             "%s: [Channel Infos] lists %" PetscInt_FMT " channels, NumberOfChannels is %" PetscInt_FMT, path, k->nseen,
             k->nch);
  PetscCheck(k->interval_us > 0, comm, BA_ERR_INPUT, "%s: no positive SamplingInterval in [Common Infos]", path);
  PetscCheck(!strcmp(k->format, "BINARY"), comm, BA_ERR_INPUT, "%s: DataFormat=%s is not supported (only BINARY)", path,
             k->format);
  PetscCheck(!strcmp(k->orient, "MULTIPLEXED") || !strcmp(k->orient, "VECTORIZED"), comm, BA_ERR_INPUT,
             "%s: DataOrientation=%s is not MULTIPLEXED or VECTORIZED", path, k->orient);
  bv->vectorized = (PetscBool)!strcmp(k->orient, "VECTORIZED");
  if (!strcmp(k->binfmt, "INT_16"))
    bv->type = BV_INT16, *width = 2;
  else if (!strcmp(k->binfmt, "INT_32"))
    bv->type = BV_INT32, *width = 4;
  else if (!strcmp(k->binfmt, "IEEE_FLOAT_32"))
    bv->type = BV_FLOAT32, *width = 4;
  else
    SETERRQ(comm, BA_ERR_INPUT, "%s: BinaryFormat=%s is not supported (INT_16, INT_32 or IEEE_FLOAT_32)", path,
            k->binfmt);
  PetscCheck(k->datafile[0], comm, BA_ERR_INPUT, "%s: no DataFile in [Common Infos]", path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* BrainVisionHeaderRead's work; *text is freed by the caller, on every path. */
static PetscErrorCode HeaderRead(MPI_Comm comm, const char *path, char **text, SignalTable *sig, BvLayout *bv)
{
  BvKeys k = {.nch = -1, .format = "BINARY", .orient = "MULTIPLEXED", .binfmt = "INT_16"};
  char *slash;
  struct stat st;
  size_t width;

  PetscFunctionBegin;
  PetscCall(TextRead(comm, path, text));
  PetscCheck(strstr(*text, "Vision Data Exchange Header File") != NULL, comm, BA_ERR_INPUT,
             "%s: not a BrainVision header (first line)", path);
  PetscCall(BvParse(comm, path, *text, &k, sig));
  PetscCall(BvCheck(comm, path, &k, bv, &width));

  /* the data file sits next to the header; its size gives the length */
  PetscCall(PetscStrncpy(bv->datafile, path, sizeof(bv->datafile)));
  slash = strrchr(bv->datafile, '/');
  PetscCall(PetscSNPrintf(slash ? slash + 1 : bv->datafile,
                          sizeof(bv->datafile) - (size_t)(slash ? slash + 1 - bv->datafile : 0), "%s", k.datafile));
  PetscCheck(stat(bv->datafile, &st) == 0, comm, BA_ERR_INPUT, "%s: data file %s is missing", path, bv->datafile);
  PetscCheck(st.st_size % (off_t)(width * k.nch) == 0, comm, BA_ERR_INPUT,
             "%s: %lld bytes is not a whole number of %" PetscInt_FMT "-channel samples of %zu bytes", bv->datafile,
             (long long)st.st_size, k.nch, width);
  for (PetscInt s = 0; s < k.nch; s++) {
    sig->fs[s]       = 1e6 / k.interval_us;
    sig->nsamples[s] = (PetscInt64)(st.st_size / (off_t)(width * k.nch));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BrainVisionHeaderRead(MPI_Comm comm, const char *path, SignalTable *sig, BvLayout *bv)
{
  char *text = NULL;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(sig, sizeof(*sig)));
  ierr = HeaderRead(comm, path, &text, sig, bv);
  PetscCall(PetscFree(text));
  if (ierr) PetscCall(SignalTableFree(sig)); /* nothing is left to the caller on error */
  PetscCall(ierr);
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

/* VECTORIZED: each signal is one run of samples; buf holds m values. */
static void BvReadVectorized(FILE *f, const SignalTable *sig, const BvLayout *bv, PetscInt n, const PetscInt *idx,
                             double **x, unsigned char *buf, size_t m, char *err, size_t errlen)
{
  const size_t width  = bv->type == BV_INT16 ? 2 : 4;
  const PetscInt64 ns = sig->nsamples[0];

  for (PetscInt k = 0; k < n && !err[0]; k++) {
    fseeko(f, (off_t)idx[k] * ns * (off_t)width, SEEK_SET);
    for (PetscInt64 done = 0; done < ns;) {
      const size_t c = (size_t)PetscMin(ns - done, (PetscInt64)m);
      if (fread(buf, width, c, f) != c) {
        snprintf(err, errlen, "%s: short read", bv->datafile);
        break;
      }
      for (size_t i = 0; i < c; i++)
        x[k][done + (PetscInt64)i] = BvValue(bv->type, buf + i * width) * sig->scale[idx[k]];
      done += (PetscInt64)c;
    }
  }
}

/* MULTIPLEXED: one frame holds a sample of every signal; buf holds frames frames. */
static void BvReadMultiplexed(FILE *f, const SignalTable *sig, const BvLayout *bv, PetscInt n, const PetscInt *idx,
                              double **x, unsigned char *buf, size_t frames, char *err, size_t errlen)
{
  const size_t width = bv->type == BV_INT16 ? 2 : 4, nch = (size_t)sig->nsignals;
  const PetscInt64 ns = sig->nsamples[0];

  for (PetscInt64 done = 0; done < ns && !err[0];) {
    const size_t m = (size_t)PetscMin(ns - done, (PetscInt64)frames);
    if (fread(buf, width * nch, m, f) != m) {
      snprintf(err, errlen, "%s: short read", bv->datafile);
      break;
    }
    for (PetscInt k = 0; k < n; k++)
      for (size_t i = 0; i < m; i++)
        x[k][done + (PetscInt64)i] = BvValue(bv->type, buf + (i * nch + (size_t)idx[k]) * width) * sig->scale[idx[k]];
    done += (PetscInt64)m;
  }
}

PetscErrorCode BrainVisionSignalsRead(const SignalTable *sig, const BvLayout *bv, PetscInt n, const PetscInt *idx,
                                      double **x, char *err, size_t errlen)
{
  const size_t width = bv->type == BV_INT16 ? 2 : 4, nch = (size_t)sig->nsignals, frames = 65536;
  FILE *f = fopen(bv->datafile, "rb");
  unsigned char *buf;

  PetscFunctionBegin;
  err[0] = 0;
  if (!f) {
    snprintf(err, errlen, "%s: cannot read (%s)", bv->datafile, strerror(errno));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc1(frames * width * nch, &buf));
  if (bv->vectorized)
    BvReadVectorized(f, sig, bv, n, idx, x, buf, frames * nch, err, errlen);
  else
    BvReadMultiplexed(f, sig, bv, n, idx, x, buf, frames, err, errlen);
  PetscCall(PetscFree(buf));
  fclose(f);
  PetscFunctionReturn(PETSC_SUCCESS);
}
