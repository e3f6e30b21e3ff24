/* signals.h: the table of signals a recording reader (edf.h, brainvision.h) fills from a
   file's header: what import-bids needs to pick channels and cut epochs. */
#ifndef BANDALIGN_SIGNALS_H
#define BANDALIGN_SIGNALS_H

#include <bandalign/bandalign.h>

typedef struct {
  PetscInt nsignals;
  char **label;         /* [nsignals] trimmed names (NULL where the header names none) */
  double *fs;           /* [nsignals] Hz */
  PetscInt64 *nsamples; /* [nsignals] in the file */
  double *scale;        /* [nsignals] from the reader's values to microvolts */
} SignalTable;

/* Room for n signals, zeroed (labels NULL). */
PetscErrorCode SignalTableAlloc(SignalTable *t, PetscInt n);

/* Frees the labels and the arrays. */
PetscErrorCode SignalTableFree(SignalTable *t);

/* Multiplier from a unit name ("V", "mV", "uV", "nV", blanks around ignored) to microvolts:
   1e6 for V, 1e3 for mV, 1e-3 for nV, and 1 for microvolts and for any unit it does not
   know (so such samples stay as the file has them). Only the first 31 bytes are looked at. */
double SignalUnitToMicrovolts(const char *unit);

#endif
