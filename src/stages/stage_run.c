/* stage_run.c: the whole pipeline in one command: [simulate,] features, rsa, report.
 *
 * Each stage reads its options from the database, so run only decides the file names inside
 * -out DIR and sets the options that connect one stage to the next (-out, -dataset,
 * -features, -network, -results, -truth); every other option given on the command line
 * reaches the stage that knows it. Every stage's options are read (and checked, unknown ones
 * too) before any work: ReadAllOptions. */
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
   simulator; configs/<preset>.yaml holds both); anything given on the command line wins.
   recovers: the preset is large enough for the planted band to be recovered, so the report
   checks it (tiny is not: its run says so and exits 0; docs/simulator.md). */
typedef struct {
  const char *preset, *permutations, *noise_splits;
  PetscBool recovers;
} PresetDefaults;

static const PresetDefaults Presets[] = {
    {"tiny", "1000", "100", PETSC_FALSE},
    {"demo", "2000", "200", PETSC_TRUE},
    {"paper", "10000", "1000", PETSC_TRUE},
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

/* Every stage's options, read before any work (docs/interface.md, "Options"): a bad value
   or an unknown option stops the run at once rather than after the simulation, and -help
   lists them all. The unknown options are checked once, over the options of every stage. */
static PetscErrorCode ReadAllOptions(const RunOptions *o, PetscBool has_preset, PetscBool help)
{
  PetscFunctionBegin;
  OptionsDeferUnknownCheck(PETSC_TRUE);
  if (has_preset || help) PetscCall(StageSimulateOptions());
  PetscCall(StageFeaturesOptions());
  PetscCall(StageRsaOptions());
  PetscCall(StageReportOptions());
  OptionsDeferUnknownCheck(PETSC_FALSE);
  if (!help) PetscCall(OptionsCheckUnknown(o->ctx.comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageRun(void)
{
  RunOptions o;
  PetscBool help, has_preset, unchecked                                          = PETSC_FALSE;
  char dir[PETSC_MAX_PATH_LEN], p[PETSC_MAX_PATH_LEN], truth[PETSC_MAX_PATH_LEN] = "";
  const PresetDefaults *preset = NULL;
  double t0                    = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign run: every stage in order (each stage's options follow)", NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o.ctx, "Output folder of every stage", "bandalign-out"));
  PetscCall(OptionsString(PetscOptionsObject, "-preset", "Simulate this preset (tiny, demo, paper) first", o.preset,
                          o.preset, sizeof(o.preset), &has_preset));
  PetscCall(OptionsString(PetscOptionsObject, "-dataset", "Input recordings (without -preset)", o.dataset, o.dataset,
                          sizeof(o.dataset), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-network", "Input network file (without -preset)", o.network, o.network,
                          sizeof(o.network), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  for (size_t i = 0; has_preset && i < sizeof(Presets) / sizeof(Presets[0]); i++)
    if (!strcmp(o.preset, Presets[i].preset)) preset = &Presets[i];
  if (preset) {
    PetscCall(SetDefault("-permutations", preset->permutations));
    PetscCall(SetDefault("-noise_splits", preset->noise_splits));
    if (!preset->recovers) {
      PetscBool given;
      PetscCall(PetscOptionsHasName(NULL, NULL, "-check_recovery", &given));
      unchecked = given ? PETSC_FALSE : PETSC_TRUE;
      PetscCall(SetDefault("-check_recovery", "false"));
    }
  }
  PetscCall(ReadAllOptions(&o, has_preset, help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(has_preset || (o.dataset[0] && o.network[0]), o.ctx.comm, BA_ERR_INPUT,
             "-preset: give a preset, or both -dataset and -network");
  PetscCheck(!(has_preset && o.dataset[0]), o.ctx.comm, BA_ERR_INPUT, "-dataset: cannot be combined with -preset");

  PetscCall(PetscStrncpy(dir, o.ctx.out, sizeof(dir)));
  if (o.ctx.rank == 0) (void)mkdir(dir, 0755);
  PetscCallMPI(MPI_Barrier(o.ctx.comm));

  if (has_preset) {
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
  if (unchecked) /* printed even with -quiet, as the verdict it replaces */
    PetscCall(PetscPrintf(o.ctx.comm,
                          "run: recovery not checked at this size: %s is too small to recover the planted band (see "
                          "docs/simulator.md)\n",
                          preset->preset));
  PetscCall(ContextPrintf(&o.ctx, "run: done in %.1f s; report: %s/report.html\n", MPI_Wtime() - t0, p));
  PetscFunctionReturn(PETSC_SUCCESS);
}
