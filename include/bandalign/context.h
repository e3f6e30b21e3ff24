/* context.h: what every stage shares: the common options, the error convention, provenance. */
#ifndef BANDALIGN_CONTEXT_H
#define BANDALIGN_CONTEXT_H

#include <bandalign/bandalign.h>

/* Largest -seed: the simulator keys its streams with a 32-bit seed (rsa's permutation and
   split streams take 64 bits); one range, 0 .. 2^32 - 1, for every stage. */
#define BA_SEED_MAX 4294967295LL

/* Options every stage knows (interface.md). */
typedef struct {
  MPI_Comm comm;                /* the communicator the stage runs on */
  PetscMPIInt rank, size;       /* this rank and the number of ranks */
  char stage[32];               /* the stage name, first argument of the command */
  char out[PETSC_MAX_PATH_LEN]; /* output file or folder of the stage */
  PetscInt64 seed;              /* seed of every random stream, 0 .. BA_SEED_MAX */
  BaProtocol protocol;          /* canonical or kuzovkin2018 */
  PetscBool quiet;              /* no progress or summary on stderr/stdout */
} BaContext;

/* Records the stage name given on the command line (main does this once). */
void ContextSetStage(const char *stage);

/* Reads the common options into ctx inside the caller's PetscOptionsBegin block.
   out_default may be NULL (then -out is required by the stage). Collective. */
PetscErrorCode ContextSetFromOptions(PetscOptionItems *PetscOptionsObject, BaContext *ctx, const char *out_help,
                                     const char *out_default);

/* The option helpers (src/core/options.c), called inside PetscOptionsBegin: each reads
   the option's text itself, so a value that is not of the option's type or lies outside
   [min, max] is a user-input error naming the option ("-name: 'abc' is not an integer
   (expected an integer in [1, 100])"), and records the name (the candidates of "did you
   mean"). -help shows the range. *set (may be NULL) tells whether the option was given. */
PetscErrorCode OptionsInt64(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscInt64 def,
                            PetscInt64 min, PetscInt64 max, PetscInt64 *value, PetscBool *set);
/* As OptionsInt64 into a PetscInt; [min, max] lies within PetscInt. */
PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscInt def,
                          PetscInt min, PetscInt max, PetscInt *value, PetscBool *set);
/* A finite number in [min, max] (open bounds are checked by the caller). */
PetscErrorCode OptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscReal def,
                           PetscReal min, PetscReal max, PetscReal *value, PetscBool *set);
/* true/false (also yes/no, on/off, 1/0; no value = true, as PETSc). */
PetscErrorCode OptionsBool(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscBool def,
                           PetscBool *value, PetscBool *set);
/* A string (def is shown by -help; value keeps its contents when the option is not given). */
PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *def,
                             char *value, size_t len, PetscBool *set);
/* One of choices[] (NULL terminated) with a default; an unknown value is a user-input error
   naming the option and the accepted values. */
PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int def, int *value);

/* Requires a non-empty string option; error "-name: option is required" otherwise. */
PetscErrorCode OptionsRequire(MPI_Comm comm, const char *name, const char *value);

/* Unknown options (interface.md, "Options"): called by every stage once it has read its
   options (after PetscOptionsEnd, not with -help): refuses an option nothing read whose name
   no bandalign stage knows (naming the closest option the stage read), or that was given on
   the command line and this stage does not read; an options file may hold other stages'
   options. PETSc's own options are left to PETSc. Collective on comm.
   OptionsDeferUnknownCheck(PETSC_TRUE) turns the check off until it is turned on again:
   run reads every stage's options that way, then checks once. */
PetscErrorCode OptionsCheckUnknown(MPI_Comm comm);
void OptionsDeferUnknownCheck(PetscBool defer);

/* Before PetscInitialize (main): records the option names of the command line (argv[0] is
   the program), and checks every -options_file and -options_file_yaml file: it exists, is
   readable, and a plain file holds one "-name [value]" per line. On failure world rank 0
   prints the one error line and the return value is 1 (else 0). Collective on
   MPI_COMM_WORLD (MPI must be initialized). */
void OptionsSetCommandLine(int argc, char **argv);
int OptionsCheckFiles(int argc, char **argv);
/* The YAML options files given ("" if none), for the error of a file PETSc cannot parse. */
const char *OptionsYamlFiles(void);

/* The stage name given on the command line. */
const char *ContextStageName(void);

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
