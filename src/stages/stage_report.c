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

PetscErrorCode StageReport(void)
{
  BaContext ctx;
  char results[PETSC_MAX_PATH_LEN] = "", truth[PETSC_MAX_PATH_LEN] = "", atlas[PETSC_MAX_PATH_LEN] = BA_DEFAULT_ATLAS;
  PetscBool check = PETSC_FALSE, help = PETSC_FALSE, atlas_set = PETSC_FALSE;
  Results res;
  ReportRecovery rec;

  PetscFunctionBegin;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign report: tables, figures and an HTML page from a results file",
                    NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &ctx, "Output folder (created if missing)", NULL));
  PetscCall(
      PetscOptionsString("-results", "Results file written by rsa", NULL, results, results, sizeof(results), NULL));
  PetscCall(PetscOptionsString("-truth", "truth.h5 written by simulate: check recovery of the planted truth", NULL,
                               truth, truth, sizeof(truth), NULL));
  check = truth[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscOptionsBool("-check_recovery",
                             "Exit non-zero when the planted truth is not recovered (default: on with -truth)", NULL,
                             check, &check, NULL));
  PetscCall(PetscOptionsString("-atlas",
                               "Label volume in MNI space whose ventral areas are drawn behind the electrodes", NULL,
                               atlas, atlas, sizeof(atlas), &atlas_set));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsRequire(ctx.comm, "-results", results));
  PetscCall(OptionsRequire(ctx.comm, "-out", ctx.out));
  PetscCheck(!check || truth[0], ctx.comm, BA_ERR_INPUT, "-check_recovery: needs -truth");
  if (ctx.rank != 0) PetscFunctionReturn(PETSC_SUCCESS);
  /* the default atlas is optional (the figure then shows the electrodes alone); one named
     with -atlas must be readable */
  if (!atlas_set && access(atlas, R_OK) != 0) atlas[0] = 0;

  PetscCall(PetscLogStagePush(BaLogIds.report));
  PetscCall(PetscLogEventBegin(BaLogIds.io_read, 0, 0, 0, 0));
  PetscCall(ResultsOpen(PETSC_COMM_SELF, results, &res));
  PetscCall(PetscLogEventEnd(BaLogIds.io_read, 0, 0, 0, 0));
  if (truth[0]) PetscCall(ReportRecoveryFromTruth(&res, truth, &rec));
  PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
  PetscCall(ReportWrite(&res, results, ctx.out, truth[0] ? &rec : NULL, atlas));
  PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));
  if (!ctx.quiet) {
    PetscCall(ReportPrintSummary(&res));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "report: %s/report.html\n", ctx.out));
  }
  /* the verdict is the point of a run with -truth: printed even with -quiet */
  if (truth[0]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", rec.verdict));
  PetscCall(ResultsClose(&res));
  PetscCall(PetscLogStagePop());
  PetscCheck(!check || rec.pass, PETSC_COMM_SELF, PETSC_ERR_NOT_CONVERGED, "%s", rec.verdict);
  PetscFunctionReturn(PETSC_SUCCESS);
}
