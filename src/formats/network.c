/* network.c: bandalign-network files: layer activations or RDMs of the images.
 *
 * Layers are the one large object in the file (conv1 of an AlexNet is 290,400 values per
 * image), and the RSA stage splits them by feature columns across ranks, each rank at its
 * own pace. So activations are read with independent I/O, a column block at a time, and
 * nothing after NetworkOpen needs the other ranks: the file is opened for reading only, so
 * opening a dataset changes no metadata and needs no collective call.
 *
 * RDM layers are small (nimages^2) and are checked in full at open on every rank, so a bad
 * RDM is one error on the file's communicator. Activations are not scanned at open: that
 * would read the whole network twice.
 *
 * A file in rsatoolbox's RDMs layout (rsatoolbox.c) is read as a network whose layers are
 * all RDMs; it has no format attribute, so the file is first opened without the check. */
#include <bandalign/network.h>
#include <bandalign/context.h>
#include <bandalign/rsatoolbox.h>
#include <math.h>

static int CompareStrings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks that names holds n distinct strings; what names the dataset in the message. */
static PetscErrorCode CheckUnique(BaH5File *f, const char *what, PetscInt n, char **names)
{
  char **sorted, dup[256] = "";

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n + 1, &sorted));
  for (PetscInt i = 0; i < n; i++)
    sorted[i] = names[i];
  qsort(sorted, (size_t)n, sizeof(char *), CompareStrings);
  for (PetscInt i = 1; i < n && !dup[0]; i++)
    if (!strcmp(sorted[i - 1], sorted[i])) PetscCall(PetscStrncpy(dup, sorted[i], sizeof(dup)));
  PetscCall(PetscFree(sorted));
  PetscCheck(!dup[0], f->comm, BA_ERR_INPUT, "%s: %s holds '%s' more than once", f->path, what, dup);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A layer name is a group under /layers, next to the dataset /layers/name. */
static PetscBool LayerNameValid(const char *name)
{
  return name[0] && !strchr(name, '/') && strcmp(name, "name") && strcmp(name, ".") && strcmp(name, "..") ? PETSC_TRUE
                                                                                                          : PETSC_FALSE;
}

