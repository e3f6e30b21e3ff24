/* context.c: common options, option helpers and the one-line error convention.
 *
 * PETSc's default error handler prints a traceback, which is right for bugs and wrong for
 * a user who gave a missing file. Errors of class BA_ERR_INPUT (and file-open errors) are
 * printed as one line by the rank that is rank 0 of the communicator the error was raised
 * on; everything else keeps PETSc's traceback. */
#include <bandalign/context.h>
#include <signal.h>
#include <stdarg.h>

static char StageName[32] = "";

void ContextSetStage(const char *stage)
{
  snprintf(StageName, sizeof(StageName), "%s", stage);
}

static PetscErrorCode BaErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;

  (void)ctx;
  /* input errors, file errors, and a failed recovery check (a verdict, not a bug) */
  if (n != BA_ERR_INPUT && n != PETSC_ERR_FILE_OPEN && n != PETSC_ERR_FILE_READ && n != PETSC_ERR_FILE_WRITE &&
      n != PETSC_ERR_FILE_UNEXPECTED && n != PETSC_ERR_NOT_CONVERGED && n != PETSC_ERR_LIB)
    return PetscTraceBackErrorHandler(comm, line, func, file, n, p, mess, NULL);
  if (p != PETSC_ERROR_INITIAL) return n; /* printed where it was raised */
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    fprintf(stderr, "bandalign: error: %s\n", mess ? mess : "unknown error");
    fflush(stderr);
  }
  return n;
}

PetscErrorCode ContextPushErrorHandler(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(BaErrorHandler, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int def, int *value)
{
  char given[256], list[512] = "";
  PetscInt n = 0, v = def;
  PetscBool set, found;

  PetscFunctionBegin;
  while (choices[n])
    n++;
  /* PETSc's own list option; an unknown value is checked first only so that it ends as the
     one-line input error on the option's communicator (PETSc raises it on each rank) */
  PetscCall(
      PetscOptionsGetString(PetscOptionsObject->options, PetscOptionsObject->prefix, name, given, sizeof(given), &set));
  if (set) {
    PetscCall(PetscEListFind(n, choices, given, &v, &found));
    for (PetscInt i = 0; !found && i < n; i++) {
      PetscCall(PetscStrlcat(list, i ? "|" : "", sizeof(list)));
      PetscCall(PetscStrlcat(list, choices[i], sizeof(list)));
    }
    PetscCheck(found, PetscOptionsObject->comm, BA_ERR_INPUT, "%s: unknown value '%s' (expected %s)", name, given,
               list);
  }
  v = def;
  PetscCall(PetscOptionsEList(name, help, NULL, choices, n, choices[def], &v, NULL));
  *value = (int)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsRequire(MPI_Comm comm, const char *name, const char *value)
{
  PetscFunctionBegin;
  PetscCheck(value && value[0], comm, BA_ERR_INPUT, "%s: option is required", name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ContextSetFromOptions(PetscOptionItems *PetscOptionsObject, BaContext *ctx, const char *out_help,
                                     const char *out_default)
{
  int protocol = BA_PROTOCOL_CANONICAL;

  PetscFunctionBegin;
  ctx->comm = PetscOptionsObject->comm;
  PetscCallMPI(MPI_Comm_rank(ctx->comm, &ctx->rank));
  PetscCallMPI(MPI_Comm_size(ctx->comm, &ctx->size));
  PetscCall(PetscStrncpy(ctx->stage, StageName, sizeof(ctx->stage)));
  PetscCall(PetscStrncpy(ctx->out, out_default ? out_default : "", sizeof(ctx->out)));
  ctx->seed  = 0;
  ctx->quiet = PETSC_FALSE;
  PetscCall(PetscOptionsString("-out", out_help, NULL, ctx->out, ctx->out, sizeof(ctx->out), NULL));
  {
    PetscInt seed = 0;
    PetscCall(PetscOptionsInt("-seed", "Seed of every random stream", NULL, seed, &seed, NULL));
    ctx->seed = seed;
  }
  PetscCheck(ctx->seed >= 0, ctx->comm, BA_ERR_INPUT, "-seed: must be non-negative, got %" PetscInt64_FMT, ctx->seed);
  PetscCall(OptionsChoice(PetscOptionsObject, "-protocol", "Analysis protocol", BaProtocolNames, BA_PROTOCOL_CANONICAL,
                          &protocol));
  ctx->protocol = (BaProtocol)protocol;
  PetscCall(PetscOptionsBool("-quiet", "No progress or summary output", NULL, ctx->quiet, &ctx->quiet, NULL));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ContextOptionsText(char **text)
{
  char *s;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &s));
  *text = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ContextPrintf(const BaContext *ctx, const char *fmt, ...)
{
  va_list ap;

  PetscFunctionBegin;
  if (ctx->quiet || ctx->rank != 0) PetscFunctionReturn(PETSC_SUCCESS);
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fflush(stdout);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static volatile sig_atomic_t StopRequest = 0;
static PetscBool Stopped                 = PETSC_FALSE;

static void StopHandler(int sig)
{
  (void)sig;
  StopRequest = 1;
}

void ContextCatchStopSignals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = StopHandler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

PetscBool ContextStopRequested(void)
{
  return StopRequest ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ContextStopped(MPI_Comm comm, const char *what)
{
  PetscFunctionBegin;
  Stopped = PETSC_TRUE;
  SETERRQ(comm, BA_ERR_INPUT, "stopped by a signal: %s", what);
}

PetscBool ContextWasStopped(void)
{
  return Stopped;
}
