/* truth.c: bandalign-truth files (truth.h): what simulate planted in every channel, read
   back by the report's recovery check. The file is small (a few values per channel), so it
   is written from rank 0's arrays and read whole on one rank. */
#include <bandalign/truth.h>
#include <bandalign/roi.h>

/* The profile: root attribute and the per-ROI table (every rank passes the same values). */
static PetscErrorCode WriteRois(BaH5File *f, const Truth *t)
{
  const hsize_t n = BA_NROIS;

  PetscFunctionBegin;
  PetscCall(BaH5AttrWriteString(f, "/", "profile", t->profile));
  PetscCall(BaH5WriteNew(f, "/rois/planted_responsive", H5T_STD_I32LE, 1, &n, H5T_NATIVE_INT, t->roi_responsive));
  PetscCall(BaH5WriteNew(f, "/rois/planted_encoding", H5T_STD_I32LE, 1, &n, H5T_NATIVE_INT, t->roi_encoding));
  PetscCall(BaH5WriteNew(f, "/rois/planted_hierarchy", H5T_STD_I32LE, 1, &n, H5T_NATIVE_INT, t->roi_hierarchy));
  PetscCall(BaH5WriteNew(f, "/rois/expected_aligned", H5T_STD_I32LE, 1, &n, H5T_NATIVE_INT, t->roi_expected_aligned));
  PetscCall(BaH5WriteNew(f, "/rois/expected_rho", H5T_IEEE_F64LE, 1, &n, H5T_NATIVE_DOUBLE, t->roi_expected_rho));
  PetscCall(BaH5WriteNew(f, "/rois/expected_responsive", H5T_IEEE_F64LE, 1, &n, H5T_NATIVE_DOUBLE,
                         t->roi_expected_responsive));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FillTruth(BaH5File *f, const BaContext *ctx, const Truth *t)
{
  const PetscInt N = t->nchannels;
  hsize_t dims[2]  = {(hsize_t)N, 3};

  PetscFunctionBegin;
  PetscCall(BaH5WriteProvenance(f, ctx));
  PetscCall(BaH5AttrWriteString(f, "/", "hierarchy_band",
                                BaBandNames[t->hierarchy_band >= 0 ? t->hierarchy_band : BA_NBANDS]));
  PetscCall(BaH5WriteStrings(f, "/channels/patient", N, t->patient));
  PetscCall(BaH5WriteStrings(f, "/channels/name", N, t->name));
  PetscCall(BaH5WriteNew(f, "/channels/planted_band", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->planted_band));
  PetscCall(BaH5WriteNew(f, "/channels/planted_layer", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->planted_layer));
  PetscCall(BaH5WriteNew(f, "/channels/gain", H5T_IEEE_F64LE, 1, dims, H5T_NATIVE_DOUBLE, t->gain));
  PetscCall(BaH5WriteNew(f, "/channels/area", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->area));
  PetscCall(BaH5WriteNew(f, "/channels/power_increase", H5T_IEEE_F64LE, 1, dims, H5T_NATIVE_DOUBLE, t->power_increase));
  PetscCall(BaH5WriteNew(f, "/channels/mni", H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, t->mni));
  PetscCall(BaH5WriteNew(f, "/channels/hierarchy", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->hierarchy));
  PetscCall(BaH5WriteNew(f, "/channels/course", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->course));
  PetscCall(BaH5WriteNew(f, "/channels/outer_layer", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, t->outer_layer));
  PetscCall(WriteRois(f, t));
  PetscCall(BaH5FileCommit(f));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TruthWrite(MPI_Comm comm, const char *path, const BaContext *ctx, const Truth *truth)
{
  BaH5File f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(truth->hierarchy_band >= -1 && truth->hierarchy_band < BA_NBANDS, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: hierarchy_band %d is outside -1..%d", path, truth->hierarchy_band, BA_NBANDS - 1);
  PetscCall(BaH5FileCreate(comm, path, "bandalign-truth", &f));
  ierr = FillTruth(&f, ctx, truth);
  if (ierr) BaH5FileAbandon(&f);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The profile and its per-ROI table, where the file has them (files from before the
   profiles read as single). */
static PetscErrorCode ReadRois(BaH5File *f, const char *path, Truth *t)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(t->profile, "single", sizeof(t->profile)));
  PetscCall(BaH5AttrExists(f, "/", "profile", &has));
  if (has) PetscCall(BaH5AttrReadString(f, "/", "profile", t->profile, sizeof(t->profile)));
  PetscCheck(!strcmp(t->profile, "single") || !strcmp(t->profile, "kuzovkin2018"), PETSC_COMM_SELF, BA_ERR_INPUT,
             "%s: profile '%s' is not single or kuzovkin2018", path, t->profile);
  PetscCall(BaH5Exists(f, "/rois", &t->has_rois));
  if (!t->has_rois) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(BaH5ReadAll(f, "/rois/planted_responsive", H5T_NATIVE_INT, BA_NROIS, t->roi_responsive));
  PetscCall(BaH5ReadAll(f, "/rois/planted_encoding", H5T_NATIVE_INT, BA_NROIS, t->roi_encoding));
  PetscCall(BaH5ReadAll(f, "/rois/planted_hierarchy", H5T_NATIVE_INT, BA_NROIS, t->roi_hierarchy));
  PetscCall(BaH5ReadAll(f, "/rois/expected_aligned", H5T_NATIVE_INT, BA_NROIS, t->roi_expected_aligned));
  PetscCall(BaH5ReadAll(f, "/rois/expected_rho", H5T_NATIVE_DOUBLE, BA_NROIS, t->roi_expected_rho));
  PetscCall(BaH5ReadAll(f, "/rois/expected_responsive", H5T_NATIVE_DOUBLE, BA_NROIS, t->roi_expected_responsive));
  for (int r = 0; r < BA_NROIS; r++)
    PetscCheck(t->roi_expected_aligned[r] >= -1 && t->roi_expected_aligned[r] <= 1, PETSC_COMM_SELF, BA_ERR_INPUT,
               "%s: /rois/expected_aligned[%d] = %d is not -1, 0 or 1", path, r, t->roi_expected_aligned[r]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ReadTruth(BaH5File *f, const char *path, Truth *t)
{
  char hb[32], **name = NULL;
  PetscInt n, m;
  PetscBool known = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(BaH5AttrReadString(f, "/", "hierarchy_band", hb, sizeof(hb)));
  for (int b = 0; BaBandNames[b]; b++)
    if (!strcmp(hb, BaBandNames[b])) {
      t->hierarchy_band = b < BA_NBANDS ? b : -1;
      known             = PETSC_TRUE;
    }
  PetscCheck(known, PETSC_COMM_SELF, BA_ERR_INPUT, "%s: hierarchy_band '%s' is not a band name or 'none'", path, hb);
  PetscCall(BaH5ReadStrings(f, "/channels/patient", &n, &t->patient));
  t->nchannels = n;
  PetscCall(BaH5ReadStrings(f, "/channels/name", &m, &name));
  if (m != n) PetscCall(BaStringsFree(m, &name));
  PetscCheck(m == n, PETSC_COMM_SELF, BA_ERR_INPUT,
             "%s: /channels/name has %" PetscInt_FMT " entries, /channels/patient %" PetscInt_FMT, path, m, n);
  t->name = name;
  PetscCall(PetscMalloc1(n + 1, &t->planted_band));
  PetscCall(PetscMalloc1(n + 1, &t->planted_layer));
  PetscCall(BaH5ReadAll(f, "/channels/planted_band", H5T_NATIVE_INT, (hsize_t)n, t->planted_band));
  PetscCall(BaH5ReadAll(f, "/channels/planted_layer", H5T_NATIVE_INT, (hsize_t)n, t->planted_layer));
  for (PetscInt i = 0; i < n; i++)
    PetscCheck(t->planted_band[i] >= -1 && t->planted_band[i] < BA_NBANDS, PETSC_COMM_SELF, BA_ERR_INPUT,
               "%s: /channels/planted_band[%" PetscInt_FMT "] = %d is outside -1..%d", path, i, t->planted_band[i],
               BA_NBANDS - 1);
  PetscCall(ReadRois(f, path, t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TruthRead(const char *path, Truth *truth)
{
  BaH5File f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(truth, sizeof(*truth)));
  PetscCall(BaH5FileOpen(PETSC_COMM_SELF, path, "bandalign-truth", &f));
  ierr = ReadTruth(&f, path, truth);
  BaH5FileAbandon(&f);
  if (ierr) PetscCall(TruthDestroy(truth));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TruthDestroy(Truth *truth)
{
  PetscFunctionBegin;
  PetscCall(BaStringsFree(truth->nchannels, &truth->patient));
  PetscCall(BaStringsFree(truth->nchannels, &truth->name));
  PetscCall(PetscFree(truth->planted_band));
  PetscCall(PetscFree(truth->planted_layer));
  PetscCall(PetscFree(truth->area));
  PetscCall(PetscFree(truth->gain));
  PetscCall(PetscFree(truth->power_increase));
  PetscCall(PetscFree(truth->mni));
  PetscCall(PetscFree(truth->hierarchy));
  PetscCall(PetscFree(truth->course));
  PetscCall(PetscFree(truth->outer_layer));
  PetscCall(PetscMemzero(truth, sizeof(*truth)));
  PetscFunctionReturn(PETSC_SUCCESS);
}
