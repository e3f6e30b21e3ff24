/* tsv.h: the BIDS sidecar tables (channels.tsv, electrodes.tsv, events.tsv) and the small
   text-file helpers the import readers share. */
#ifndef BANDALIGN_TSV_H
#define BANDALIGN_TSV_H

#include <bandalign/bandalign.h>

/* A tab-separated table read whole: row 0 is the header, cells are trimmed strings. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  char *text;
  PetscInt ncols, nrows; /* nrows excludes the header */
  char **cell;           /* [(nrows + 1) * ncols] pointers into text */
} Tsv;

/* Reads path into t. Blank lines are skipped; every other line must have as many fields as
   the header. A missing or empty file or a ragged row is an input error naming the file.
   Not collective (comm is where the error is raised). Free with TsvFree. */
PetscErrorCode TsvRead(MPI_Comm comm, const char *path, Tsv *t);

/* The column whose header is name, or -1. */
PetscInt TsvColumn(const Tsv *t, const char *name);

/* The column whose header is name in *col; an input error ("no column 'name'") otherwise. */
PetscErrorCode TsvRequire(MPI_Comm comm, const Tsv *t, const char *name, PetscInt *col);

/* The cell of data row row (0 = the first line after the header) and column col. */
const char *TsvCell(const Tsv *t, PetscInt row, PetscInt col);

PetscErrorCode TsvFree(Tsv *t);

/* The whole of the file path, NUL-terminated, in *text (PetscFree it), without the UTF-8
   byte-order mark it may start with; an input error naming the file when it cannot be
   read. Not collective. */
PetscErrorCode TextRead(MPI_Comm comm, const char *path, char **text);

/* s without leading and trailing blanks (space, tab, CR, LF): trailing ones are cut in place. */
char *TextTrim(char *s);

/* Is path a regular file? */
PetscBool TextFileExists(const char *path);

#endif