/* Checks an RDM: finite, zero diagonal, symmetric. */
static PetscErrorCode CheckRdm(BaH5File *f, const char *name, PetscInt n, const double *d)
{
  double big = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++) {
      double v = d[i * n + j];
      PetscCheck(isfinite(v), f->comm, BA_ERR_INPUT,
                 "%s: %s has a non-finite value at [%" PetscInt_FMT ", %" PetscInt_FMT "]", f->path, name, i, j);
      big = PetscMax(big, fabs(v));
    }
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(fabs(d[i * n + i]) <= 1e-9 * big, f->comm, BA_ERR_INPUT,
               "%s: %s has %g on the diagonal at [%" PetscInt_FMT ", %" PetscInt_FMT "], expected 0", f->path, name,
               d[i * n + i], i, i);
    for (PetscInt j = i + 1; j < n; j++) {
      double a = d[i * n + j], b = d[j * n + i];
      PetscCheck(fabs(a - b) <= 1e-9 * PetscMax(fabs(a), fabs(b)), f->comm, BA_ERR_INPUT,
                 "%s: %s is not symmetric: [%" PetscInt_FMT ", %" PetscInt_FMT "] = %.17g but [%" PetscInt_FMT
                 ", %" PetscInt_FMT "] = %.17g",
                 f->path, name, i, j, a, j, i, b);
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Checks layer l: exactly one of activations and rdm, of the right shape and type. */
static PetscErrorCode CheckLayer(Network *net, PetscInt l, double **rdm)
{
  BaH5File *f = &net->file;
  char acts[320], rname[320];
  PetscBool has_acts, has_rdm;
  int nd;
  hsize_t dims[3];
  H5T_class_t cls;
  const char *name;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(acts, sizeof(acts), "/layers/%s/activations", net->layer_name[l]));
  PetscCall(PetscSNPrintf(rname, sizeof(rname), "/layers/%s/rdm", net->layer_name[l]));
  PetscCall(BaH5Exists(f, acts, &has_acts));
  PetscCall(BaH5Exists(f, rname, &has_rdm));
  PetscCheck(has_acts || has_rdm, f->comm, BA_ERR_INPUT, "%s: layer '%s' has neither %s nor %s", f->path,
             net->layer_name[l], acts, rname);
  PetscCheck(!(has_acts && has_rdm), f->comm, BA_ERR_INPUT, "%s: layer '%s' has both %s and %s", f->path,
             net->layer_name[l], acts, rname);
  name = has_rdm ? rname : acts;
  PetscCall(BaH5DatasetShape(f, name, &nd, dims));
  PetscCheck(nd == 2, f->comm, BA_ERR_INPUT, "%s: %s has %d dimensions, expected 2", f->path, name, nd);
  PetscCall(BaH5DatasetClass(f, name, &cls));
  PetscCheck(cls == H5T_FLOAT, f->comm, BA_ERR_INPUT, "%s: %s must hold floating-point numbers", f->path, name);
  PetscCheck(dims[0] == (hsize_t)net->nimages, f->comm, BA_ERR_INPUT,
             "%s: %s has %llu rows, expected %" PetscInt_FMT " (names in /stimuli/name)", f->path, name,
             (unsigned long long)dims[0], net->nimages);
  net->has_rdm[l] = has_rdm;
  if (has_rdm) {
    PetscCheck(dims[1] == (hsize_t)net->nimages, f->comm, BA_ERR_INPUT,
               "%s: %s has %llu columns, expected %" PetscInt_FMT " (names in /stimuli/name)", f->path, name,
               (unsigned long long)dims[1], net->nimages);
    if (!*rdm) PetscCall(PetscMalloc1((size_t)net->nimages * net->nimages, rdm));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)net->nimages * net->nimages, *rdm));
    PetscCall(CheckRdm(f, name, net->nimages, *rdm));
  } else {
    PetscCheck(dims[1] > 0 && dims[1] <= PETSC_MAX_INT, f->comm, BA_ERR_INPUT, "%s: %s has %llu columns (features)",
               f->path, name, (unsigned long long)dims[1]);
    net->nfeatures[l] = (PetscInt)dims[1];
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Load(Network *net, double **rdm)
{
  BaH5File *f = &net->file;

  PetscFunctionBegin;
  PetscCall(BaH5ReadStrings(f, "/stimuli/name", &net->nimages, &net->image_name));
  PetscCheck(net->nimages > 0, f->comm, BA_ERR_INPUT, "%s: /stimuli/name is empty", f->path);
  PetscCall(CheckUnique(f, "/stimuli/name", net->nimages, net->image_name));
  PetscCall(BaH5ReadStrings(f, "/layers/name", &net->nlayers, &net->layer_name));
  PetscCheck(net->nlayers > 0, f->comm, BA_ERR_INPUT, "%s: /layers/name is empty", f->path);
  PetscCall(CheckUnique(f, "/layers/name", net->nlayers, net->layer_name));
  for (PetscInt l = 0; l < net->nlayers; l++)
    PetscCheck(LayerNameValid(net->layer_name[l]), f->comm, BA_ERR_INPUT,
               "%s: /layers/name[%" PetscInt_FMT "] '%s' cannot name a group under /layers", f->path, l,
               net->layer_name[l]);
  PetscCall(PetscCalloc1(net->nlayers, &net->has_rdm));
  PetscCall(PetscCalloc1(net->nlayers, &net->nfeatures));
  for (PetscInt l = 0; l < net->nlayers; l++)
    PetscCall(CheckLayer(net, l, rdm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* An rsatoolbox RDMs file: every RDM a layer (checked in full by RsatoolboxReadInfo). */
static PetscErrorCode LoadRsatoolbox(Network *net)
{
  RsatoolboxInfo info;

  PetscFunctionBegin;
  PetscCall(RsatoolboxReadInfo(&net->file, &info));
  net->nimages    = info.ncond;
  net->image_name = info.cond_name;
  net->nlayers    = info.nrdm;
  net->layer_name = info.rdm_name;
  PetscCall(PetscStrncpy(net->measure, info.measure, sizeof(net->measure)));
  PetscCall(PetscMalloc1(net->nlayers, &net->has_rdm));
  PetscCall(PetscCalloc1(net->nlayers, &net->nfeatures));
  for (PetscInt l = 0; l < net->nlayers; l++)
    net->has_rdm[l] = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FreeMetadata(Network *net)
{
  PetscFunctionBegin;
  PetscCall(BaStringsFree(net->nimages, &net->image_name));
  PetscCall(BaStringsFree(net->nlayers, &net->layer_name));
  PetscCall(PetscFree(net->has_rdm));
  PetscCall(PetscFree(net->nfeatures));
  net->nimages = net->nlayers = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkOpen(MPI_Comm comm, const char *path, Network *net)
{
  PetscErrorCode ierr;
  double *rdm = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(net, sizeof(*net)));
  /* an rsatoolbox file has no format attribute: look before checking it */
  ierr = BaH5FileOpen(comm, path, NULL, &net->file);
  if (!ierr) ierr = RsatoolboxDetect(&net->file, &net->rsatoolbox);
  if (!ierr && !net->rsatoolbox) {
    BaH5FileAbandon(&net->file);
    ierr = BaH5FileOpen(comm, path, "bandalign-network", &net->file);
  }
  if (!ierr) ierr = net->rsatoolbox ? LoadRsatoolbox(net) : Load(net, &rdm);
  PetscCall(PetscFree(rdm));
  if (ierr) {
    PetscCall(FreeMetadata(net));
    BaH5FileAbandon(&net->file);
  }
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkReadActivations(Network *net, PetscInt l, PetscInt c0, PetscInt c1, float *buf, char *err,
                                      size_t errlen)
{
  BaH5File *f = &net->file;
  char name[320];
  hid_t dset, fspace, mspace;
  hsize_t start[2] = {0, (hsize_t)c0}, count[2] = {(hsize_t)net->nimages, (hsize_t)(c1 - c0)};

  PetscFunctionBegin;
  err[0] = 0;
  PetscCheck(l >= 0 && l < net->nlayers && !net->has_rdm[l], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "layer %" PetscInt_FMT " is not an activation layer of %s", l, f->path);
  if (c0 == c1) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(c0 >= 0 && c0 <= c1 && c1 <= net->nfeatures[l], PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "columns [%" PetscInt_FMT ", %" PetscInt_FMT ") outside [0, %" PetscInt_FMT ") of layer %s", c0, c1,
             net->nfeatures[l], net->layer_name[l]);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/activations", net->layer_name[l]));
  BaCallH5(dset = H5Dopen2(f->id, name, H5P_DEFAULT), f->path);
  BaCallH5(fspace = H5Dget_space(dset), f->path);
  BaCallH5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL), f->path);
  BaCallH5(mspace = H5Screate_simple(2, count, NULL), f->path);
  if (H5Dread(dset, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, buf) < 0)
    snprintf(err, errlen,
             "%s: cannot read columns %" PetscInt_FMT " to %" PetscInt_FMT " of %s (is the file truncated or corrupt?)",
             f->path, c0, c1 - 1, name);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkReadRdm(Network *net, PetscInt l, double *rdm, char *err, size_t errlen)
{
  char name[320];

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < net->nlayers && net->has_rdm[l], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "layer %" PetscInt_FMT " is not an RDM layer of %s", l, net->file.path);
  if (net->rsatoolbox) {
    PetscCall(RsatoolboxReadRdm(&net->file, net->nimages, l, rdm, err, errlen));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/rdm", net->layer_name[l]));
  /* rows of the [nimages][nimages] dataset whose shape NetworkOpen checked */
  PetscCall(BaH5ReadRowsIndependent(&net->file, name, H5T_NATIVE_DOUBLE, 0, (hsize_t)net->nimages, rdm, err, errlen));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkClose(Network *net)
{
  PetscFunctionBegin;
  PetscCall(FreeMetadata(net));
  if (net->file.writing)
    BaH5FileAbandon(&net->file);
  else if (net->file.id >= 0 && net->file.id != 0)
    PetscCall(BaH5FileCommit(&net->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkCreate(MPI_Comm comm, const char *path, PetscInt nimages, char *const *image_name,
                             PetscInt nlayers, char *const *layer_name, Network *net)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(net, sizeof(*net)));
  for (PetscInt l = 0; l < nlayers; l++) {
    PetscCheck(LayerNameValid(layer_name[l]), comm, PETSC_ERR_ARG_WRONG,
               "layer name '%s' cannot name a group under /layers", layer_name[l]);
    for (PetscInt k = 0; k < l; k++)
      PetscCheck(strcmp(layer_name[k], layer_name[l]), comm, PETSC_ERR_ARG_WRONG, "layer name '%s' given twice",
                 layer_name[l]);
  }
  PetscCall(BaH5FileCreate(comm, path, "bandalign-network", &net->file));
  net->nimages = nimages;
  net->nlayers = nlayers;
  PetscCall(PetscCalloc1(nlayers + 1, &net->layer_name));
  for (PetscInt l = 0; l < nlayers; l++)
    PetscCall(PetscStrallocpy(layer_name[l], &net->layer_name[l]));
  PetscCall(PetscCalloc1(nlayers, &net->has_rdm));
  PetscCall(PetscCalloc1(nlayers, &net->nfeatures));
  PetscCall(BaH5CreateGroups(&net->file, "/layers"));
  PetscCall(BaH5WriteStrings(&net->file, "/stimuli/name", nimages, image_name));
  PetscCall(BaH5WriteStrings(&net->file, "/layers/name", nlayers, layer_name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkCreateActivations(Network *net, PetscInt l, PetscInt nfeatures)
{
  char name[320];
  hsize_t dims[2] = {(hsize_t)net->nimages, (hsize_t)nfeatures};

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < net->nlayers, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "layer %" PetscInt_FMT " out of range", l);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/activations", net->layer_name[l]));
  PetscCall(BaH5CreateDataset(&net->file, name, H5T_IEEE_F32LE, 2, dims));
  net->nfeatures[l] = nfeatures;
  net->has_rdm[l]   = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkWriteActivationColumns(Network *net, PetscInt l, PetscInt c0, PetscInt c1, const float *buf)
{
  BaH5File *f = &net->file;
  char name[320];
  hid_t dset, fspace, mspace, dxpl;
  hsize_t start[2] = {0, (hsize_t)c0}, count[2] = {(hsize_t)net->nimages, (hsize_t)(c1 - c0)};

  PetscFunctionBegin;
  if (c0 == c1) c0 = c1 = 0; /* an empty range may lie anywhere */
  PetscCheck(l >= 0 && l < net->nlayers && c0 >= 0 && c0 <= c1 && c1 <= net->nfeatures[l], PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE,
             "columns [%" PetscInt_FMT ", %" PetscInt_FMT ") of layer %" PetscInt_FMT " out of range", c0, c1, l);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/activations", net->layer_name[l]));
  BaCallH5(dset = H5Dopen2(f->id, name, H5P_DEFAULT), f->path);
  BaCallH5(fspace = H5Dget_space(dset), f->path);
  if (c1 > c0) {
    BaCallH5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL), f->path);
    BaCallH5(mspace = H5Screate_simple(2, count, NULL), f->path);
  } else {
    count[1] = 1;
    BaCallH5(H5Sselect_none(fspace), f->path);
    BaCallH5(mspace = H5Screate_simple(2, count, NULL), f->path);
    BaCallH5(H5Sselect_none(mspace), f->path);
  }
  BaCallH5(dxpl = H5Pcreate(H5P_DATASET_XFER), f->path);
  BaCallH5(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), f->path);
  BaCallH5(H5Dwrite(dset, H5T_NATIVE_FLOAT, mspace, fspace, dxpl, buf), f->path);
  H5Pclose(dxpl);
  H5Sclose(mspace);
  H5Sclose(fspace);
  H5Dclose(dset);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkWriteActivations(Network *net, PetscInt l, PetscInt nfeatures, const float *acts)
{
  char name[320];

  PetscFunctionBegin;
  PetscCall(NetworkCreateActivations(net, l, nfeatures));
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/activations", net->layer_name[l]));
  PetscCall(BaH5WriteAll(&net->file, name, H5T_NATIVE_FLOAT, acts));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkWriteRdm(Network *net, PetscInt l, const double *rdm)
{
  char name[320];
  hsize_t dims[2] = {(hsize_t)net->nimages, (hsize_t)net->nimages};

  PetscFunctionBegin;
  PetscCheck(l >= 0 && l < net->nlayers, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "layer %" PetscInt_FMT " out of range", l);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/layers/%s/rdm", net->layer_name[l]));
  PetscCall(BaH5WriteNew(&net->file, name, H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, rdm));
  net->has_rdm[l] = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode NetworkCommit(Network *net)
{
  PetscFunctionBegin;
  PetscCall(BaH5FileCommit(&net->file));
  PetscCall(FreeMetadata(net));
  PetscFunctionReturn(PETSC_SUCCESS);
}
