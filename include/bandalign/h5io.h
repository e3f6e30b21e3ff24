/* h5io.h: the only gate to HDF5: parallel files, attributes, strings, row hyperslabs. */
#ifndef BANDALIGN_H5IO_H
#define BANDALIGN_H5IO_H

#include <bandalign/bandalign.h>
#include <hdf5.h>

/* Turns a negative HDF5 return into a PETSc error naming the call and the file. Evaluates
   call once; use as BaCallH5(id = H5Dopen2(...), path). */
#define BaCallH5(call, path)                                                                                           \
  do {                                                                                                                 \
    if ((call) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: HDF5 call failed: %s", (path), #call);    \
  } while (0)

/* An open HDF5 file and what it takes to finish or abandon it. */
typedef struct {
  MPI_Comm comm;                    /* every rank that opened it */
  hid_t id;                         /* HDF5 file id, or H5I_INVALID_HID */
  char path[PETSC_MAX_PATH_LEN];    /* the name users see */
  char tmppath[PETSC_MAX_PATH_LEN]; /* where it is written until BaH5FileCommit */
  PetscBool writing;
} BaH5File;

/* Opens path read-only on every rank of comm with the MPI-IO driver. A missing or unreadable
   file is an input error "path: cannot open (...)". Checks the root attribute format
   against expect_format and version 1 (expect_format NULL: no check, for files in another
   program's layout). Collective. */
PetscErrorCode BaH5FileOpen(MPI_Comm comm, const char *path, const char *expect_format, BaH5File *f);

/* Creates path under a temporary name (path.partial) on every rank, writes the root
   attributes format and version (format NULL: none, for another program's layout).
   Collective. */
PetscErrorCode BaH5FileCreate(MPI_Comm comm, const char *path, const char *format, BaH5File *f);

/* Closes the file; a file being written is renamed to its final name. Collective. */
PetscErrorCode BaH5FileCommit(BaH5File *f);

/* Closes the file if open and removes a partial output. Safe to call twice and on error
   paths; never fails. Collective where the file is open. */
void BaH5FileAbandon(BaH5File *f);

/* Removes the partial outputs of every file still being written (error path of main; does
   not close them, as other ranks may be gone); also tells make check-sanitize's
   LeakSanitizer that the run failed (sanitize.h). Not collective. */
void BaH5AbandonAll(void);

/* Does the object (group or dataset) exist? */
PetscErrorCode BaH5Exists(BaH5File *f, const char *name, PetscBool *exists);

/* Root or object attributes. obj is a path ("/" for the root). Reading a missing
   attribute is an input error naming the file and attribute. */
PetscErrorCode BaH5AttrWriteString(BaH5File *f, const char *obj, const char *name, const char *value);
PetscErrorCode BaH5AttrWriteDouble(BaH5File *f, const char *obj, const char *name, double value);
PetscErrorCode BaH5AttrWriteInt(BaH5File *f, const char *obj, const char *name, PetscInt64 value);
PetscErrorCode BaH5AttrReadString(BaH5File *f, const char *obj, const char *name, char *value, size_t len);
/* Whether object obj (which must exist) has attribute name. */
PetscErrorCode BaH5AttrExists(BaH5File *f, const char *obj, const char *name, PetscBool *exists);
PetscErrorCode BaH5AttrReadDouble(BaH5File *f, const char *obj, const char *name, double *value);
PetscErrorCode BaH5AttrReadInt(BaH5File *f, const char *obj, const char *name, PetscInt64 *value);

/* Shape of a dataset: rank and dims (up to 3). Missing dataset = input error. */
PetscErrorCode BaH5DatasetShape(BaH5File *f, const char *name, int *ndims, hsize_t dims[3]);

/* Class of a dataset's stored type (H5T_INTEGER, H5T_FLOAT, H5T_STRING, ...). Missing
   dataset = input error. */
PetscErrorCode BaH5DatasetClass(BaH5File *f, const char *name, H5T_class_t *cls);

/* Variable-length UTF-8 string datasets [n]. Read returns n strings; free with
   BaStringsFree. Every rank reads the whole (small) dataset. Collective. */
PetscErrorCode BaH5ReadStrings(BaH5File *f, const char *name, PetscInt *n, char ***strings);
PetscErrorCode BaH5WriteStrings(BaH5File *f, const char *name, PetscInt n, char *const *strings);

/* Whole small datasets read by every rank (memtype e.g. H5T_NATIVE_INT). The caller gives
   the expected number of elements; a different size is an input error. Collective. */
PetscErrorCode BaH5ReadAll(BaH5File *f, const char *name, hid_t memtype, hsize_t nelem, void *buf);

/* Creates a dataset of filetype with dims (ndims <= 3); writes the whole dataset from rank
   0's buffer (other ranks pass anything). Collective. */
PetscErrorCode BaH5CreateDataset(BaH5File *f, const char *name, hid_t filetype, int ndims, const hsize_t *dims);
PetscErrorCode BaH5WriteAll(BaH5File *f, const char *name, hid_t memtype, const void *buf);

/* BaH5CreateDataset followed by BaH5WriteAll: a new dataset holding rank 0's buf. */
PetscErrorCode BaH5WriteNew(BaH5File *f, const char *name, hid_t filetype, int ndims, const hsize_t *dims,
                            hid_t memtype, const void *buf);

/* Collective hyperslab I/O of rows [row_lo, row_hi) along the first dimension; each rank
   passes its own range (possibly empty). buf holds (row_hi - row_lo) * rowsize elements. */
PetscErrorCode BaH5ReadRows(BaH5File *f, const char *name, hid_t memtype, hsize_t row_lo, hsize_t row_hi, void *buf);
PetscErrorCode BaH5WriteRows(BaH5File *f, const char *name, hid_t memtype, hsize_t row_lo, hsize_t row_hi,
                             const void *buf);

/* Reads rows [lo, hi) on the calling rank alone (independent I/O; nothing when empty).
   For ranks that read different datasets at the same time. A read that fails (a corrupt
   or truncated file) is not raised, since the other ranks are elsewhere: its message goes
   to err ("" when all went well), for the caller's CommAgreeError. */
PetscErrorCode BaH5ReadRowsIndependent(BaH5File *f, const char *name, hid_t memtype, hsize_t lo, hsize_t hi, void *buf,
                                       char *err, size_t errlen);

/* Creates the groups on the way to name ("/a/b/c" creates /a and /a/b). Collective. */
PetscErrorCode BaH5CreateGroups(BaH5File *f, const char *name);

/* Names of the members of a group, in name order. Free with BaStringsFree. */
PetscErrorCode BaH5ListGroup(BaH5File *f, const char *group, PetscInt *n, char ***names);

#include <bandalign/context.h>
/* Records what produced a file as root attributes: bandalign_version, options (the whole
   options database), ranks, seed, protocol, stage. Collective. */
PetscErrorCode BaH5WriteProvenance(BaH5File *f, const BaContext *ctx);
#endif
