/* tsv.c: the BIDS sidecar tables, and the whole-file read and trim the import readers share.
 *
 * A table is read into memory at once (sidecars are small) and split in place: lines on
 * LF (a CR before it is trimmed), fields on TAB, every cell trimmed of blanks. Blank lines
 * are skipped. A line's trailing blanks, tabs included, are cut before its fields are
 * counted, so trailing empty fields of a row are lost (and the row is then short). No
 * quoting or escaping (BIDS TSV has none); "n/a" is an ordinary cell, left to the caller.
 * A UTF-8 byte-order mark at the start of any text file is dropped when it is read (mne-bids
 * up to 0.18 writes every TSV with one, Windows editors add them to JSON and .vhdr files). */
#include <errno.h>
#include <sys/stat.h>
#include <bandalign/context.h>
#include <bandalign/tsv.h>

char *TextTrim(char *s)
{
  char *e;

  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
    *--e = 0;
  return s;
}

PetscErrorCode TextRead(MPI_Comm comm, const char *path, char **text)
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
  if (n >= 3 && !memcmp(*text, "\xef\xbb\xbf", 3)) memmove(*text, *text + 3, (size_t)n - 2);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscBool TextFileExists(const char *path)
{
  struct stat st;
  return (PetscBool)(stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

PetscErrorCode TsvRead(MPI_Comm comm, const char *path, Tsv *t)
{
  PetscInt nlines = 0, r = 0;
  char *line, *save      = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(t, sizeof(*t)));
  PetscCall(PetscStrncpy(t->path, path, sizeof(t->path)));
  PetscCheck(TextFileExists(path), comm, BA_ERR_INPUT, "%s: missing", path);
  PetscCall(TextRead(comm, path, &t->text));
  for (const char *s = t->text; *s; s++)
    nlines += *s == '\n';
  nlines++;
  for (line = strtok_r(t->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    PetscInt nf = 1;
    char *p;

    if (!TextTrim(line)[0]) continue;
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
      t->cell[r * t->ncols + c] = TextTrim(p);
      p                         = tab ? tab + 1 : p + strlen(p);
    }
    r++;
  }
  PetscCheck(r > 0, comm, BA_ERR_INPUT, "%s: empty (no header line)", path);
  t->nrows = r - 1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscInt TsvColumn(const Tsv *t, const char *name)
{
  for (PetscInt c = 0; c < t->ncols; c++)
    if (!strcmp(t->cell[c], name)) return c;
  return -1;
}

PetscErrorCode TsvRequire(MPI_Comm comm, const Tsv *t, const char *name, PetscInt *col)
{
  PetscFunctionBegin;
  *col = TsvColumn(t, name);
  PetscCheck(*col >= 0, comm, BA_ERR_INPUT, "%s: no column '%s'", t->path, name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

const char *TsvCell(const Tsv *t, PetscInt row, PetscInt col)
{
  return t->cell[(row + 1) * t->ncols + col];
}

PetscErrorCode TsvFree(Tsv *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->text));
  PetscCall(PetscFree(t->cell));
  PetscFunctionReturn(PETSC_SUCCESS);
}
