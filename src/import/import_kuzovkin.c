/* import_kuzovkin.c: the study's published per-ROI band responses to a bandalign-features file.
 *
 * The study published, per band x window, one MATLAB file per patient holding a struct s:
 * s.data [images x channels] (the ROI's feature of each responsive channel for each image,
 * rows in s.stimseq order), s.stimseq (cell of image names), s.stimgroups (categories),
 * s.probes.{rod_names, probe_ids, mni, areas}. Its files hold the channels found
 * responsive in that ROI only, so one patient's channels differ between ROI folders. A
 * features file has one row set for all ROIs, so a patient's rows are the union of its
 * channels over the folders, and a channel is marked responsive (p 0, increase) exactly in
 * the ROIs whose file lists it; elsewhere it carries p 1, no increase and NaN features, so
 * rsa's global Benjamini-Hochberg step takes the study's choice as it stands.
 *
 * The files are small next to recordings (the study's whole set is about 300 MB as
 * doubles), so every rank reads all of them and reaches the same verdict on bad input;
 * rank 0 keeps the values and writes the rows. */
#include <dirent.h>
#include <sys/stat.h>
#include <matio.h>
#include <bandalign/atlas.h>
#include <bandalign/features.h>
#include <bandalign/folder.h>
#include <bandalign/import.h>

/* The largest contact number on a rod (s.probes.probe_ids) taken as real: SEEG rods carry
   up to about 20 contacts, so anything above is garbage, not a contact. */
#define KUZOVKIN_MAX_PROBE_ID 9999

/* One file: one patient in one ROI. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  PetscInt nimages, nchannels;
  char **stimseq; /* [nimages] */
  char **name;    /* [nchannels], NULL when s.probes has no names */
  double *mni;    /* [nchannels * 3] */
  float *data;    /* [nimages][nchannels] (rank 0 only; NULL elsewhere) */
} KFile;

typedef struct {
  char id[PETSC_MAX_PATH_LEN];
  KFile *file[BA_NROIS];   /* NULL where the ROI folder has no file of the patient */
  PetscInt nchannels;      /* the union */
  char **name;             /* [nchannels] */
  double *mni;             /* [nchannels * 3] */
  PetscInt *row[BA_NROIS]; /* row[roi][k]: the patient's channel of column k of that file */
} KPatient;

int ImportRoiFromFolder(const char *name)
{
  char buf[64];

  for (int roi = 0; roi < BA_NROIS; roi++) {
    RoiName(roi, buf, sizeof(buf));
    if (!strcmp(buf, name)) return roi;
  }
  for (const char *p = strstr(name, "_w"); p; p = strstr(p + 1, "_w")) {
    char *end;
    long t0 = strtol(p + 2, &end, 10);

    if (end == p + 2 || *end != '_') continue;
    for (int b = 0; b < BA_NBANDS; b++) {
      const size_t n = strlen(BaBands[b].name);
      if (strncmp(end + 1, BaBands[b].name, n) || (end[1 + n] && end[1 + n] != '_')) continue;
      for (int w = 0; w < BA_NWINDOWS; w++)
        if (BaWindows[w].t0_ms == t0) return RoiIndex(b, w);
    }
  }
  return -1;
}

static void QuietLog(int level, char *message)
{
  (void)level;
  (void)message;
}

static int ComparePatients(const void *a, const void *b)
{
  return strcmp(((const KPatient *)a)->id, ((const KPatient *)b)->id);
}

/* Sorted entries of dir that are folders (dirs) or files ending in suffix; a folder that
   cannot be opened is an input error. */
