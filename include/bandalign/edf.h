/* edf.h: EDF, EDF+, BDF and BDF+ recordings, read through EDFlib. */
#ifndef BANDALIGN_EDF_H
#define BANDALIGN_EDF_H

#include <bandalign/signals.h>

/* Fills sig from the header of the EDF/BDF file path: every signal's label (trimmed), rate
   (samples per data record over the record duration), length and the scale of its physical
   unit to microvolts (SignalUnitToMicrovolts). A file EDFlib refuses (missing, bad header,
   discontinuous EDF+D/BDF+D, ...) is an input error "path: why". Not collective (comm is
   where the error is raised). Free with SignalTableFree. */
PetscErrorCode EdfHeaderRead(MPI_Comm comm, const char *path, SignalTable *sig);

/* Reads whole signals idx[0 .. n) of path, as EdfHeaderRead described them in sig, into
   x[k] (length sig->nsamples[idx[k]]) as physical values times sig->scale, i.e. in
   microvolts. A failure is not raised but returned as a message in err (empty on success),
   so that the ranks can agree on it (CommAgreeError); not collective. */
PetscErrorCode EdfSignalsRead(const char *path, const SignalTable *sig, PetscInt n, const PetscInt *idx, double **x,
                              char *err, size_t errlen);

#endif
