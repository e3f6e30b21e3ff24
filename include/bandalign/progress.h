/* progress.h: percent done and time left of a long stage, printed by rank 0. */
#ifndef BANDALIGN_PROGRESS_H
#define BANDALIGN_PROGRESS_H

#include <bandalign/bandalign.h>

typedef struct {
  char what[64];     /* what is being counted, e.g. "features: channels" */
  double total;      /* units of work in all */
  double t_start;    /* wall time at ProgressBegin */
  double t_last;     /* wall time of the last line printed */
  PetscBool active;  /* rank 0 and not quiet */
  PetscBool printed; /* a progress line was printed */
} Progress;

/* Starts counting total units on this rank; prints only on rank 0 of comm unless quiet.
   Not collective beyond reading the rank. */
void ProgressBegin(Progress *p, MPI_Comm comm, const char *what, double total, PetscBool quiet);

/* Reports done units; prints at most every two seconds: "what: 42% (n/N), 1m30s left". */
void ProgressUpdate(Progress *p, double done);

/* Prints the final line with the elapsed time, if progress was shown at all. */
void ProgressEnd(Progress *p);

#endif
