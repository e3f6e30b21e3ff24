/* stage_report.c: the report stage: a results file in, tables, figures and report.html out.
 *
 * Rank 0 does all the work: the results file is small and gnuplot is one process. The other
 * ranks parse the options (so -help and bad options behave the same everywhere) and return.
 * When -truth is given, the run checks itself against the planted truth and, with
 * -check_recovery (on by default then), fails after writing the report, so that the page
 * that explains the failure is there to read. */
#include <bandalign/stage.h>
#include <bandalign/context.h>
#include <bandalign/report.h>
#include <unistd.h>

typedef struct {
  BaContext ctx;
  char results[PETSC_MAX_PATH_LEN], truth[PETSC_MAX_PATH_LEN], atlas[PETSC_MAX_PATH_LEN];
  PetscBool check, check_set, atlas_set;
} ReportOptions;

static PetscErrorCode ReportSetFromOptions(ReportOptions *o, PetscBool *help)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCall(PetscStrncpy(o->atlas, BA_DEFAULT_ATLAS, sizeof(o->atlas)));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign report: tables, figures and an HTML page from a results file",
                    NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o->ctx, "Output folder (created if missing)", NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-results", "Results file written by rsa", o->results, o->results,
                          sizeof(o->results), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-truth",
                          "truth.h5 written by simulate: check recovery of the planted truth", o->truth, o->truth,
                          sizeof(o->truth), NULL));
  o->check = o->truth[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(OptionsBool(PetscOptionsObject, "-check_recovery",
                        "Exit non-zero when the planted truth is not recovered (default: on with -truth)", o->check,
                        &o->check, &o->check_set));
  PetscCall(OptionsString(PetscOptionsObject, "-atlas",
                          "Label volume in MNI space whose ventral areas are drawn behind the electrodes", o->atlas,
                          o->atlas, sizeof(o->atlas), &o->atlas_set));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, help));
  if (*help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(o->ctx.comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageReportOptions(void)
{
  ReportOptions o;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(ReportSetFromOptions(&o, &help));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageReport(void)
{
  ReportOptions o;
  PetscBool help;
  Results res;
  ReportRecovery rec;
  const BaContext *ctx = &o.ctx;
  const char *results = o.results, *truth = o.truth;
  char *atlas = o.atlas;

  PetscFunctionBegin;
  PetscCall(ReportSetFromOptions(&o, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsRequire(ctx->comm, "-results", results));
  PetscCall(OptionsRequire(ctx->comm, "-out", ctx->out));
  PetscCheck(!o.check || truth[0], ctx->comm, BA_ERR_INPUT, "-check_recovery: needs -truth");
  if (ctx->rank != 0) PetscFunctionReturn(PETSC_SUCCESS);
  /* the default atlas is optional (the figure then shows the electrodes alone); one named
     with -atlas must be readable */
  if (!o.atlas_set && access(atlas, R_OK) != 0) atlas[0] = 0;

  PetscCall(PetscLogStagePush(BaLogIds.report));
  PetscCall(PetscLogEventBegin(BaLogIds.io_read, 0, 0, 0, 0));
  PetscCall(ResultsOpen(PETSC_COMM_SELF, results, &res));
  PetscCall(PetscLogEventEnd(BaLogIds.io_read, 0, 0, 0, 0));
  if (truth[0]) PetscCall(ReportRecoveryFromTruth(&res, truth, &rec));
  PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
  PetscCall(ReportWrite(&res, results, ctx->out, truth[0] ? &rec : NULL, atlas));
  PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));
  if (!ctx->quiet) {
    PetscCall(ReportPrintSummary(&res));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "report: %s/report.html\n", ctx->out));
  }
  /* the verdict is the point of a run with -truth: printed even with -quiet */
  if (truth[0]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", rec.verdict));
  if (truth[0] && rec.has_profile && rec.nagree < rec.nexpected && !strcmp(rec.profile.name, "kuzovkin2018"))
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "report: the kuzovkin2018 profile gives the study's whole table at some "
                                           "seeds only; see docs/simulator.md, \"Other seeds\"\n"));
  PetscCall(ResultsClose(&res));
  PetscCall(PetscLogStagePop());
  PetscCheck(!o.check || rec.pass, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "%s", rec.verdict);
  PetscFunctionReturn(PETSC_SUCCESS);
}
