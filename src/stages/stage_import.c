/* stage_import.c: the import stages: import-bids (recordings to a dataset file) and
 * import-kuzovkin (the study's published band responses to a features file).
 *
 * Both only parse their options here; the work lives in import_bids.c and
 * import_kuzovkin.c so that a test or another program can call it with a context. */
#include <bandalign/import.h>
#include <bandalign/stage.h>

PetscErrorCode StageImportBids(void)
{
  BaContext ctx;
  ImportBidsOptions o;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  PetscCall(PetscStrncpy(o.stim_column, "trial_type", sizeof(o.stim_column)));
  o.block_channels = 8;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign import-bids: BIDS-iEEG recordings to a bandalign-dataset file",
                    NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &ctx, "Output dataset file", "dataset.h5"));
  PetscCall(
      PetscOptionsString("-bids", "BIDS folder (sub-*/[ses-*/]ieeg/)", NULL, o.root, o.root, sizeof(o.root), NULL));
  PetscCall(PetscOptionsString("-task", "Task label of the recordings (task-<label>)", NULL, o.task, o.task,
                               sizeof(o.task), NULL));
  PetscCall(PetscOptionsString("-subjects", "Comma-separated subject labels (default: every sub-* folder)", NULL,
                               o.subjects, o.subjects, sizeof(o.subjects), NULL));
  PetscCall(PetscOptionsString("-stim_column", "events.tsv column naming the stimulus of each trial", NULL,
                               o.stim_column, o.stim_column, sizeof(o.stim_column), NULL));
  PetscCall(PetscOptionsString("-category_column",
                               "events.tsv integer column of image categories (default: none, category 0)", NULL,
                               o.category_column, o.category_column, sizeof(o.category_column), NULL));
  PetscCall(PetscOptionsString("-exclude",
                               "Comma-separated stimulus values or shell patterns (fnmatch: 'resp*') whose trials are "
                               "kept but not analysed (stimulus -1, never images)",
                               NULL, o.exclude, o.exclude, sizeof(o.exclude), NULL));
  PetscCall(PetscOptionsInt("-block_channels", "Channels read and epoched at once per rank", NULL, o.block_channels,
                            &o.block_channels, NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsRequire(ctx.comm, "-bids", o.root));
  PetscCall(OptionsRequire(ctx.comm, "-task", o.task));
  PetscCall(OptionsRequire(ctx.comm, "-stim_column", o.stim_column));
  PetscCheck(o.block_channels > 0, ctx.comm, BA_ERR_INPUT, "-block_channels: must be positive");
  PetscCall(ImportBids(&ctx, &o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageImportKuzovkin(void)
{
  BaContext ctx;
  ImportKuzovkinOptions o;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&o, sizeof(o)));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL,
                    "bandalign import-kuzovkin: the study's per-ROI MATLAB files to a bandalign-features file", NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &ctx, "Output features file", "features.h5"));
  PetscCall(PetscOptionsString("-dir", "Folder holding one folder of .mat files per ROI", NULL, o.dir, o.dir,
                               sizeof(o.dir), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(ImportKuzovkin(&ctx, &o));
  PetscFunctionReturn(PETSC_SUCCESS);
}
