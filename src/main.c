/* main.c: bandalign's entry point: picks the stage named by the first argument and runs it.
 *
 * Everything after the stage name is PETSc options, so -help, -options_file(_yaml) and
 * -log_view work for every stage. */
#include <bandalign/context.h>
#include <bandalign/stage.h>
#include <bandalign/h5io.h>

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

  PetscCall(PetscInitialize(&argc, &argv, NULL, usage));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through PETSc */
  PetscCall(ContextPushErrorHandler());
  PetscCall(LogRegister());

  ierr = stage->run();

  if (ierr) {
    H5AbandonAll(); /* no partial output survives a failed run */
    PetscFinalize();
    return 1;
  }
  PetscCall(PetscFinalize());
  return 0;
}
