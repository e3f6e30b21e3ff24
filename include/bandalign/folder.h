/* folder.h: listing the entries of a folder, for the importers. */
#ifndef BANDALIGN_FOLDER_H
#define BANDALIGN_FOLDER_H

#include <bandalign/bandalign.h>

/* Sorted names of the entries of dir (without hidden ones) that are folders (dirs) or
   regular files, and, if suffix is not NULL, end in suffix. A folder that cannot be opened
   gives an empty list and *opened = false (opened may be NULL). Free with BaStringsFree.
   Not collective. */
PetscErrorCode FolderList(const char *dir, PetscBool dirs, const char *suffix, PetscInt *n, char ***names,
                          PetscBool *opened);

/* Comparison of two char * for qsort and bsearch. */
int FolderCompareNames(const void *a, const void *b);

#endif
