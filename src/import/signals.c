/* signals.c: the signal table of a recording file (signals.h), shared by the EDF/BDF and
 * BrainVision readers, and the unit names they scale to microvolts. Only volts and their
 * m/u/n multiples are recognised; anything else is left unscaled. */
#include <bandalign/signals.h>
#include <bandalign/tsv.h>

PetscErrorCode SignalTableAlloc(SignalTable *t, PetscInt n)
{
  PetscFunctionBegin;
  t->nsignals = n;
  PetscCall(PetscCalloc4(n, &t->label, n, &t->fs, n, &t->nsamples, n, &t->scale));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SignalTableFree(SignalTable *t)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < t->nsignals; k++)
    PetscCall(PetscFree(t->label[k]));
  PetscCall(PetscFree4(t->label, t->fs, t->nsamples, t->scale));
  t->nsignals = 0; /* safe to free twice */
  PetscFunctionReturn(PETSC_SUCCESS);
}

double SignalUnitToMicrovolts(const char *unit)
{
  char u[32];
  size_t n;

  snprintf(u, sizeof(u), "%s", unit);
  n = strlen(TextTrim(u));
  if (!strcmp(TextTrim(u), "V")) return 1e6;
  if (n == 2 && TextTrim(u)[1] == 'V' && TextTrim(u)[0] == 'm') return 1e3;
  if (n == 2 && TextTrim(u)[1] == 'V' && TextTrim(u)[0] == 'n') return 1e-3;
  return 1;
}
