/* comm.h: the four MPI patterns the stages share, written once.
 *
 * - CommEvenSplit: rank r's share of n items in order, [n r / size, n (r + 1) / size).
 * - CommAgreeError: an error only some ranks met (a bad value in rows only one rank reads, a
 *   write that failed on one rank) is agreed on before the next collective, so every rank
 *   raises it and it is printed once; a rank that raised alone would leave the others
 *   waiting in that collective.
 * - CommRounds / CommAny: lockstep rounds: every rank runs as many rounds as the busiest
 *   (collective writes inside a round need every rank), and a loop runs while any rank
 *   has work.
 * - CommGatherAll: every rank's values, in rank order, on every rank (the p-values and counts
 *   that a global correction needs).
 * - CommTimes: the timing line's slowest, fastest and mean rank. */
#ifndef BANDALIGN_COMM_H
#define BANDALIGN_COMM_H

#include <bandalign/bandalign.h>

/* Longest message CommAgreeError carries (longer ones are cut). */
#define BA_COMM_ERR_LEN (PETSC_MAX_PATH_LEN + 256)

/* [lo, hi): rank's share of n items split evenly in order; products in 64 bits. */
void CommEvenSplit(PetscInt n, PetscMPIInt rank, PetscMPIInt size, PetscInt *lo, PetscInt *hi);

/* Every rank passes its own outcome: err NULL or "" if all went well here, else what went
   wrong. If any rank failed, every rank raises BA_ERR_INPUT on comm with the message of the
   lowest failing rank (printed once, by rank 0 of comm). Collective. */
PetscErrorCode CommAgreeError(MPI_Comm comm, const char *err);

/* As CommAgreeError, with the message formatted on the failing rank; failed is this rank's
   outcome. */
PetscErrorCode CommAgreeErrorf(MPI_Comm comm, PetscBool failed, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(3, 4);

/* rounds = the largest mine over the ranks. Collective. */
PetscErrorCode CommRounds(MPI_Comm comm, PetscInt mine, PetscInt *rounds);

/* any = whether mine is true on some rank. Collective. */
PetscErrorCode CommAny(MPI_Comm comm, PetscBool mine, PetscBool *any);

/* Gathers nlocal elements of type dt from every rank, in rank order, into *all (PetscMalloc'd
   with one spare element, so never NULL; free with PetscFree) on every rank; *nglobal is
   the total. Collective. */
PetscErrorCode CommGatherAll(MPI_Comm comm, MPI_Datatype dt, PetscInt nlocal, const void *local, PetscInt *nglobal,
                             void *all);

/* Slowest, fastest and mean over the ranks of seconds. Collective. */
PetscErrorCode CommTimes(MPI_Comm comm, double seconds, double *slowest, double *fastest, double *mean);

#endif
