/* h5io.c: parallel HDF5 files for every format of bandalign.
 *
 * Bulk data (samples, features, results) moves through collective hyperslab I/O, each rank
 * its own rows. Variable-length strings are the exception: HDF5 1.10 cannot write them in
 * parallel, so string datasets are kept on rank 0 and written after the parallel close,
 * through the serial driver, before the file is renamed into place. They are small (names
 * of channels and images).
 *
 * Outputs live under a temporary name of their own, path.partial-<host>-<pid> (two runs
 * writing the same path never share one), until BaH5FileCommit renames them into place. An
 * output never replaces a file that is open as an input of the run (the same file, by
 * device and inode, whatever its name), a folder, or a file that is not a bandalign file of
 * the same format (a rerun replaces its own earlier output; nothing else is destroyed).
 *
 * Closing a parallel file writes its metadata (collectively), and HDF5 1.10 cannot recover
 * from a close that fails: a full disk there leaves the file half closed, and HDF5 crashes
 * when it closes it again in MPI_Finalize. So while an output is written, RESERVE_BYTES of
 * disk are set aside next to it (<tmppath>.reserve, rank 0) and given back just before it is
 * closed, on commit and on every error path; an abandoned output is also truncated first.
 * The metadata of our largest output (results) is about 80 kB; the reserve leaves room for
 * ten times that spread over pages. A disk too full for the reserve fails at once, before
 * anything is written. */
#include <bandalign/h5io.h>
#include <bandalign/comm.h>
#include <errno.h>
#include <fcntl.h>
#include <bandalign/context.h>
#include <bandalign/sanitize.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct DeferredStrings {
  char *name;
  PetscInt n;
  char **strings;
  struct DeferredStrings *next;
} DeferredStrings;

/* Deferred string datasets per open file, keyed by the file id (few files are open at once). */
#define MAX_OPEN_FILES 16
static struct {
  hid_t id;
  DeferredStrings *head;
} Deferred[MAX_OPEN_FILES];

/* Files being written, so that a failing run can remove their partial outputs. */
static BaH5File *Writing[MAX_OPEN_FILES];

static void WritingAdd(BaH5File *f)
{
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (!Writing[i]) {
      Writing[i] = f;
      return;
    }
}

static void WritingRemove(BaH5File *f)
{
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (Writing[i] == f) Writing[i] = NULL;
}

/* Disk set aside while an output is written, for the metadata its close writes. */
#define RESERVE_BYTES (1 << 20)

static void ReserveName(const BaH5File *f, char *name, size_t len)
{
  snprintf(name, len, "%s.reserve", f->tmppath);
}

/* Rank 0 sets the reserve aside; 0 or the errno of open (*opened false) or of the
   allocation. */