static PetscErrorCode ListDir(MPI_Comm comm, const char *dir, PetscBool dirs, const char *suffix, PetscInt *n,
                              char ***names)
{
  PetscBool opened;

  PetscFunctionBegin;
  PetscCall(FolderList(dir, dirs, suffix, n, names, &opened));
  PetscCheck(opened, comm, BA_ERR_INPUT, "%s: cannot open folder", dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static size_t Numel(const matvar_t *v)
{
  size_t n = 1;
  for (int d = 0; d < v->rank; d++)
    n *= v->dims[d];
  return n;
}

/* A real numeric array as doubles (column-major, as stored). */
static PetscErrorCode MatNumbers(MPI_Comm comm, const char *path, const char *what, const matvar_t *v, double *out)
{
  const size_t n = Numel(v);

  PetscFunctionBegin;
  PetscCheck(!v->isComplex, comm, BA_ERR_INPUT, "%s: %s is complex", path, what);
  for (size_t i = 0; i < n; i++) {
    switch (v->class_type) {
    case MAT_C_DOUBLE:
      out[i] = ((const double *)v->data)[i];
      break;
    case MAT_C_SINGLE:
      out[i] = ((const float *)v->data)[i];
      break;
    case MAT_C_INT8:
      out[i] = ((const int8_t *)v->data)[i];
      break;
    case MAT_C_UINT8:
      out[i] = ((const uint8_t *)v->data)[i];
      break;
    case MAT_C_INT16:
      out[i] = ((const int16_t *)v->data)[i];
      break;
    case MAT_C_UINT16:
      out[i] = ((const uint16_t *)v->data)[i];
      break;
    case MAT_C_INT32:
      out[i] = ((const int32_t *)v->data)[i];
      break;
    case MAT_C_UINT32:
      out[i] = ((const uint32_t *)v->data)[i];
      break;
    case MAT_C_INT64:
      out[i] = (double)((const int64_t *)v->data)[i];
      break;
    case MAT_C_UINT64:
      out[i] = (double)((const uint64_t *)v->data)[i];
      break;
    default:
      SETERRQ(comm, BA_ERR_INPUT, "%s: %s is not a numeric array", path, what);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Character k of row r of a char array (ASCII; wider code units keep their low byte). */
static char MatChar(const matvar_t *v, size_t r, size_t k)
{
  const size_t i = r + k * v->dims[0];
  switch (v->data_size) {
  case 2:
    return (char)((const uint16_t *)v->data)[i];
  case 4:
    return (char)((const uint32_t *)v->data)[i];
  default:
    return ((const char *)v->data)[i];
  }
}

/* Row r of a char array, trailing blanks removed (MATLAB pads char matrices). */
static PetscErrorCode MatRowString(const matvar_t *v, size_t r, char **s)
{
  const size_t len = v->rank >= 2 ? v->dims[1] : 0;
  size_t n         = len;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(len + 1, s));
  for (size_t k = 0; k < len; k++)
    (*s)[k] = MatChar(v, r, k);
  while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == 0))
    n--;
  (*s)[n] = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A list of strings: a cell array of char rows, or a char matrix with one name a row. */
static PetscErrorCode MatStrings(MPI_Comm comm, const char *path, const char *what, matvar_t *v, PetscInt *n, char ***s)
{
  PetscFunctionBegin;
  if (v->class_type == MAT_C_CELL) {
    *n = (PetscInt)Numel(v);
    PetscCall(PetscCalloc1(*n + 1, s));
    for (PetscInt i = 0; i < *n; i++) {
      matvar_t *c = Mat_VarGetCell(v, (int)i);
      PetscCheck(c && (c->class_type == MAT_C_CHAR || Numel(c) == 0), comm, BA_ERR_INPUT,
                 "%s: %s{%" PetscInt_FMT "} is not a string", path, what, i + 1);
      if (c->class_type == MAT_C_CHAR && Numel(c) > 0) {
        PetscCheck(c->dims[0] == 1, comm, BA_ERR_INPUT, "%s: %s{%" PetscInt_FMT "} is not one row of text", path, what,
                   i + 1);
        PetscCall(MatRowString(c, 0, &(*s)[i]));
      } else
        PetscCall(PetscStrallocpy("", &(*s)[i]));
    }
  } else {
    PetscCheck(v->class_type == MAT_C_CHAR && v->rank == 2, comm, BA_ERR_INPUT,
               "%s: %s is neither a cell array of names nor a char matrix", path, what);
    *n = (PetscInt)v->dims[0];
    PetscCall(PetscCalloc1(*n + 1, s));
    for (PetscInt i = 0; i < *n; i++)
      PetscCall(MatRowString(v, (size_t)i, &(*s)[i]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static matvar_t *Field(matvar_t *s, const char *name)
{
  char *const *names = Mat_VarGetStructFieldnames(s);
  unsigned n         = Mat_VarGetNumberOfFields(s);

  for (unsigned i = 0; i < n; i++)
    if (names && names[i] && !strcmp(names[i], name)) return Mat_VarGetStructFieldByName(s, name, 0);
  return NULL;
}

static PetscErrorCode RequireField(MPI_Comm comm, const char *path, matvar_t *s, const char *sname, const char *name,
                                   matvar_t **f)
{
  PetscFunctionBegin;
  *f = Field(s, name);
  PetscCheck(*f, comm, BA_ERR_INPUT, "%s: no field %s.%s", path, sname, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The images of a file: s.stimseq names the rows of s.data (whose columns are the
   channels), and s.stimgroups (or s.stimgroup), where present, has one entry per image. */
static PetscErrorCode KFileImages(MPI_Comm comm, const char *path, matvar_t *s, const matvar_t *data, matvar_t *seq,
                                  KFile *kf)
{
  matvar_t *groups;
  PetscInt nseq;

  PetscFunctionBegin;
  PetscCall(MatStrings(comm, path, "s.stimseq", seq, &nseq, &kf->stimseq));
  kf->nimages = nseq;
  if (Numel(data) == 0)
    kf->nchannels = 0;
  else {
    PetscCheck(data->rank == 2, comm, BA_ERR_INPUT, "%s: s.data is not a 2-D array", path);
    PetscCheck((PetscInt)data->dims[0] == nseq, comm, BA_ERR_INPUT,
               "%s: s.data has %zu rows but s.stimseq names %" PetscInt_FMT " images", path, data->dims[0], nseq);
    kf->nchannels = (PetscInt)data->dims[1];
  }
  groups = Field(s, "stimgroups");
  if (!groups) groups = Field(s, "stimgroup");
  PetscCheck(!groups || (PetscInt)Numel(groups) == nseq, comm, BA_ERR_INPUT,
             "%s: s.%s has %zu entries but s.stimseq names %" PetscInt_FMT " images", path,
             groups ? groups->name : "stimgroups", groups ? Numel(groups) : 0, nseq);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The channels' coordinates from s.probes.mni, a row per column of s.data (checked by
   MniCheck once the names are known). */
static PetscErrorCode KFileMni(MPI_Comm comm, const char *path, const matvar_t *mni, KFile *kf)
{
  double *buf;

  PetscFunctionBegin;
  PetscCheck((PetscInt)Numel(mni) == 3 * kf->nchannels && (kf->nchannels == 0 || (mni->rank == 2 && mni->dims[1] == 3)),
             comm, BA_ERR_INPUT,
             "%s: s.probes.mni is %zux%zu, expected %" PetscInt_FMT "x3 (a row per column of s.data)", path,
             mni->dims[0], mni->rank > 1 ? mni->dims[1] : 1, kf->nchannels);
  PetscCall(PetscMalloc1(3 * kf->nchannels + 1, &kf->mni));
  PetscCall(PetscMalloc1(3 * kf->nchannels + 1, &buf));
  if (kf->nchannels) PetscCall(MatNumbers(comm, path, "s.probes.mni", mni, buf));
  for (PetscInt c = 0; c < kf->nchannels; c++)
    for (int d = 0; d < 3; d++)
      kf->mni[3 * c + d] = buf[c + (size_t)d * kf->nchannels];
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The channels' names, rod name then probe id ("A" and 3 give "A3"), where s.probes has
   both rod_names and probe_ids; kf->name stays NULL otherwise. */
static PetscErrorCode KFileNames(MPI_Comm comm, const char *path, matvar_t *probes, KFile *kf)
{
  matvar_t *rods = Field(probes, "rod_names"), *ids = Field(probes, "probe_ids");
  PetscInt nr;
  char **rn;
  double *buf;

  PetscFunctionBegin;
  if (!rods || !ids || !kf->nchannels) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(MatStrings(comm, path, "s.probes.rod_names", rods, &nr, &rn));
  PetscCheck(nr == kf->nchannels && (PetscInt)Numel(ids) == kf->nchannels, comm, BA_ERR_INPUT,
             "%s: s.probes.rod_names and probe_ids need %" PetscInt_FMT " entries (columns of s.data)", path,
             kf->nchannels);
  PetscCall(PetscMalloc1(kf->nchannels, &buf));
  PetscCall(MatNumbers(comm, path, "s.probes.probe_ids", ids, buf));
  for (PetscInt c = 0; c < kf->nchannels; c++) { /* a contact's number on its rod: 0, 1, 2, ... */
    char v[32];
    if (buf[c] >= 0 && buf[c] <= KUZOVKIN_MAX_PROBE_ID && buf[c] == floor(buf[c])) continue;
    snprintf(v, sizeof(v), "%g", buf[c]); /* as C prints it (PETSc's %g would add a point: "nan.") */
    SETERRQ(comm, BA_ERR_INPUT,
            "%s: s.probes.probe_ids(%" PetscInt_FMT ") is %s, not a whole number in [0, %d] (rod %s)", path, c + 1, v,
            KUZOVKIN_MAX_PROBE_ID, rn[c]);
  }
  PetscCall(PetscMalloc1(kf->nchannels, &kf->name));
  for (PetscInt c = 0; c < kf->nchannels; c++) {
    char n[320];
    PetscCall(PetscSNPrintf(n, sizeof(n), "%s%.15g", rn[c], buf[c]));
    PetscCall(PetscStrallocpy(n, &kf->name[c]));
  }
  PetscCall(PetscFree(buf));
  PetscCall(BaStringsFree(nr, &rn));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The values of s.data, checked finite everywhere, kept as [image][channel] floats when
   keep_data (rank 0). */
static PetscErrorCode KFileValues(MPI_Comm comm, const char *path, const matvar_t *data, PetscBool keep_data, KFile *kf)
{
  const size_t n = (size_t)kf->nimages * kf->nchannels;
  double *buf;

  PetscFunctionBegin;
  if (!kf->nchannels) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(n, &buf));
  PetscCall(MatNumbers(comm, path, "s.data", data, buf));
  for (size_t i = 0; i < n; i++)
    PetscCheck(isfinite(buf[i]), comm, BA_ERR_INPUT, "%s: s.data(%zu,%zu) is not finite", path,
               i % (size_t)kf->nimages + 1, i / (size_t)kf->nimages + 1);
  if (keep_data) {
    PetscCall(PetscMalloc1(n, &kf->data));
    for (PetscInt i = 0; i < kf->nimages; i++)
      for (PetscInt c = 0; c < kf->nchannels; c++)
        kf->data[(size_t)i * kf->nchannels + c] = (float)buf[i + (size_t)c * kf->nimages];
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads one patient's file of one ROI; keep_data: keep s.data (rank 0). */
static PetscErrorCode KFileRead(MPI_Comm comm, const char *path, PetscBool keep_data, KFile *kf)
{
  mat_t *mat;
  matvar_t *s, *data, *seq, *probes, *mni;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(kf, sizeof(*kf)));
  PetscCall(PetscStrncpy(kf->path, path, sizeof(kf->path)));
  mat = Mat_Open(path, MAT_ACC_RDONLY);
  PetscCheck(mat, comm, BA_ERR_INPUT, "%s: not a MATLAB file matio can read", path);
  s = Mat_VarRead(mat, "s"); /* its fields stay tied to the open file: close after the last use */
  if (!s) Mat_Close(mat);
  PetscCheck(s, comm, BA_ERR_INPUT, "%s: no variable s", path);
  PetscCheck(s->class_type == MAT_C_STRUCT && Numel(s) == 1, comm, BA_ERR_INPUT, "%s: s is not a 1x1 struct", path);
  PetscCall(RequireField(comm, path, s, "s", "data", &data));
  PetscCall(RequireField(comm, path, s, "s", "stimseq", &seq));
  PetscCall(RequireField(comm, path, s, "s", "probes", &probes));
  PetscCheck(probes->class_type == MAT_C_STRUCT && Numel(probes) == 1, comm, BA_ERR_INPUT,
             "%s: s.probes is not a 1x1 struct", path);
  PetscCall(RequireField(comm, path, probes, "s.probes", "mni", &mni));

  PetscCall(KFileImages(comm, path, s, data, seq, kf));
  PetscCall(KFileMni(comm, path, mni, kf));
  PetscCall(KFileNames(comm, path, probes, kf));
  PetscCall(MniCheck(comm, path, "s.probes.mni", kf->nchannels, kf->mni, kf->name, 1));
  PetscCall(KFileValues(comm, path, data, keep_data, kf));
  Mat_VarFree(s);
  Mat_Close(mat);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode KFileFree(KFile *kf)
{
  PetscFunctionBegin;
  PetscCall(BaStringsFree(kf->nimages, &kf->stimseq));
  PetscCall(BaStringsFree(kf->nchannels, &kf->name));
  PetscCall(PetscFree(kf->mni));
  PetscCall(PetscFree(kf->data));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The patient's channels: the union over its files, in ROI then column order. A channel is
   the same in two files when its name is (or, without names, its coordinate). */
static PetscErrorCode PatientChannels(MPI_Comm comm, KPatient *p)
{
  PetscInt cap = 0;

  PetscFunctionBegin;
  for (int roi = 0; roi < BA_NROIS; roi++)
    cap += p->file[roi] ? p->file[roi]->nchannels : 0;
  PetscCall(PetscMalloc1(cap + 1, &p->name));
  PetscCall(PetscMalloc1(3 * cap + 3, &p->mni));
  p->nchannels = 0;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    const KFile *kf = p->file[roi];
    if (!kf) continue;
    PetscCall(PetscMalloc1(kf->nchannels + 1, &p->row[roi]));
    for (PetscInt c = 0; c < kf->nchannels; c++) {
      const double *x = kf->mni + 3 * c;
      PetscInt k      = 0;
      for (; k < p->nchannels; k++) {
        const double *y        = p->mni + 3 * k;
        const PetscBool same_x = (PetscBool)(x[0] == y[0] && x[1] == y[1] && x[2] == y[2]);
        if (kf->name ? !strcmp(kf->name[c], p->name[k]) : same_x) {
          PetscCheck(same_x, comm, BA_ERR_INPUT,
                     "%s: channel %s is at (%g, %g, %g) here but at (%g, %g, %g) in another ROI folder", kf->path,
                     kf->name[c], x[0], x[1], x[2], y[0], y[1], y[2]);
          break;
        }
      }
      for (PetscInt j = 0; j < c; j++)
        PetscCheck(p->row[roi][j] != k || k == p->nchannels, comm, BA_ERR_INPUT, "%s: channel %s is listed twice",
                   kf->path, kf->name ? kf->name[c] : "(same coordinate)");
      if (k == p->nchannels) {
        char n[32];
        if (!kf->name) PetscCall(PetscSNPrintf(n, sizeof(n), "ch%" PetscInt_FMT, k + 1));
        PetscCall(PetscStrallocpy(kf->name ? kf->name[c] : n, &p->name[k]));
        for (int d = 0; d < 3; d++)
          p->mni[3 * k + d] = x[d];
        p->nchannels++;
      }
      p->row[roi][c] = k;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The study folder as read: its ROI folders, their files, the patients and images. */
typedef struct {
  char folder[BA_NROIS][PETSC_MAX_PATH_LEN]; /* the folder of each ROI */
  KFile *files[BA_NROIS];                    /* [nf[roi]] the files of each ROI folder, in name order */
  PetscInt nf[BA_NROIS], nfiles;
  KPatient *pat; /* [npat] in name order */
  PetscInt npat;
  char **img; /* [nimg] sorted; the strings belong to the first file */
  PetscInt nimg;
} KStudy;

/* The folder of each ROI among the folders of dir: exactly one each. */
static PetscErrorCode StudyFolders(MPI_Comm comm, const char *dir, KStudy *st)
{
  char **dirs, roi_name[64];
  PetscInt ndirs;

  PetscFunctionBegin;
  for (int roi = 0; roi < BA_NROIS; roi++)
    st->folder[roi][0] = 0;
  PetscCall(ListDir(comm, dir, PETSC_TRUE, NULL, &ndirs, &dirs));
  for (PetscInt i = 0; i < ndirs; i++) {
    const int roi = ImportRoiFromFolder(dirs[i]);
    if (roi < 0) continue;
    RoiName(roi, roi_name, sizeof(roi_name));
    PetscCheck(!st->folder[roi][0], comm, BA_ERR_INPUT, "%s: folders %s and %s both hold ROI %s", dir,
               strrchr(st->folder[roi], '/') + 1, dirs[i], roi_name);
    PetscCall(PetscSNPrintf(st->folder[roi], sizeof(st->folder[roi]), "%s/%s", dir, dirs[i]));
  }
  PetscCall(BaStringsFree(ndirs, &dirs));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    RoiName(roi, roi_name, sizeof(roi_name));
    PetscCheck(st->folder[roi][0], comm, BA_ERR_INPUT,
               "%s: no folder for ROI %s (named %s, or as the study's ..._w%d_%s_... folders; see "
               "docs/import.md)",
               dir, roi_name, roi_name, BaWindows[roi % BA_NWINDOWS].t0_ms, BaBands[roi / BA_NWINDOWS].name);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every .mat file of every ROI folder (values kept on rank 0). */
static PetscErrorCode StudyFiles(const BaContext *ctx, const char *dir, KStudy *st)
{
  PetscFunctionBegin;
  st->nfiles = 0;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    char **names;
    PetscInt n;
    PetscCall(ListDir(ctx->comm, st->folder[roi], PETSC_FALSE, ".mat", &n, &names));
    st->nf[roi] = n;
    PetscCall(PetscCalloc1(n + 1, &st->files[roi]));
    for (PetscInt i = 0; i < n; i++) {
      char path[PETSC_MAX_PATH_LEN];
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", st->folder[roi], names[i]));
      PetscCall(KFileRead(ctx->comm, path, (PetscBool)(ctx->rank == 0), &st->files[roi][i]));
    }
    PetscCall(BaStringsFree(n, &names));
    st->nfiles += n;
  }
  PetscCheck(st->nfiles > 0, ctx->comm, BA_ERR_INPUT, "%s: no .mat files in the ROI folders", dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The patients: the union of the file names (without .mat), sorted, each with its file of
   every ROI. */
static PetscErrorCode StudyPatients(KStudy *st)
{
  PetscFunctionBegin;
  st->npat = 0;
  PetscCall(PetscCalloc1(st->nfiles, &st->pat));
  for (int roi = 0; roi < BA_NROIS; roi++)
    for (PetscInt i = 0; i < st->nf[roi]; i++) {
      KFile *kf        = &st->files[roi][i];
      const char *base = strrchr(kf->path, '/') + 1;
      char id[PETSC_MAX_PATH_LEN];
      PetscInt p = 0;

      PetscCall(PetscSNPrintf(id, sizeof(id), "%.*s", (int)(strlen(base) - 4), base));
      while (p < st->npat && strcmp(st->pat[p].id, id))
        p++;
      if (p == st->npat) PetscCall(PetscStrncpy(st->pat[st->npat++].id, id, sizeof(st->pat[0].id)));
      st->pat[p].file[roi] = kf;
    }
  qsort(st->pat, (size_t)st->npat, sizeof(KPatient), ComparePatients);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The images: every file names the same set (at least 3, none twice); the analysis order
   is sorted by name. */
static PetscErrorCode StudyImages(MPI_Comm comm, const char *dir, KStudy *st)
{
  PetscFunctionBegin;
  st->img  = NULL;
  st->nimg = 0;
  for (int roi = 0; roi < BA_NROIS && !st->img; roi++)
    if (st->nf[roi]) {
      const KFile *first = &st->files[roi][0];
      st->nimg           = first->nimages;
      PetscCall(PetscMalloc1(st->nimg + 1, &st->img));
      for (PetscInt i = 0; i < st->nimg; i++)
        st->img[i] = first->stimseq[i];
      qsort(st->img, (size_t)st->nimg, sizeof(char *), FolderCompareNames);
      for (PetscInt i = 1; i < st->nimg; i++)
        PetscCheck(strcmp(st->img[i - 1], st->img[i]), comm, BA_ERR_INPUT, "%s: s.stimseq names image %s twice",
                   first->path, st->img[i]);
    }
  PetscCheck(st->nimg >= 3, comm, BA_ERR_INPUT, "%s: s.stimseq names %" PetscInt_FMT " images, need at least 3", dir,
             st->nimg);
  for (int roi = 0; roi < BA_NROIS; roi++)
    for (PetscInt i = 0; i < st->nf[roi]; i++) {
      const KFile *kf = &st->files[roi][i];
      PetscCheck(kf->nimages == st->nimg, comm, BA_ERR_INPUT,
                 "%s: s.stimseq names %" PetscInt_FMT " images, other files %" PetscInt_FMT, kf->path, kf->nimages,
                 st->nimg);
      for (PetscInt k = 0; k < st->nimg; k++) {
        char *const *hit = bsearch(&kf->stimseq[k], st->img, (size_t)st->nimg, sizeof(char *), FolderCompareNames);
        PetscCheck(hit, comm, BA_ERR_INPUT, "%s: image %s of s.stimseq is not in the other files", kf->path,
                   kf->stimseq[k]);
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The feature rows of one patient (nr of them on this rank: all on rank 0, none elsewhere):
   responsive with the file's values in the ROIs whose file lists the channel, p 1, no
   increase and NaN elsewhere. */
static void PatientBlockFill(const KPatient *pt, PetscInt nr, char **img, PetscInt nimg, FeaturesBlock *b)
{
  for (PetscInt c = 0; c < nr; c++)
    b->n_artifacts[c] = 0;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    const KFile *kf = pt->file[roi];
    for (PetscInt c = 0; c < nr; c++) {
      b->resp_p[(size_t)roi * nr + c]   = 1;
      b->increase[(size_t)roi * nr + c] = 0;
      for (PetscInt i = 0; i < nimg; i++)
        b->feature[((size_t)roi * nr + c) * nimg + i] = NAN;
    }
    if (!kf || !nr) continue;
    for (PetscInt k = 0; k < kf->nchannels; k++) {
      const PetscInt c                  = pt->row[roi][k];
      b->resp_p[(size_t)roi * nr + c]   = 0;
      b->increase[(size_t)roi * nr + c] = 1;
      for (PetscInt i = 0; i < nimg; i++) {
        char *const *hit   = bsearch(&kf->stimseq[i], img, (size_t)nimg, sizeof(char *), FolderCompareNames);
        const PetscInt col = (PetscInt)(hit - img);
        b->feature[((size_t)roi * nr + c) * nimg + col] = kf->data[(size_t)i * kf->nchannels + k];
      }
    }
  }
}

/* Creates the features file at ctx->out and writes its rows: patients in name order, their
   channels' union (PatientChannels). */
static PetscErrorCode StudyWrite(const BaContext *ctx, const char *dir, KStudy *st)
{
  MPI_Comm comm = ctx->comm;
  PetscInt nch  = 0;
  char **pname, **cname;
  double *mni;
  Features ff;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < st->npat; p++) {
    PetscCall(PatientChannels(comm, &st->pat[p]));
    nch += st->pat[p].nchannels;
  }
  PetscCheck(nch > 0, comm, BA_ERR_INPUT, "%s: the files hold no channels", dir);
  PetscCall(PetscMalloc3(nch, &pname, nch, &cname, 3 * nch, &mni));
  for (PetscInt p = 0, g = 0; p < st->npat; p++)
    for (PetscInt c = 0; c < st->pat[p].nchannels; c++, g++) {
      pname[g] = st->pat[p].id;
      cname[g] = st->pat[p].name[c];
      for (int d = 0; d < 3; d++)
        mni[3 * g + d] = st->pat[p].mni[3 * c + d];
    }
  PetscCall(ContextPrintf(ctx,
                          "import-kuzovkin: %" PetscInt_FMT " files, %" PetscInt_FMT " patients, %" PetscInt_FMT
                          " channels, %" PetscInt_FMT " images\n",
                          st->nfiles, st->npat, nch, st->nimg));
  PetscCall(FeaturesCreate(ctx, ctx->out, st->nimg, st->img, nch, pname, cname, mni, &ff));
  for (PetscInt p = 0, g = 0; p < st->npat; p++) {
    const PetscInt nr = ctx->rank == 0 ? st->pat[p].nchannels : 0;
    FeaturesBlock b;

    PetscCall(FeaturesBlockCreate(nr, st->nimg, &b));
    PatientBlockFill(&st->pat[p], nr, st->img, st->nimg, &b);
    PetscCall(FeaturesWriteBlock(&ff, g, &b));
    PetscCall(FeaturesBlockDestroy(&b));
    g += st->pat[p].nchannels;
  }
  PetscCall(FeaturesCommit(&ff));
  PetscCall(FeaturesClose(&ff));
  PetscCall(PetscFree3(pname, cname, mni));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode StudyFree(KStudy *st)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < st->npat; p++) {
    PetscCall(BaStringsFree(st->pat[p].nchannels, &st->pat[p].name));
    PetscCall(PetscFree(st->pat[p].mni));
    for (int roi = 0; roi < BA_NROIS; roi++)
      PetscCall(PetscFree(st->pat[p].row[roi]));
  }
  PetscCall(PetscFree(st->pat));
  PetscCall(PetscFree(st->img));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    for (PetscInt i = 0; i < st->nf[roi]; i++)
      PetscCall(KFileFree(&st->files[roi][i]));
    PetscCall(PetscFree(st->files[roi]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ImportKuzovkin(const BaContext *ctx, const ImportKuzovkinOptions *o)
{
  KStudy *st;
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  Mat_LogInitFunc("bandalign", QuietLog);
  PetscCall(OptionsRequire(ctx->comm, "-dir", o->dir));
  PetscCall(PetscCalloc1(1, &st));
  PetscCall(StudyFolders(ctx->comm, o->dir, st));
  PetscCall(StudyFiles(ctx, o->dir, st));
  PetscCall(StudyPatients(st));
  PetscCall(StudyImages(ctx->comm, o->dir, st));
  PetscCall(StudyWrite(ctx, o->dir, st));
  PetscCall(ContextPrintf(ctx, "import-kuzovkin: wrote %s in %.1f s\n", ctx->out, MPI_Wtime() - t0));
  PetscCall(StudyFree(st));
  PetscCall(PetscFree(st));
  PetscFunctionReturn(PETSC_SUCCESS);
}
