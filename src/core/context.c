/* context.c: common options, option helpers and the one-line error convention.
 *
 * PETSc's default error handler prints a traceback, which is right for bugs and wrong for
 * a user who gave a missing file. Errors of class BA_ERR_INPUT (and file-open errors) are
 * printed as one line by the rank that is rank 0 of the communicator the error was raised
 * on; everything else keeps PETSc's traceback. Errors raised inside PETSc's options code (a
 * value it cannot parse, an options file it cannot read) are input errors too, printed once
 * by world rank 0. The option helpers and the check of unknown options are in options.c. */
#include <bandalign/context.h>
#include <signal.h>
#include <stdarg.h>

static char StageName[32] = "";

void ContextSetStage(const char *stage)
{
  snprintf(StageName, sizeof(StageName), "%s", stage);
}

const char *ContextStageName(void)
{
  return StageName;
}

/* An error raised inside PETSc's options code: a value PETSc cannot parse, or an options
   file it cannot read (-options_file_yaml is parsed inside PetscInitialize). */
static PetscBool FromOptions(const char *func)
{
  return func && (!strncmp(func, "PetscOptions", 12) || strstr(func, "YAML")) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode BaErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  static PetscBool input  = PETSC_FALSE; /* the error being passed up was printed as one line */
  PetscMPIInt rank        = 0;
  const PetscBool options = FromOptions(func);

  (void)ctx;
  if (p != PETSC_ERROR_INITIAL && input) return n; /* printed where it was raised */
  input = PETSC_FALSE;
  /* input errors, file errors, and a failed recovery check (a verdict, not a bug) */
  if (!options && n != BA_ERR_INPUT && n != PETSC_ERR_FILE_OPEN && n != PETSC_ERR_FILE_READ &&
      n != PETSC_ERR_FILE_WRITE && n != PETSC_ERR_FILE_UNEXPECTED && n != PETSC_ERR_NOT_CONVERGED && n != PETSC_ERR_LIB)
    return PetscTraceBackErrorHandler(comm, line, func, file, n, p, mess, NULL);
  if (p != PETSC_ERROR_INITIAL) return n; /* printed where it was raised */
  input = PETSC_TRUE;
  /* PETSc's options code raises on each rank, often on PETSC_COMM_SELF, with the same
     options everywhere: world rank 0 prints */
  if (options) comm = MPI_COMM_WORLD;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    const char *yaml = OptionsYamlFiles();
    if (options && !PetscInitializeCalled && yaml[0])
      fprintf(stderr, "bandalign: error: %s: not a valid options file (%s)\n", yaml, mess ? mess : "unknown error");
    else if (options)
      fprintf(stderr, "bandalign: error: options: %s\n", mess ? mess : "unknown error");
    else
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
  PetscCall(OptionsString(PetscOptionsObject, "-out", out_help, ctx->out, ctx->out, sizeof(ctx->out), NULL));
  /* the simulator keys its streams with 32 bits of the seed, rsa with 64: one range for both */
  PetscCall(
      OptionsInt64(PetscOptionsObject, "-seed", "Seed of every random stream", 0, 0, BA_SEED_MAX, &ctx->seed, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-protocol", "Analysis protocol", BaProtocolNames, BA_PROTOCOL_CANONICAL,
                          &protocol));
  ctx->protocol = (BaProtocol)protocol;
  PetscCall(OptionsBool(PetscOptionsObject, "-quiet", "No progress or summary output", ctx->quiet, &ctx->quiet, NULL));
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
