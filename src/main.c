/* main.c: bandalign's entry point: picks the stage named by the first argument and runs it.
 *
 * Everything after the stage name is PETSc options, so -help, -options_file(_yaml) and
 * -log_view work for every stage. */
#include <bandalign/context.h>
#include <bandalign/stage.h>
#include <bandalign/h5io.h>
#include <sys/resource.h>

static const char usage[] = "usage: bandalign <stage> [options]\n"
                            "stages: simulate, features, rsa, report, run, import-bids, import-kuzovkin\n"
                            "        bandalign <stage> -help lists the options of a stage\n";

typedef struct {
  const char *name;
  PetscErrorCode (*run)(void);
} StageEntry;

static const StageEntry Stages[] = {
    {"simulate", StageSimulate},
    {"features", StageFeatures},
    {"rsa", StageRsa},
    {"report", StageReport},
    {"run", StageRun},
    {"import-bids", StageImportBids},
    {"import-kuzovkin", StageImportKuzovkin},
};

/* One line on rank 0 after a stage: the largest peak resident set size over the ranks (the
   figure that bounds a job's memory request) and their mean. Silent with -quiet or -help. */
static PetscErrorCode ReportPeakMemory(const char *stage)
{
  struct rusage ru;
  double mb, max, sum;
  PetscMPIInt size;
  PetscBool quiet = PETSC_FALSE, help;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-quiet", &quiet, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscCheck(getrusage(RUSAGE_SELF, &ru) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "getrusage failed");
  mb = ru.ru_maxrss / 1024.0; /* kB on Linux */
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Reduce(&mb, &max, 1, MPI_DOUBLE, MPI_MAX, 0, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Reduce(&mb, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, PETSC_COMM_WORLD));
  if (!quiet && !help)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "%s: peak resident memory %.0f MB per rank (largest; mean %.0f over %d ranks)\n", stage, max,
                          sum / size, size));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  const StageEntry *stage = NULL;
  PetscErrorCode ierr;

  if (argc < 2 || argv[1][0] == '-') {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 || strcmp(argv[1], "-help") ? 1 : 0;
  }
  for (size_t i = 0; i < sizeof(Stages) / sizeof(Stages[0]); i++)
    if (!strcmp(argv[1], Stages[i].name)) stage = &Stages[i];
  if (!stage) {
    fprintf(
        stderr,
        "bandalign: error: %s: unknown stage (simulate, features, rsa, report, run, import-bids or import-kuzovkin)\n",
        argv[1]);
    return 1;
  }
  ContextSetStage(stage->name);
  /* the stage name is ours, not an option: hide it from PETSc */
  argv[1] = argv[0];
  argc--;
  argv++;

  /* MPI first, so that the options files PetscInitialize is about to read can be checked
     with one error line (PETSc reads them on rank 0; a missing one would stop rank 0 and
     leave the others waiting), and the error handler goes first too: a file PETSc cannot
     parse, or a value of PETSc's own options it cannot read, is one line as well */
  {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  OptionsSetCommandLine(argc, argv);
  if (OptionsCheckFiles(argc, argv) || ContextPushErrorHandler() || PetscInitialize(&argc, &argv, NULL, usage)) {
    MPI_Finalize();
    return 1;
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through PETSc */
  PetscCall(LogRegister());

  ierr = stage->run();

  if (ierr) {
    BaH5AbandonAll(); /* no partial output survives a failed run */
    PetscFinalize();
    MPI_Finalize();
    return ContextWasStopped() ? BA_EXIT_STOPPED : 1;
  }
  PetscCall(ReportPeakMemory(stage->name));
  PetscCall(PetscFinalize());
  MPI_Finalize();
  return 0;
}
