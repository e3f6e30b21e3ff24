/* stage_import.c: the import stages: import-bids (recordings to a dataset file) and
 * import-kuzovkin (the study's published band responses to a features file).
 *
 * Both only parse their options here; the work lives in import_bids.c and
 * import_kuzovkin.c so that a test or another program can call it with a context. */
#include <bandalign/import.h>
#include <bandalign/stage.h>

/* -block_channels of import-bids: a block holds N channels x trials x 1000 samples */
#define IMPORT_MAX_BLOCK_CHANNELS 4096

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
  PetscCall(OptionsString(PetscOptionsObject, "-bids", "BIDS folder (sub-*/[ses-*/]ieeg/)", o.root, o.root,
                          sizeof(o.root), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-task", "Task label of the recordings (task-<label>)", o.task, o.task,
                          sizeof(o.task), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-subjects",
                          "Comma-separated subject labels (default: every sub-* folder)", o.subjects, o.subjects,
                          sizeof(o.subjects), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-stim_column", "events.tsv column naming the stimulus of each trial",
                          o.stim_column, o.stim_column, sizeof(o.stim_column), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-category_column",
                          "events.tsv integer column of image categories (default: none, category 0)",
                          o.category_column, o.category_column, sizeof(o.category_column), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-exclude",
                          "Comma-separated stimulus values or shell patterns (fnmatch: 'resp*') whose trials are "
                          "kept but not analysed (stimulus -1, never images)",
                          o.exclude, o.exclude, sizeof(o.exclude), NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-block_channels", "Channels read and epoched at once per rank",
                       o.block_channels, 1, IMPORT_MAX_BLOCK_CHANNELS, &o.block_channels, NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(ctx.comm));
  PetscCall(OptionsRequire(ctx.comm, "-bids", o.root));
  PetscCall(OptionsRequire(ctx.comm, "-task", o.task));
  PetscCall(OptionsRequire(ctx.comm, "-stim_column", o.stim_column));
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
  PetscCall(OptionsString(PetscOptionsObject, "-dir", "Folder holding one folder of .mat files per ROI", o.dir, o.dir,
                          sizeof(o.dir), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(ctx.comm));
  PetscCall(ImportKuzovkin(&ctx, &o));
  PetscFunctionReturn(PETSC_SUCCESS);
}
