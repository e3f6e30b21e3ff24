/* folder.c: sorted folder listings, shared by the BIDS and the study-file importers. */
#include <bandalign/folder.h>
#include <dirent.h>
#include <sys/stat.h>

int FolderCompareNames(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

PetscErrorCode FolderList(const char *dir, PetscBool dirs, const char *suffix, PetscInt *n, char ***names,
                          PetscBool *opened)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  struct stat st;
  PetscInt cap = 16;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  *n = 0;
  if (opened) *opened = (PetscBool)(d != NULL);
  PetscCall(PetscMalloc1(cap, names));
  if (!d) PetscFunctionReturn(PETSC_SUCCESS);
  while ((e = readdir(d))) {
    const size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.') continue;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, e->d_name));
    if (stat(path, &st) || (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) continue;
    if (suffix && (len <= strlen(suffix) || strcmp(e->d_name + len - strlen(suffix), suffix))) continue;
    if (*n == cap) {
      char **more;
      PetscCall(PetscMalloc1(2 * cap, &more));
      PetscCall(PetscArraycpy(more, *names, cap));
      PetscCall(PetscFree(*names));
      *names = more;
      cap *= 2;
    }
    PetscCall(PetscStrallocpy(e->d_name, &(*names)[(*n)++]));
  }
  closedir(d);
  qsort(*names, (size_t)*n, sizeof(char *), FolderCompareNames);
  PetscFunctionReturn(PETSC_SUCCESS);
}
