/* features.c: reading and writing bandalign-features files.
 *
 * A features file holds one row per channel in every dataset, so a rank that owns a
 * contiguous range of channels writes one hyperslab per dataset and block. Channel metadata
 * (names, patients, coordinates) is small and known to every rank, so it is written whole
 * from rank 0. */
#include <bandalign/atlas.h>
#include <bandalign/features.h>

static const char Format[] = "bandalign-features";

static PetscErrorCode RoiPath(int roi, const char *what, char *buf, size_t len)
{
  char name[64];

  PetscFunctionBegin;
  RoiName(roi, name, sizeof(name));
  PetscCall(PetscSNPrintf(buf, len, "/roi/%s/%s", name, what));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesCreate(const BaContext *ctx, const char *path, PetscInt nimages, char *const *image_name,
                              PetscInt nchannels, char *const *patient, char *const *channel_name, const double *mni,
                              Features *ff)
{
  hsize_t dims[2];
  char name[128];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ff, sizeof(*ff)));
  ff->nimages   = nimages;
  ff->nchannels = nchannels;
  PetscCall(BaH5FileCreate(ctx->comm, path, Format, &ff->file));
  PetscCall(BaH5WriteProvenance(&ff->file, ctx));
  PetscCall(BaH5WriteStrings(&ff->file, "/stimuli/name", nimages, image_name));
  PetscCall(BaH5WriteStrings(&ff->file, "/channels/patient", nchannels, patient));
  PetscCall(BaH5WriteStrings(&ff->file, "/channels/name", nchannels, channel_name));
  dims[0] = (hsize_t)nchannels;
  dims[1] = 3;
  PetscCall(BaH5WriteNew(&ff->file, "/channels/mni", H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, mni));
  PetscCall(BaH5CreateDataset(&ff->file, "/channels/n_artifacts", H5T_STD_I32LE, 1, dims));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    dims[1] = (hsize_t)nimages;
    PetscCall(RoiPath(roi, "feature", name, sizeof(name)));
    PetscCall(BaH5CreateDataset(&ff->file, name, H5T_IEEE_F32LE, 2, dims));
    PetscCall(RoiPath(roi, "responsive_p", name, sizeof(name)));
    PetscCall(BaH5CreateDataset(&ff->file, name, H5T_IEEE_F64LE, 1, dims));
    PetscCall(RoiPath(roi, "increase", name, sizeof(name)));
    PetscCall(BaH5CreateDataset(&ff->file, name, H5T_STD_U8LE, 1, dims));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesWriteBlock(Features *ff, PetscInt lo, const FeaturesBlock *b)
{
  const hsize_t a = (hsize_t)lo, z = (hsize_t)(lo + b->nrows);
  char name[128];

  PetscFunctionBegin;
  PetscCall(BaH5WriteRows(&ff->file, "/channels/n_artifacts", H5T_NATIVE_INT, a, z, b->n_artifacts));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(RoiPath(roi, "feature", name, sizeof(name)));
    PetscCall(
        BaH5WriteRows(&ff->file, name, H5T_NATIVE_FLOAT, a, z, b->feature + (size_t)roi * b->nrows * ff->nimages));
    PetscCall(RoiPath(roi, "responsive_p", name, sizeof(name)));
    PetscCall(BaH5WriteRows(&ff->file, name, H5T_NATIVE_DOUBLE, a, z, b->resp_p + (size_t)roi * b->nrows));
    PetscCall(RoiPath(roi, "increase", name, sizeof(name)));
    PetscCall(BaH5WriteRows(&ff->file, name, H5T_NATIVE_UINT8, a, z, b->increase + (size_t)roi * b->nrows));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesCommit(Features *ff)
{
  PetscFunctionBegin;
  PetscCall(BaH5FileCommit(&ff->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks that dataset name has the shape rows x cols (cols 0: one-dimensional). */
static PetscErrorCode CheckShape(Features *ff, const char *name, hsize_t rows, hsize_t cols)
{
  int nd;
  hsize_t dims[3];

  PetscFunctionBegin;
  PetscCall(BaH5DatasetShape(&ff->file, name, &nd, dims));
  PetscCheck(nd == (cols ? 2 : 1) && dims[0] == rows && (!cols || dims[1] == cols), ff->file.comm, BA_ERR_INPUT,
             "%s: %s has shape %llu%s%llu, expected %llu%s%llu", ff->file.path, name, (unsigned long long)dims[0],
             nd > 1 ? " x " : "", nd > 1 ? (unsigned long long)dims[1] : 0ULL, (unsigned long long)rows,
             cols ? " x " : "", (unsigned long long)cols);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* FeaturesOpen's work on ff, whose file is open; on error FeaturesOpen frees what it holds. */
static PetscErrorCode Load(MPI_Comm comm, const char *path, Features *ff)
{
  PetscInt n;
  char name[128], **patient;

  PetscFunctionBegin;
  PetscCall(BaH5ReadStrings(&ff->file, "/stimuli/name", &ff->nimages, &ff->image_name));
  PetscCall(BaH5ReadStrings(&ff->file, "/channels/name", &ff->nchannels, &ff->channel_name));
  PetscCall(BaH5ReadStrings(&ff->file, "/channels/patient", &n, &patient));
  if (n != ff->nchannels) PetscCall(BaStringsFree(n, &patient));
  PetscCheck(n == ff->nchannels, comm, BA_ERR_INPUT,
             "%s: /channels/patient has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, path, n, ff->nchannels);
  ff->patient = patient;
  PetscCheck(ff->nimages >= 3, comm, BA_ERR_INPUT, "%s: /stimuli/name lists %" PetscInt_FMT " images, need at least 3",
             path, ff->nimages);
  for (PetscInt i = 1; i < ff->nimages; i++)
    PetscCheck(strcmp(ff->image_name[i - 1], ff->image_name[i]) < 0, comm, BA_ERR_INPUT,
               "%s: /stimuli/name is not sorted and unique at '%s'", path, ff->image_name[i]);
  PetscCall(CheckShape(ff, "/channels/mni", (hsize_t)ff->nchannels, 3));
  PetscCall(PetscMalloc1(3 * ff->nchannels, &ff->mni));
  PetscCall(BaH5ReadAll(&ff->file, "/channels/mni", H5T_NATIVE_DOUBLE, (hsize_t)ff->nchannels * 3, ff->mni));
  PetscCall(MniCheck(comm, path, "/channels/mni", ff->nchannels, ff->mni, ff->channel_name, 0));
  PetscCall(PetscMalloc1(ff->nchannels, &ff->n_artifacts));
  PetscCall(BaH5ReadAll(&ff->file, "/channels/n_artifacts", H5T_NATIVE_INT, (hsize_t)ff->nchannels, ff->n_artifacts));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(RoiPath(roi, "feature", name, sizeof(name)));
    PetscCall(CheckShape(ff, name, (hsize_t)ff->nchannels, (hsize_t)ff->nimages));
    PetscCall(RoiPath(roi, "responsive_p", name, sizeof(name)));
    PetscCall(CheckShape(ff, name, (hsize_t)ff->nchannels, 0));
    PetscCall(RoiPath(roi, "increase", name, sizeof(name)));
    PetscCall(CheckShape(ff, name, (hsize_t)ff->nchannels, 0));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesOpen(MPI_Comm comm, const char *path, Features *ff)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ff, sizeof(*ff)));
  PetscCall(BaH5FileOpen(comm, path, Format, &ff->file));
  ierr = Load(comm, path, ff);
  if (ierr) PetscCall(FeaturesClose(ff)); /* nothing is left to the caller on error */
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesReadRoi(Features *ff, int roi, PetscInt lo, PetscInt hi, float *feature, double *resp_p,
                               uint8_t *increase)
{
  char name[128];

  PetscFunctionBegin;
  if (feature) {
    PetscCall(RoiPath(roi, "feature", name, sizeof(name)));
    PetscCall(BaH5ReadRows(&ff->file, name, H5T_NATIVE_FLOAT, (hsize_t)lo, (hsize_t)hi, feature));
  }
  if (resp_p) {
    PetscCall(RoiPath(roi, "responsive_p", name, sizeof(name)));
    PetscCall(BaH5ReadRows(&ff->file, name, H5T_NATIVE_DOUBLE, (hsize_t)lo, (hsize_t)hi, resp_p));
  }
  if (increase) {
    PetscCall(RoiPath(roi, "increase", name, sizeof(name)));
    PetscCall(BaH5ReadRows(&ff->file, name, H5T_NATIVE_UINT8, (hsize_t)lo, (hsize_t)hi, increase));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesClose(Features *ff)
{
  PetscFunctionBegin;
  BaH5FileAbandon(&ff->file);
  PetscCall(BaStringsFree(ff->nimages, &ff->image_name));
  PetscCall(BaStringsFree(ff->nchannels, &ff->patient));
  PetscCall(BaStringsFree(ff->nchannels, &ff->channel_name));
  PetscCall(PetscFree(ff->mni));
  PetscCall(PetscFree(ff->n_artifacts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesBlockCreate(PetscInt nrows, PetscInt nimages, FeaturesBlock *b)
{
  PetscFunctionBegin;
  b->nrows = nrows;
  PetscCall(PetscCalloc4((size_t)BA_NROIS * nrows * nimages + 1, &b->feature, (size_t)BA_NROIS * nrows + 1, &b->resp_p,
                         (size_t)BA_NROIS * nrows + 1, &b->increase, nrows + 1, &b->n_artifacts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode FeaturesBlockDestroy(FeaturesBlock *b)
{
  PetscFunctionBegin;
  PetscCall(PetscFree4(b->feature, b->resp_p, b->increase, b->n_artifacts));
  PetscFunctionReturn(PETSC_SUCCESS);
}