static int ReserveCreate(const BaH5File *f, PetscBool *opened)
{
  char name[PETSC_MAX_PATH_LEN + 16];
  int fd, err;

  ReserveName(f, name, sizeof(name));
  *opened = PETSC_FALSE;
  if ((fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) return errno;
  *opened = PETSC_TRUE;
  err     = posix_fallocate(fd, 0, RESERVE_BYTES);
  close(fd);
  if (err) unlink(name);
  return err;
}

/* Gives the reserve back (rank 0; nothing where there is none). Never fails. */
static void ReserveRelease(const BaH5File *f, PetscMPIInt rank)
{
  char name[PETSC_MAX_PATH_LEN + 16];

  if (rank != 0 || !f->tmppath[0]) return;
  ReserveName(f, name, sizeof(name));
  unlink(name);
}

void BaH5AbandonAll(void)
{
  int rank = 0;

  SanitizeRunFailed(); /* main's error path: no leak check of what the failed stage held */
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (Writing[i]) {
      /* reserve given back and truncated first: HDF5 closes the file at exit and flushes its
         metadata collectively, which must fit on a disk this output may have filled */
      ReserveRelease(Writing[i], rank);
      if (rank == 0 && truncate(Writing[i]->tmppath, 0) == 0)
        unlink(Writing[i]->tmppath);
      else if (rank == 0)
        unlink(Writing[i]->tmppath);
      Writing[i] = NULL;
    }
}

/* Files open as inputs, by identity, so that no output replaces one. */
static struct {
  const BaH5File *f; /* the handle (only compared, never followed) */
  char path[PETSC_MAX_PATH_LEN];
  dev_t dev;
  ino_t ino;
} Reading[MAX_OPEN_FILES];

static void ReadingAdd(const BaH5File *f)
{
  struct stat st;

  if (stat(f->path, &st) != 0) return;
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (!Reading[i].f) {
      Reading[i].f = f;
      snprintf(Reading[i].path, sizeof(Reading[i].path), "%s", f->path);
      Reading[i].dev = st.st_dev;
      Reading[i].ino = st.st_ino;
      return;
    }
}

static void ReadingRemove(const BaH5File *f)
{
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (Reading[i].f == f) Reading[i].f = NULL;
}

/* Why path may not be replaced by an output of the given format ("" if it may): rank 0
   looks, every rank gets the verdict. */
static PetscErrorCode CheckReplace(MPI_Comm comm, const char *path, const char *format)
{
  PetscMPIInt rank;
  char err[BA_COMM_ERR_LEN] = "";
  struct stat st;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && stat(path, &st) == 0) {
    for (int i = 0; i < MAX_OPEN_FILES && !err[0]; i++)
      if (Reading[i].f && Reading[i].dev == st.st_dev && Reading[i].ino == st.st_ino)
        PetscCall(PetscSNPrintf(err, sizeof(err), "%s: is an input of this run (%s); give the output another name",
                                path, Reading[i].path));
    if (!err[0] && S_ISDIR(st.st_mode))
      PetscCall(PetscSNPrintf(err, sizeof(err), "%s: is a folder; the output is a file", path));
    if (!err[0]) {
      char found[64] = "";
      hid_t id       = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : H5I_INVALID_HID;
      if (id >= 0) {
        if (H5Aexists(id, "format") > 0) {
          hid_t a = H5Aopen(id, "format", H5P_DEFAULT), t = H5Aget_type(a), sp = H5Aget_space(a);
          /* only a scalar: H5Aread of an array would write more than the one pointer */
          if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0 &&
              H5Sget_simple_extent_type(sp) == H5S_SCALAR) {
            char *v = NULL;
            if (H5Aread(a, t, &v) >= 0 && v) snprintf(found, sizeof(found), "%s", v);
            if (v) H5free_memory(v);
          }
          H5Sclose(sp);
          H5Tclose(t);
          H5Aclose(a);
        }
        H5Fclose(id);
      }
      if (strcmp(found, format))
        PetscCall(PetscSNPrintf(err, sizeof(err),
                                "%s: exists and is not a %s file (%s); bandalign replaces only its own outputs", path,
                                format, found[0] ? found : "not a bandalign file"));
    }
  }
  PetscCall(CommAgreeError(comm, err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The run's own temporary name for path: path.partial-<host>-<pid of rank 0>. */
static PetscErrorCode TemporaryName(MPI_Comm comm, const char *path, char *tmp, size_t len)
{
  PetscMPIInt rank;
  char host[64] = "host";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    (void)gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = 0;
    PetscCall(PetscSNPrintf(tmp, len, "%s.partial-%s-%ld", path, host, (long)getpid()));
  }
  PetscCallMPI(MPI_Bcast(tmp, (int)len, MPI_CHAR, 0, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static hid_t StringType(void)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

static PetscErrorCode FileAccessList(MPI_Comm comm, hid_t *fapl)
{
  PetscFunctionBegin;
  BaCallH5(*fapl = H5Pcreate(H5P_FILE_ACCESS), "(property list)");
  BaCallH5(H5Pset_fapl_mpio(*fapl, comm, MPI_INFO_NULL), "(property list)");
  BaCallH5(H5Pset_coll_metadata_write(*fapl, 1), "(property list)");
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5FileOpen(MPI_Comm comm, const char *path, const char *expect_format, BaH5File *f)
{
  hid_t fapl;
  char format[64];
  PetscInt64 version = 0;
  PetscBool match;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->comm = comm;
  f->id   = H5I_INVALID_HID;
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  PetscCheck(access(path, R_OK) == 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot open (no such file or not readable)",
             path);
  PetscCheck(H5Fis_hdf5(path) > 0, comm, BA_ERR_INPUT, "%s: not an HDF5 file", path);
  PetscCall(FileAccessList(comm, &fapl));
  f->id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  PetscCheck(f->id >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot open as HDF5", path);
  if (!expect_format) PetscFunctionReturn(PETSC_SUCCESS); /* another program's layout: the caller checks */
  PetscCall(BaH5AttrReadString(f, "/", "format", format, sizeof(format)));
  PetscCall(PetscStrcmp(format, expect_format, &match));
  PetscCheck(match, comm, BA_ERR_INPUT, "%s: format is '%s', expected '%s'", path, format, expect_format);
  PetscCall(BaH5AttrReadInt(f, "/", "version", &version));
  PetscCheck(version == 1, comm, BA_ERR_INPUT, "%s: format version %" PetscInt64_FMT " is not supported (expected 1)",
             path, version);
  ReadingAdd(f);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5FileCreate(MPI_Comm comm, const char *path, const char *format, BaH5File *f)
{
  hid_t fapl;
  PetscMPIInt rank;
  int err          = 0;
  PetscBool opened = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->comm    = comm;
  f->id      = H5I_INVALID_HID;
  f->writing = PETSC_TRUE;
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  PetscCheck(path[0], comm, BA_ERR_INPUT, "-out: an empty file name");
  PetscCall(CheckReplace(comm, path, format));
  PetscCall(TemporaryName(comm, path, f->tmppath, sizeof(f->tmppath)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) err = ReserveCreate(f, &opened); /* the outcome is rank 0's: the others agree on it */
  PetscCall(CommAgreeErrorf(comm, (PetscBool)(err && !opened), "%s: cannot create (is the folder there and writable?)",
                            path));
  PetscCall(CommAgreeErrorf(comm, (PetscBool)(err != 0),
                            "%s: cannot set %d kB aside next to it for closing it (%s: is the disk full?)", path,
                            RESERVE_BYTES >> 10, strerror(err)));
  PetscCall(FileAccessList(comm, &fapl));
  f->id = H5Fcreate(f->tmppath, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (f->id < 0) ReserveRelease(f, rank);
  PetscCheck(f->id >= 0, comm, PETSC_ERR_FILE_OPEN, "%s: cannot create (is the folder there and writable?)", path);
  WritingAdd(f);
  if (!format) PetscFunctionReturn(PETSC_SUCCESS); /* another program's layout */
  PetscCall(BaH5AttrWriteString(f, "/", "format", format));
  PetscCall(BaH5AttrWriteInt(f, "/", "version", 1));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static DeferredStrings **DeferredHead(hid_t id)
{
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (Deferred[i].id == id && id > 0) return &Deferred[i].head;
  for (int i = 0; i < MAX_OPEN_FILES; i++)
    if (Deferred[i].head == NULL) {
      Deferred[i].id = id;
      return &Deferred[i].head;
    }
  return NULL;
}

static void DeferredFree(hid_t id)
{
  DeferredStrings **head = DeferredHead(id), *d, *next;

  if (!head) return;
  for (d = *head; d; d = next) {
    next = d->next;
    for (PetscInt i = 0; i < d->n; i++)
      free(d->strings[i]);
    free(d->strings);
    free(d->name);
    free(d);
  }
  *head = NULL;
}

/* Creates intermediate groups of name in a file opened by one process. */
static PetscErrorCode SerialCreateGroups(hid_t file, const char *path, const char *name)
{
  char buf[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, name, sizeof(buf)));
  for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
    *s = 0;
    if (H5Lexists(file, buf, H5P_DEFAULT) <= 0) {
      hid_t g;
      BaCallH5(g = H5Gcreate2(file, buf, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path);
      H5Gclose(g);
    }
    *s = '/';
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteDeferredStrings(BaH5File *f, DeferredStrings *head)
{
  hid_t file, type = StringType();

  PetscFunctionBegin;
  BaCallH5(file = H5Fopen(f->tmppath, H5F_ACC_RDWR, H5P_DEFAULT), f->path);
  for (DeferredStrings *d = head; d; d = d->next) {
    hsize_t dims = (hsize_t)d->n;
    hid_t space, dset;
    PetscCall(SerialCreateGroups(file, f->path, d->name));
    BaCallH5(space = H5Screate_simple(1, &dims, NULL), f->path);
    BaCallH5(dset = H5Dcreate2(file, d->name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f->path);
    if (d->n) BaCallH5(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->strings), f->path);
    H5Dclose(dset);
    H5Sclose(space);
  }
  H5Tclose(type);
  BaCallH5(H5Fclose(file), f->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5FileCommit(BaH5File *f)
{
  PetscMPIInt rank;
  int ok = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  if (f->id >= 0) {
    DeferredStrings **head = DeferredHead(f->id), *list = head ? *head : NULL;
    hid_t id = f->id;
    f->id    = H5I_INVALID_HID;
    if (f->writing) ReserveRelease(f, rank); /* room for the metadata the close writes */
    BaCallH5(H5Fclose(id), f->path);
    if (f->writing && rank == 0 && list) ok = WriteDeferredStrings(f, list) == PETSC_SUCCESS;
    DeferredFree(id);
  }
  if (f->writing) {
    int err = 0;
    PetscCall(CommAgreeErrorf(f->comm, !ok, "%s: cannot write string datasets", f->path));
    if (rank == 0 && rename(f->tmppath, f->path) != 0) err = errno;
    /* every rank waits here for the rename, and fails with rank 0 if it failed */
    PetscCall(CommAgreeErrorf(f->comm, err != 0, "%s: cannot rename from %s (%s)", f->path, f->tmppath, strerror(err)));
    f->writing = PETSC_FALSE;
    WritingRemove(f);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

void BaH5FileAbandon(BaH5File *f)
{
  PetscMPIInt rank = 0;

  if (f->comm != MPI_COMM_NULL && f->comm) MPI_Comm_rank(f->comm, &rank);
  ReadingRemove(f);
  if (f->id >= 0 && f->id != 0) {
    /* an output that failed may have filled the disk: free its space first, so that the
       metadata H5Fclose flushes (collectively) can be written on every rank alike */
    if (f->writing && f->comm != MPI_COMM_NULL && f->comm) {
      ReserveRelease(f, rank);
      if (rank == 0 && truncate(f->tmppath, 0) != 0) { /* nothing more to free */
      }
      MPI_Barrier(f->comm);
    }
    DeferredFree(f->id);
    H5Fclose(f->id);
    f->id = H5I_INVALID_HID;
  }
  if (f->writing) ReserveRelease(f, rank); /* a file that was never opened */
  if (f->writing && rank == 0) unlink(f->tmppath);
  if (f->writing) WritingRemove(f);
  f->writing = PETSC_FALSE;
}

PetscErrorCode BaH5Exists(BaH5File *f, const char *name, PetscBool *exists)
{
  char buf[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  *exists = PETSC_TRUE;
  PetscCall(PetscStrncpy(buf, name, sizeof(buf)));
  /* H5Lexists needs every parent to exist: test each prefix */
  for (char *s = strchr(buf + 1, '/');; s = strchr(s + 1, '/')) {
    if (s) *s = 0;
    if (H5Lexists(f->id, buf, H5P_DEFAULT) <= 0) {
      *exists = PETSC_FALSE;
      break;
    }
    if (!s) break;
    *s = '/';
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OpenObject(BaH5File *f, const char *obj, hid_t *id)
{
  PetscBool exists = PETSC_TRUE;

  PetscFunctionBegin;
  if (strcmp(obj, "/")) PetscCall(BaH5Exists(f, obj, &exists));
  PetscCheck(exists, f->comm, BA_ERR_INPUT, "%s: missing %s", f->path, obj);
  BaCallH5(*id = H5Oopen(f->id, obj, H5P_DEFAULT), f->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AttrWrite(BaH5File *f, const char *obj, const char *name, hid_t type, const void *value)
{
  hid_t o, space, attr;

  PetscFunctionBegin;
  PetscCall(OpenObject(f, obj, &o));
  BaCallH5(space = H5Screate(H5S_SCALAR), f->path);
  if (H5Aexists(o, name) > 0) BaCallH5(H5Adelete(o, name), f->path);
  BaCallH5(attr = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT), f->path);
  BaCallH5(H5Awrite(attr, type, value), f->path);
  H5Aclose(attr);
  H5Sclose(space);
  H5Oclose(o);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrWriteString(BaH5File *f, const char *obj, const char *name, const char *value)
{
  hid_t type = StringType();

  PetscFunctionBegin;
  PetscCall(AttrWrite(f, obj, name, type, &value));
  H5Tclose(type);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrWriteDouble(BaH5File *f, const char *obj, const char *name, double value)
{
  PetscFunctionBegin;
  PetscCall(AttrWrite(f, obj, name, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrWriteInt(BaH5File *f, const char *obj, const char *name, PetscInt64 value)
{
  int64_t v = value;

  PetscFunctionBegin;
  PetscCall(AttrWrite(f, obj, name, H5T_NATIVE_INT64, &v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AttrOpen(BaH5File *f, const char *obj, const char *name, hid_t *o, hid_t *attr)
{
  PetscFunctionBegin;
  PetscCall(OpenObject(f, obj, o));
  if (H5Aexists(*o, name) <= 0) {
    H5Oclose(*o);
    SETERRQ(f->comm, BA_ERR_INPUT, "%s: missing attribute %s of %s", f->path, name, obj);
  }
  BaCallH5(*attr = H5Aopen(*o, name, H5P_DEFAULT), f->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrExists(BaH5File *f, const char *obj, const char *name, PetscBool *exists)
{
  hid_t o = H5I_INVALID_HID;

  PetscFunctionBegin;
  PetscCall(OpenObject(f, obj, &o));
  *exists = (PetscBool)(H5Aexists(o, name) > 0);
  H5Oclose(o);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The longest fixed-length string attribute read (longer ones are an input error). */
#define BA_H5_MAX_ATTR_STRING (1 << 20)

/* Reads a scalar string attribute (variable or fixed length, any padding and character set)
   into a new string; anything else is an input error naming the file and attribute. */
static PetscErrorCode AttrReadStringAlloc(BaH5File *f, const char *obj, const char *name, hid_t attr, char **value)
{
  hid_t ftype = H5I_INVALID_HID, space = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  H5S_class_t sclass;
  H5T_class_t tclass;
  H5T_cset_t cset;
  htri_t var;
  size_t n;
  herr_t rc;

  PetscFunctionBegin;
  *value = NULL;
  BaCallH5(ftype = H5Aget_type(attr), f->path);
  BaCallH5(space = H5Aget_space(attr), f->path);
  tclass = H5Tget_class(ftype);
  sclass = H5Sget_simple_extent_type(space);
  var    = H5Tis_variable_str(ftype);
  cset   = H5Tget_cset(ftype);
  n      = H5Tget_size(ftype);
  H5Sclose(space);
  if (tclass != H5T_STRING || sclass != H5S_SCALAR || var < 0 || cset < 0 || (var == 0 && n > BA_H5_MAX_ATTR_STRING)) {
    H5Tclose(ftype);
    PetscCheck(tclass == H5T_STRING, f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not a string", f->path, name,
               obj);
    PetscCheck(sclass == H5S_SCALAR, f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not one string (an array?)",
               f->path, name, obj);
    SETERRQ(f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not a string this program reads (%zu bytes)", f->path,
            name, obj, n);
  }
  mtype = H5Tcopy(H5T_C_S1);
  H5Tset_cset(mtype, cset); /* HDF5 converts no character set into another */
  if (var > 0) {
    char *s = NULL;
    H5Tset_size(mtype, H5T_VARIABLE);
    rc = H5Aread(attr, mtype, &s);
    if (rc >= 0) PetscCall(PetscStrallocpy(s ? s : "", value));
    if (s) H5free_memory(s);
  } else {
    /* a fixed-length string of n bytes, read as n + 1 bytes ending in NUL */
    PetscCall(PetscCalloc1(n + 2, value));
    H5Tset_size(mtype, n + 1);
    H5Tset_strpad(mtype, H5T_STR_NULLTERM);
    rc              = H5Aread(attr, mtype, *value);
    (*value)[n + 1] = 0;
    if (rc < 0) PetscCall(PetscFree(*value));
  }
  H5Tclose(mtype);
  H5Tclose(ftype);
  PetscCheck(rc >= 0, f->comm, BA_ERR_INPUT, "%s: cannot read attribute %s of %s", f->path, name, obj);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrReadString(BaH5File *f, const char *obj, const char *name, char *value, size_t len)
{
  hid_t o, attr;
  char *s = NULL;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(AttrOpen(f, obj, name, &o, &attr));
  ierr = AttrReadStringAlloc(f, obj, name, attr, &s);
  H5Aclose(attr);
  H5Oclose(o);
  PetscCall(ierr);
  PetscCall(PetscStrncpy(value, s, len));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode AttrReadNumber(BaH5File *f, const char *obj, const char *name, hid_t memtype, void *value)
{
  hid_t o, attr, space;

  PetscFunctionBegin;
  PetscCall(AttrOpen(f, obj, name, &o, &attr));
  BaCallH5(space = H5Aget_space(attr), f->path);
  {
    const hssize_t npoints = H5Sget_simple_extent_npoints(space);
    hid_t type             = H5Aget_type(attr);
    const H5T_class_t cls  = H5Tget_class(type);
    H5Tclose(type);
    H5Sclose(space);
    if (npoints != 1 || (cls != H5T_INTEGER && cls != H5T_FLOAT)) {
      H5Aclose(attr);
      H5Oclose(o);
      PetscCheck(npoints == 1, f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not a scalar", f->path, name, obj);
      SETERRQ(f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not a number", f->path, name, obj);
    }
  }
  PetscCheck(H5Aread(attr, memtype, value) >= 0, f->comm, BA_ERR_INPUT, "%s: attribute %s of %s is not a number",
             f->path, name, obj);
  H5Aclose(attr);
  H5Oclose(o);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrReadDouble(BaH5File *f, const char *obj, const char *name, double *value)
{
  PetscFunctionBegin;
  PetscCall(AttrReadNumber(f, obj, name, H5T_NATIVE_DOUBLE, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5AttrReadInt(BaH5File *f, const char *obj, const char *name, PetscInt64 *value)
{
  int64_t v;

  PetscFunctionBegin;
  PetscCall(AttrReadNumber(f, obj, name, H5T_NATIVE_INT64, &v));
  *value = v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode OpenDataset(BaH5File *f, const char *name, hid_t *dset)
{
  PetscBool exists;

  PetscFunctionBegin;
  PetscCall(BaH5Exists(f, name, &exists));
  PetscCheck(exists, f->comm, BA_ERR_INPUT, "%s: missing dataset %s", f->path, name);
  BaCallH5(*dset = H5Dopen2(f->id, name, H5P_DEFAULT), f->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Every size read from a file is checked before use: each dimension must be a PetscInt
   (the code indexes channels, trials, samples, images with it) and the number of elements
   times 16 bytes must fit in a size_t (buffers of whole rows or datasets). */
static PetscErrorCode CheckDims(BaH5File *f, const char *name, int ndims, const hsize_t *dims)
{
  hsize_t total = 1;

  PetscFunctionBegin;
  for (int d = 0; d < ndims; d++) {
    PetscCheck(dims[d] <= (hsize_t)PETSC_MAX_INT, f->comm, BA_ERR_INPUT,
               "%s: dataset %s has %llu elements along dimension %d, more than this program indexes (%d)", f->path,
               name, (unsigned long long)dims[d], d + 1, (int)PETSC_MAX_INT);
    PetscCheck(dims[d] == 0 || total <= (hsize_t)(SIZE_MAX / 16) / dims[d], f->comm, BA_ERR_INPUT,
               "%s: dataset %s is larger than this program can hold in memory", f->path, name);
    total *= dims[d];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5DatasetShape(BaH5File *f, const char *name, int *ndims, hsize_t dims[3])
{
  hid_t dset, space;

  PetscFunctionBegin;
  PetscCall(OpenDataset(f, name, &dset));
  BaCallH5(space = H5Dget_space(dset), f->path);
  *ndims = H5Sget_simple_extent_ndims(space);
  if (*ndims < 0 || *ndims > 3) {
    H5Sclose(space);
    H5Dclose(dset);
    SETERRQ(f->comm, BA_ERR_INPUT, "%s: dataset %s has %d dimensions", f->path, name, *ndims);
  }
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  H5Dclose(dset);
  PetscCall(CheckDims(f, name, *ndims, dims));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5DatasetClass(BaH5File *f, const char *name, H5T_class_t *cls)
{
  hid_t dset = H5I_INVALID_HID, type;

  PetscFunctionBegin;
  PetscCall(OpenDataset(f, name, &dset));
  BaCallH5(type = H5Dget_type(dset), f->path);
  *cls = H5Tget_class(type);
  H5Tclose(type);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The most strings a string dataset may hold, and the most bytes of one fixed-length string
   (names of channels, patients, images and layers; more is an input error). */
#define BA_H5_MAX_STRINGS      (1 << 24)
#define BA_H5_MAX_STRING_BYTES (1 << 16)

PetscErrorCode BaH5ReadStrings(BaH5File *f, const char *name, PetscInt *n, char ***strings)
{
  hid_t dset, space, ftype, type;
  hsize_t dims[3];
  int ndims;
  H5T_cset_t cset;
  htri_t var;
  size_t sz;
  herr_t rc = 0;

  PetscFunctionBegin;
  *n       = 0;
  *strings = NULL;
  PetscCall(BaH5DatasetShape(f, name, &ndims, dims));
  PetscCheck(ndims == 1, f->comm, BA_ERR_INPUT, "%s: %s must be one-dimensional", f->path, name);
  PetscCheck(dims[0] <= BA_H5_MAX_STRINGS, f->comm, BA_ERR_INPUT, "%s: %s holds %llu strings, more than %d", f->path,
             name, (unsigned long long)dims[0], BA_H5_MAX_STRINGS);
  PetscCall(OpenDataset(f, name, &dset));
  BaCallH5(ftype = H5Dget_type(dset), f->path);
  var  = H5Tis_variable_str(ftype);
  cset = H5Tget_cset(ftype);
  sz   = H5Tget_size(ftype);
  if (H5Tget_class(ftype) != H5T_STRING || var < 0 || cset < 0 || (var == 0 && sz > BA_H5_MAX_STRING_BYTES)) {
    const H5T_class_t cls = H5Tget_class(ftype);
    H5Tclose(ftype);
    H5Dclose(dset);
    PetscCheck(cls == H5T_STRING, f->comm, BA_ERR_INPUT, "%s: %s must hold strings", f->path, name);
    SETERRQ(f->comm, BA_ERR_INPUT, "%s: %s holds strings of %zu bytes, more than %d", f->path, name, sz,
            BA_H5_MAX_STRING_BYTES);
  }
  type = H5Tcopy(H5T_C_S1);
  H5Tset_cset(type, cset); /* HDF5 converts no character set into another */
  *n = (PetscInt)dims[0];
  PetscCall(PetscCalloc1((size_t)*n + 1, strings));
  if (var > 0) {
    char **raw;
    H5Tset_size(type, H5T_VARIABLE);
    PetscCall(PetscCalloc1((size_t)*n + 1, &raw));
    BaCallH5(space = H5Dget_space(dset), f->path);
    if (*n) rc = H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw);
    for (PetscInt i = 0; i < *n && rc >= 0; i++)
      PetscCall(PetscStrallocpy(raw[i] ? raw[i] : "", &(*strings)[i]));
    if (*n && rc >= 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw);
    H5Sclose(space);
    PetscCall(PetscFree(raw));
  } else {
    /* fixed-length strings of sz bytes, read as sz + 1 bytes ending in NUL */
    char *buf;
    H5Tset_size(type, sz + 1);
    H5Tset_strpad(type, H5T_STR_NULLTERM);
    PetscCall(PetscCalloc1((size_t)*n * (sz + 1) + 1, &buf));
    if (*n) rc = H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    for (PetscInt i = 0; i < *n && rc >= 0; i++) {
      buf[(size_t)i * (sz + 1) + sz] = 0;
      PetscCall(PetscStrallocpy(buf + (size_t)i * (sz + 1), &(*strings)[i]));
    }
    PetscCall(PetscFree(buf));
  }
  H5Tclose(type);
  H5Tclose(ftype);
  H5Dclose(dset);
  if (rc < 0) PetscCall(BaStringsFree(*n, strings));
  PetscCheck(rc >= 0, f->comm, BA_ERR_INPUT, "%s: cannot read the strings of %s", f->path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5WriteStrings(BaH5File *f, const char *name, PetscInt n, char *const *strings)
{
  PetscMPIInt rank;
  DeferredStrings **head, *d;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  if (rank) PetscFunctionReturn(PETSC_SUCCESS);
  head = DeferredHead(f->id);
  PetscCheck(head, PETSC_COMM_SELF, PETSC_ERR_SUP, "too many files open for writing");
  d          = calloc(1, sizeof(*d));
  d->name    = strdup(name);
  d->n       = n;
  d->strings = calloc((size_t)n + 1, sizeof(char *));
  for (PetscInt i = 0; i < n; i++)
    d->strings[i] = strdup(strings[i] ? strings[i] : "");
  /* keep creation order */
  while (*head)
    head = &(*head)->next;
  *head = d;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5ReadAll(BaH5File *f, const char *name, hid_t memtype, hsize_t nelem, void *buf)
{
  hid_t dset, space;
  hsize_t npoints;

  PetscFunctionBegin;
  PetscCall(OpenDataset(f, name, &dset));
  BaCallH5(space = H5Dget_space(dset), f->path);
  npoints = (hsize_t)H5Sget_simple_extent_npoints(space);
  PetscCheck(npoints == nelem, f->comm, BA_ERR_INPUT, "%s: %s has %llu values, expected %llu", f->path, name,
             (unsigned long long)npoints, (unsigned long long)nelem);
  if (nelem)
    PetscCheck(H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0, f->comm, BA_ERR_INPUT,
               "%s: cannot read %s as numbers", f->path, name);
  H5Sclose(space);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5CreateGroups(BaH5File *f, const char *name)
{
  char buf[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, name, sizeof(buf)));
  for (char *s = strchr(buf + 1, '/');; s = strchr(s + 1, '/')) {
    if (s) *s = 0;
    if (H5Lexists(f->id, buf, H5P_DEFAULT) <= 0) {
      hid_t g;
      BaCallH5(g = H5Gcreate2(f->id, buf, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), f->path);
      H5Gclose(g);
    }
    if (!s) break;
    *s = '/';
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5CreateDataset(BaH5File *f, const char *name, hid_t filetype, int ndims, const hsize_t *dims)
{
  hid_t space, dset, dcpl;
  char parent[PETSC_MAX_PATH_LEN], *s;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(parent, name, sizeof(parent)));
  s = strrchr(parent, '/');
  if (s && s != parent) {
    *s = 0;
    PetscCall(BaH5CreateGroups(f, parent));
  }
  BaCallH5(space = H5Screate_simple(ndims, dims, NULL), f->path);
  BaCallH5(dcpl = H5Pcreate(H5P_DATASET_CREATE), f->path);
  /* contiguous and allocated up front: parallel writes need no metadata changes later */
  BaCallH5(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), f->path);
  BaCallH5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), f->path);
  BaCallH5(dset = H5Dcreate2(f->id, name, filetype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), f->path);
  H5Pclose(dcpl);
  H5Dclose(dset);
  H5Sclose(space);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Selects rows [lo, hi) of a dataset's file space and returns the matching memory space. */
static PetscErrorCode SelectRows(BaH5File *f, hid_t dset, hsize_t lo, hsize_t hi, hid_t *fspace, hid_t *mspace)
{
  hsize_t dims[3], start[3] = {0, 0, 0}, count[3];
  int nd;

  PetscFunctionBegin;
  BaCallH5(*fspace = H5Dget_space(dset), f->path);
  nd = H5Sget_simple_extent_ndims(*fspace);
  if (nd < 1 || nd > 3) {
    H5Sclose(*fspace);
    SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "%s: a dataset of %d dimensions where rows are read", f->path, nd);
  }
  H5Sget_simple_extent_dims(*fspace, dims, NULL);
  for (int d = 0; d < nd; d++)
    if (dims[d] > (hsize_t)PETSC_MAX_INT) {
      H5Sclose(*fspace);
      SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "%s: a dataset of %llu elements along dimension %d, more than %d", f->path,
              (unsigned long long)dims[d], d + 1, (int)PETSC_MAX_INT);
    }
  PetscCheck(lo <= hi && (lo == hi || hi <= dims[0]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: rows [%llu, %llu) outside a dataset of %llu rows", f->path, (unsigned long long)lo,
             (unsigned long long)hi, (unsigned long long)dims[0]);
  for (int d = 0; d < nd; d++)
    count[d] = dims[d];
  start[0] = lo;
  count[0] = hi - lo;
  if (hi > lo) {
    BaCallH5(H5Sselect_hyperslab(*fspace, H5S_SELECT_SET, start, NULL, count, NULL), f->path);
    BaCallH5(*mspace = H5Screate_simple(nd, count, NULL), f->path);
  } else {
    BaCallH5(H5Sselect_none(*fspace), f->path);
    BaCallH5(*mspace = H5Screate_simple(nd, dims, NULL), f->path);
    BaCallH5(H5Sselect_none(*mspace), f->path);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Do the row ranges of the ranks overlap? Open MPI 4.1's default MPI-IO (OMPIO) returns
   wrong data for collective reads where one rank's range lies inside another's (seen with
   [0, 12) and [3, 4) on two ranks), which a monopolar re-reference produces at rank
   boundaries. Overlapping reads are therefore done independently: each rank's range is one
   contiguous extent, so collective buffering would gain little there anyway. */
static PetscErrorCode RangesOverlap(MPI_Comm comm, hsize_t lo, hsize_t hi, PetscBool *overlap)
{
  PetscMPIInt size;
  unsigned long long mine[2] = {lo, hi}, *all;

  PetscFunctionBegin;
  *overlap = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscMalloc1(2 * (size_t)size, &all));
  PetscCallMPI(MPI_Allgather(mine, 2, MPI_UNSIGNED_LONG_LONG, all, 2, MPI_UNSIGNED_LONG_LONG, comm));
  for (PetscMPIInt i = 0; i < size && !*overlap; i++)
    for (PetscMPIInt j = i + 1; j < size && !*overlap; j++)
      if (all[2 * i] < all[2 * i + 1] && all[2 * j] < all[2 * j + 1] && all[2 * i] < all[2 * j + 1] &&
          all[2 * j] < all[2 * i + 1])
        *overlap = PETSC_TRUE;
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Writes are collective for HDF5 but individual MPI-IO calls underneath
   (H5FD_MPIO_INDIVIDUAL_IO): Open MPI 4.1's OMPIO loses the errors of collective writes
   (its vulcan and dynamic fcoll components return success from a write_all whose writes
   failed: a full disk on 3 ranks gave a committed file with holes and exit 0; two_phase
   hung), while each rank's rows are one contiguous extent, so collective buffering gains
   little. Independent H5Dwrite would report the error too, but leaves HDF5's state of the
   file different between the ranks (only the writers' end of file moves), and the
   collective close of an abandoned file then hung. */
static PetscErrorCode TransferRows(BaH5File *f, const char *name, hid_t memtype, hsize_t lo, hsize_t hi, void *buf,
                                   PetscBool write)
{
  hid_t dset, fspace, mspace, dxpl;
  PetscBool overlap = PETSC_FALSE;
  herr_t rc         = 0;

  PetscFunctionBegin;
  if (!write) PetscCall(RangesOverlap(f->comm, lo, hi, &overlap));
  PetscCall(OpenDataset(f, name, &dset));
  PetscCall(SelectRows(f, dset, lo, hi, &fspace, &mspace));
  BaCallH5(dxpl = H5Pcreate(H5P_DATASET_XFER), f->path);
  BaCallH5(H5Pset_dxpl_mpio(dxpl, overlap ? H5FD_MPIO_INDEPENDENT : H5FD_MPIO_COLLECTIVE), f->path);
  if (write) BaCallH5(H5Pset_dxpl_mpio_collective_opt(dxpl, H5FD_MPIO_INDIVIDUAL_IO), f->path);
  if (H5Sget_simple_extent_npoints(fspace) == 0) /* an empty dataset (a ROI with no responsive
                                                    channel): nothing to move, on every rank */
    rc = 0;
  else if (write)
    rc = H5Dwrite(dset, memtype, mspace, fspace, dxpl, buf);
  else if (!overlap || hi > lo)
    rc = H5Dread(dset, memtype, mspace, fspace, dxpl, buf);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  /* a failed write (a full disk) or read (a truncated file) may be one rank's alone: every
     rank raises it before the next collective, printed once */
  PetscCall(CommAgreeErrorf(f->comm, (PetscBool)(rc < 0), "%s: cannot %s %s (%s)", f->path, write ? "write" : "read",
                            name, write ? "is the disk full?" : "is the file truncated or corrupt?"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5ReadRows(BaH5File *f, const char *name, hid_t memtype, hsize_t lo, hsize_t hi, void *buf)
{
  PetscFunctionBegin;
  PetscCall(TransferRows(f, name, memtype, lo, hi, buf, PETSC_FALSE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5ReadRowsIndependent(BaH5File *f, const char *name, hid_t memtype, hsize_t lo, hsize_t hi, void *buf,
                                       char *err, size_t errlen)
{
  hid_t dset, fspace, mspace;

  PetscFunctionBegin;
  err[0] = 0;
  if (hi == lo) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OpenDataset(f, name, &dset));
  PetscCall(SelectRows(f, dset, lo, hi, &fspace, &mspace));
  if (H5Dread(dset, memtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
    snprintf(err, errlen, "%s: cannot read rows %llu to %llu of %s (is the file truncated or corrupt?)", f->path,
             (unsigned long long)lo, (unsigned long long)hi - 1, name);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5WriteRows(BaH5File *f, const char *name, hid_t memtype, hsize_t lo, hsize_t hi, const void *buf)
{
  PetscFunctionBegin;
  PetscCall(TransferRows(f, name, memtype, lo, hi, (void *)buf, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5WriteAll(BaH5File *f, const char *name, hid_t memtype, const void *buf)
{
  hid_t dset, space;
  hsize_t dims[3];
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(f->comm, &rank));
  PetscCall(OpenDataset(f, name, &dset));
  BaCallH5(space = H5Dget_space(dset), f->path);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  H5Dclose(dset);
  PetscCall(TransferRows(f, name, memtype, 0, rank ? 0 : dims[0], (void *)buf, PETSC_TRUE));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5WriteNew(BaH5File *f, const char *name, hid_t filetype, int ndims, const hsize_t *dims,
                            hid_t memtype, const void *buf)
{
  PetscFunctionBegin;
  PetscCall(BaH5CreateDataset(f, name, filetype, ndims, dims));
  PetscCall(BaH5WriteAll(f, name, memtype, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  PetscInt n, cap;
  char **names;
} NameList;

static herr_t CollectName(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
  NameList *l = (NameList *)data;

  (void)g;
  (void)info;
  if (l->n == l->cap) {
    l->cap   = l->cap ? 2 * l->cap : 64;
    l->names = realloc(l->names, (size_t)l->cap * sizeof(char *));
  }
  l->names[l->n++] = strdup(name);
  return 0;
}

PetscErrorCode BaH5ListGroup(BaH5File *f, const char *group, PetscInt *n, char ***names)
{
  NameList l = {0, 0, NULL};
  hid_t g;
  hsize_t idx = 0;

  PetscFunctionBegin;
  PetscCall(OpenObject(f, group, &g));
  BaCallH5(H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, CollectName, &l), f->path);
  H5Oclose(g);
  *n = l.n;
  PetscCall(PetscCalloc1(l.n + 1, names));
  for (PetscInt i = 0; i < l.n; i++) {
    PetscCall(PetscStrallocpy(l.names[i], &(*names)[i]));
    free(l.names[i]);
  }
  free(l.names);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode BaH5WriteProvenance(BaH5File *f, const BaContext *ctx)
{
  char *options;

  PetscFunctionBegin;
  PetscCall(ContextOptionsText(&options));
  PetscCall(BaH5AttrWriteString(f, "/", "bandalign_version", BA_VERSION));
  PetscCall(BaH5AttrWriteString(f, "/", "options", options));
  PetscCall(BaH5AttrWriteInt(f, "/", "ranks", ctx->size));
  PetscCall(BaH5AttrWriteInt(f, "/", "seed", ctx->seed));
  PetscCall(BaH5AttrWriteString(f, "/", "protocol", BaProtocolNames[ctx->protocol]));
  PetscCall(BaH5AttrWriteString(f, "/", "stage", ctx->stage));
  PetscCall(PetscFree(options));
  PetscFunctionReturn(PETSC_SUCCESS);
}
