/* stage_run.c: the whole pipeline in one command: [simulate,] features, rsa, report.
 *
 * Each stage reads its options from the database, so run only decides the file names inside
 * -out DIR and sets the options that connect one stage to the next (-out, -dataset,
 * -features, -network, -results, -truth); every other option given on the command line
 * reaches the stage that knows it. */
#include <bandalign/context.h>
#include <bandalign/stage.h>
#include <sys/stat.h>

typedef struct {
  BaContext ctx;                    /* common options; -out is the folder of everything */
  char preset[32];                  /* -preset: simulate this preset first */
  char dataset[PETSC_MAX_PATH_LEN]; /* -dataset: recordings (without -preset) */
  char network[PETSC_MAX_PATH_LEN]; /* -network: network file (without -preset) */
} RunOptions;

/* Defaults of the later stages that a preset implies (the simulator's own live in the
   simulator); anything given on the command line wins. */
typedef struct {
  const char *preset, *permutations, *noise_splits;
} PresetDefaults;

static const PresetDefaults Presets[] = {
    {"tiny", "1000", "100"},
    {"demo", "2000", "200"},
    {"paper", "10000", "1000"},
};

static PetscErrorCode SetDefault(const char *name, const char *value)
{
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, name, &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, name, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SetOption(const char *name, const char *value)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, name, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Path(char *buf, const char *dir, const char *file)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, PETSC_MAX_PATH_LEN, "%s/%s", dir, file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageRun(void)
{
  RunOptions o;
  PetscBool help, has_preset;
  char dir[PETSC_MAX_PATH_LEN], p[PETSC_MAX_PATH_LEN], truth[PETSC_MAX_PATH_LEN] = "";
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL,
                    "bandalign run: every stage in order (see each stage's -help for its options)", NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o.ctx, "Output folder of every stage", "bandalign-out"));
  PetscCall(PetscOptionsString("-preset", "Simulate this preset (tiny, demo, paper) first", NULL, o.preset, o.preset,
                               sizeof(o.preset), &has_preset));
  PetscCall(PetscOptionsString("-dataset", "Input recordings (without -preset)", NULL, o.dataset, o.dataset,
                               sizeof(o.dataset), NULL));
  PetscCall(PetscOptionsString("-network", "Input network file (without -preset)", NULL, o.network, o.network,
                               sizeof(o.network), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(has_preset || (o.dataset[0] && o.network[0]), o.ctx.comm, BA_ERR_INPUT,
             "-preset: give a preset, or both -dataset and -network");
  PetscCheck(!(has_preset && o.dataset[0]), o.ctx.comm, BA_ERR_INPUT, "-dataset: cannot be combined with -preset");

  PetscCall(PetscStrncpy(dir, o.ctx.out, sizeof(dir)));
  if (o.ctx.rank == 0) (void)mkdir(dir, 0755);
  PetscCallMPI(MPI_Barrier(o.ctx.comm));

  if (has_preset) {
    for (size_t i = 0; i < sizeof(Presets) / sizeof(Presets[0]); i++)
      if (!strcmp(o.preset, Presets[i].preset)) {
        PetscCall(SetDefault("-permutations", Presets[i].permutations));
        PetscCall(SetDefault("-noise_splits", Presets[i].noise_splits));
      }
    PetscCall(SetOption("-out", dir));
    PetscCall(StageSimulate());
    PetscCall(Path(o.dataset, dir, "dataset.h5"));
    PetscCall(Path(o.network, dir, "network.h5"));
    PetscCall(Path(truth, dir, "truth.h5"));
    { /* the study's control network, unless the simulator was told not to write it */
      PetscBool control = PETSC_TRUE;
      PetscCall(PetscOptionsGetBool(NULL, NULL, "-sim_control_network", &control, NULL));
      if (control) PetscCall(Path(p, dir, "network_control.h5"));
      if (control) PetscCall(SetDefault("-control_network", p));
    }
  }
  PetscCall(SetOption("-dataset", o.dataset));
  PetscCall(Path(p, dir, "features.h5"));
  PetscCall(SetOption("-out", p));
  PetscCall(StageFeatures());

  PetscCall(SetOption("-features", p));
  PetscCall(SetOption("-network", o.network));
  PetscCall(Path(p, dir, "results.h5"));
  PetscCall(SetOption("-out", p));
  PetscCall(StageRsa());

  PetscCall(SetOption("-results", p));
  if (truth[0]) PetscCall(SetOption("-truth", truth));
  PetscCall(Path(p, dir, "report"));
  PetscCall(SetOption("-out", p));
  PetscCall(StageReport());
  PetscCall(ContextPrintf(&o.ctx, "run: done in %.1f s; report: %s/report.html\n", MPI_Wtime() - t0, p));
  PetscFunctionReturn(PETSC_SUCCESS);
}
