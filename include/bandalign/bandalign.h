/* bandalign.h: the one include every module starts with; fixes include order and shared types. */
#ifndef BANDALIGN_BANDALIGN_H
#define BANDALIGN_BANDALIGN_H

/* FFTW must come before any PETSc header: PETSc pulls in complex.h. */
#include <fftw3.h>
#include <petscsys.h>
#include <stdint.h>

/* PETSc 3.18 predates PETSC_SUCCESS */
#ifndef PETSC_SUCCESS
#define PETSC_SUCCESS 0
#endif

#ifndef BA_VERSION
#define BA_VERSION "unknown"
#endif

/* Which analysis is run: the corrected one of methods.md or the study's own code (section 7). */
typedef enum { BA_PROTOCOL_CANONICAL, BA_PROTOCOL_KUZOVKIN2018 } BaProtocol;

/* Names for option parsing and file attributes, indexed by BaProtocol. */
extern const char *const BaProtocolNames[];

/* FNV-1a, 64 bits: h = BaHash64(h, data, n) folds n bytes into h (start from
   BA_HASH64_INIT). For recognising inputs again (checkpoints), not for security. */
#define BA_HASH64_INIT 0xcbf29ce484222325ULL
static inline uint64_t BaHash64(uint64_t h, const void *data, size_t n)
{
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

/* Frees n PetscMalloc'd strings and their array (which may be NULL) and clears the handle. */
static inline PetscErrorCode BaStringsFree(PetscInt n, char ***strings)
{
  PetscFunctionBegin;
  if (!*strings) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt i = 0; i < n; i++)
    PetscCall(PetscFree((*strings)[i]));
  PetscCall(PetscFree(*strings));
  PetscFunctionReturn(PETSC_SUCCESS);
}

#endif
