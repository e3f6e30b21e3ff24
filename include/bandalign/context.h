/* context.h: what every stage shares: the common options, the error convention, provenance. */
#ifndef BANDALIGN_CONTEXT_H
#define BANDALIGN_CONTEXT_H

#include <bandalign/bandalign.h>

/* Options every stage knows (interface.md). */
typedef struct {
  MPI_Comm comm;                /* the communicator the stage runs on */
  PetscMPIInt rank, size;       /* this rank and the number of ranks */
  char stage[32];               /* the stage name, first argument of the command */
  char out[PETSC_MAX_PATH_LEN]; /* output file or folder of the stage */
  PetscInt64 seed;              /* seed of every random stream */
  BaProtocol protocol;          /* canonical or kuzovkin2018 */
  PetscBool quiet;              /* no progress or summary on stderr/stdout */
} BaContext;

/* Records the stage name given on the command line (main does this once). */
void ContextSetStage(const char *stage);

/* Reads the common options into ctx inside the caller's PetscOptionsBegin block.
   out_default may be NULL (then -out is required by the stage). Collective. */
PetscErrorCode ContextSetFromOptions(PetscOptionItems *PetscOptionsObject, BaContext *ctx, const char *out_help,
                                     const char *out_default);

/* Reads option name as one of choices[] (NULL terminated) with a default; an unknown value
   is a user-input error naming the option and the accepted values. Call inside
   PetscOptionsBegin. */
PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int def, int *value);

/* Requires a non-empty string option; error "-name: option is required" otherwise. */
PetscErrorCode OptionsRequire(MPI_Comm comm, const char *name, const char *value);

/* Returns the options database as one line of text (caller frees with PetscFree). */
PetscErrorCode ContextOptionsText(char **text);

/* Installs the error handler that prints user errors as the one line of interface.md:
   "bandalign: error: <file or option>: <what is wrong>". */
PetscErrorCode ContextPushErrorHandler(void);

/* Error class for bad input (files, options). Raised with the comm on which every rank
   agrees, so exactly one line is printed. */
#define BA_ERR_INPUT PETSC_ERR_USER_INPUT

/* Stop requests by signal (SIGUSR1, SIGTERM: what Slurm sends before a time limit or on
   preemption): ContextCatchStopSignals replaces PETSc's handlers for those two with one that
   only records the request; a stage that can checkpoint polls ContextStopRequested at its
   safe points, saves, and ends with ContextStopped, which makes the exit status
   BA_EXIT_STOPPED so that a job script can tell a clean stop from a failure. */
#define BA_EXIT_STOPPED 3
void ContextCatchStopSignals(void);
PetscBool ContextStopRequested(void);
PetscErrorCode ContextStopped(MPI_Comm comm, const char *what);
PetscBool ContextWasStopped(void);

/* Rank-0 informational output, silenced by -quiet. */
PetscErrorCode ContextPrintf(const BaContext *ctx, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(2, 3);

#endif
