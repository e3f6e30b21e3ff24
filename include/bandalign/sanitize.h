/* sanitize.h: what make check-sanitize's LeakSanitizer checks (tests/sanitize/README.md).
 *
 * Leaks are checked at the exit of every run that succeeded. A run that stops on an error
 * returns through PetscCall at once (PETSc's error convention), so what the failing stage
 * held is released by the process exit, not freed: the leak check is turned off for such a
 * run (BaH5AbandonAll, on main's error path, calls SanitizeRunFailed). AddressSanitizer's
 * and UBSan's checks stay on; BA_LEAKS_ON_ERROR=1 in the environment keeps the leak check
 * on for failed runs too. */
#ifndef BANDALIGN_SANITIZE_H
#define BANDALIGN_SANITIZE_H

/* Marks the run as failed: LeakSanitizer skips its check at exit. */
void SanitizeRunFailed(void);

#endif
