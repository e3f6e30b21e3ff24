/* test_network.c: bandalign-network files written from every rank, read back by column
 * blocks with independent I/O (each rank its own layers and its own number of reads, so a
 * hidden collective call would hang), RDM layers, and bad input.
 *
 * Runs alone or under mpirun (tests/t_network_mpi.sh runs it at 1, 2 and 3 ranks). Every
 * activation is an exact float, compared exactly; the RDM is built from a formula that is
 * symmetric with a zero diagonal by construction. Option: -dir D (default $BA_TMP or /tmp). */
#include <bandalign/comm.h>
#include <bandalign/network.h>
#include <bandalign/context.h>
#include <check.h>
#include <h5edit.h>
#include <unistd.h>

static PetscMPIInt rank, size;

#define NIMG    6
#define NLAYERS 4
static const char *Images[NIMG]      = {"im0.jpg", "im1.jpg", "im2.jpg", "im3.jpg", "im4.jpg", "im5.jpg"};
static const char *Layers[NLAYERS]   = {"pixels", "conv1", "conv2", "fc8"};
static const PetscInt Width[NLAYERS] = {37, 290400, 1000, 0}; /* fc8 is an RDM */

static float Act(int l, int i, PetscInt f)
{
  double v = ((l * 8.0 + i) * 4096.0 + (double)(f % 4096)) / 4.0 + (double)(f / 4096);
  return (float)(f % 3 == 1 ? -v : v);
}

static double Rdm(int i, int j)
{
  return i == j ? 0 : fabs((double)(i - j)) + 0.125 * (i + j);
}

static void Split(PetscInt n, PetscInt *lo, PetscInt *hi)
{
  *lo = n * rank / size;
  *hi = n * (rank + 1) / size;
}

/* Writes the network: pixels from rank 0, conv1 and conv2 by columns from every rank, fc8
   as an RDM. */
static PetscErrorCode WriteNetwork(const char *path)
{
  Network net;
  float *buf;
  double *rdm;
  PetscInt lo, hi;

  PetscFunctionBegin;
  PetscCall(NetworkCreate(PETSC_COMM_WORLD, path, NIMG, (char *const *)Images, NLAYERS, (char *const *)Layers, &net));
  PetscCall(PetscMalloc1(NIMG * Width[0], &buf));
  for (int i = 0; i < NIMG; i++)
    for (PetscInt f = 0; f < Width[0]; f++)
      buf[i * Width[0] + f] = Act(0, i, f);
  PetscCall(NetworkWriteActivations(&net, 0, Width[0], rank == 0 ? buf : NULL));
  PetscCall(PetscFree(buf));
  for (int l = 1; l <= 2; l++) {
    PetscCall(NetworkCreateActivations(&net, l, Width[l]));
    Split(Width[l], &lo, &hi);
    PetscCall(PetscMalloc1(NIMG * (hi - lo) + 1, &buf));
    for (int i = 0; i < NIMG; i++)
      for (PetscInt f = lo; f < hi; f++)
        buf[i * (hi - lo) + f - lo] = Act(l, i, f);
    PetscCall(NetworkWriteActivationColumns(&net, l, lo, hi, buf));
    PetscCall(PetscFree(buf));
  }
  PetscCall(PetscMalloc1(NIMG * NIMG, &rdm));
  for (int i = 0; i < NIMG; i++)
    for (int j = 0; j < NIMG; j++)
      rdm[i * NIMG + j] = Rdm(i, j);
  PetscCall(NetworkWriteRdm(&net, 3, rdm));
  PetscCall(PetscFree(rdm));
  PetscCall(NetworkCommit(&net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads layer l in blocks of `block` columns on this rank alone; 1 if every value matches. */
static PetscErrorCode ReadLayer(Network *net, int l, PetscInt block, int *ok)
{
  float *buf;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(NIMG * block, &buf));
  for (PetscInt c0 = 0; c0 < net->nfeatures[l]; c0 += block) {
    PetscInt c1 = PetscMin(c0 + block, net->nfeatures[l]);
    char err[BA_COMM_ERR_LEN];
    PetscCall(NetworkReadActivations(net, l, c0, c1, buf, err, sizeof(err)));
    *ok = *ok && !err[0];
    for (int i = 0; i < NIMG; i++)
      for (PetscInt f = c0; f < c1; f++)
        *ok = *ok && buf[i * (c1 - c0) + f - c0] == Act(l, i, f);
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CheckNetwork(const char *path)
{
  Network net;
  int meta, layers = 1, rdmok = 1, all;
  double *rdm;

  PetscFunctionBegin;
  PetscCall(NetworkOpen(PETSC_COMM_WORLD, path, &net));
  meta = net.nimages == NIMG && net.nlayers == NLAYERS;
  for (int i = 0; meta && i < NIMG; i++)
    meta = !strcmp(net.image_name[i], Images[i]);
  for (int l = 0; meta && l < NLAYERS; l++)
    meta = !strcmp(net.layer_name[l], Layers[l]) && net.has_rdm[l] == (Width[l] == 0) && net.nfeatures[l] == Width[l];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &meta, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) CHECK(meta, "network: image names, layer names in order, which layers are RDMs, widths");

  /* rank 0 reads pixels and conv2, rank 1 conv1 (290,400 wide, 4096 columns at a time),
     rank 2 conv2 twice with another block size; alone, one rank reads all three */
  if (size == 1 || rank == 0) {
    PetscCall(ReadLayer(&net, 0, 5, &layers));
    PetscCall(ReadLayer(&net, 2, 64, &layers));
  }
  if (size == 1 || rank == 1) PetscCall(ReadLayer(&net, 1, 4096, &layers));
  if (rank == 2) {
    PetscCall(ReadLayer(&net, 2, 999, &layers));
    PetscCall(ReadLayer(&net, 2, 1000, &layers));
  }
  all = layers;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) CHECK(all, "network: every activation, read by column blocks, each rank its own layers independently");

  PetscCall(PetscMalloc1(NIMG * NIMG, &rdm));
  {
    char err[BA_COMM_ERR_LEN];
    PetscCall(NetworkReadRdm(&net, 3, rdm, err, sizeof(err)));
    rdmok = !err[0];
  }
  for (int i = 0; i < NIMG; i++)
    for (int j = 0; j < NIMG; j++)
      rdmok = rdmok && rdm[i * NIMG + j] == Rdm(i, j);
  PetscCall(PetscFree(rdm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &rdmok, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) CHECK(rdmok, "network: the RDM layer on every rank");
  PetscCall(NetworkClose(&net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Expects NetworkOpen of path on every rank to fail with a message holding expect. */
static PetscErrorCode ExpectBad(const char *path, const char *label, const char *expect)
{
  Network net;
  PetscErrorCode ierr;
  const char *text;
  char *msg = NULL;
  int failed, named;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = NetworkOpen(PETSC_COMM_WORLD, path, &net);
  if (!ierr) NetworkClose(&net);
  PetscCall(PetscPopErrorHandler());
  if (ierr) PetscErrorMessage(ierr, &text, &msg);
  failed = ierr != 0;
  named  = failed && msg && strstr(msg, expect) != NULL;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &named, 1, MPI_INT, MPI_LAND, PETSC_COMM_WORLD));
  if (rank == 0) {
    CHECK(failed, "bad network %s: an error on every rank", label);
    CHECK(named, "bad network %s: message \"%s\" holds \"%s\"", label, msg ? msg : "(none)", expect);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A two-layer network of 4 images: layer a as activations [4, 3], layer b as the RDM rdm
   (NULL: b is left out); with both, b also gets activations. */
static PetscErrorCode WriteSmall(const char *path, char *const *images, const double *rdm, PetscBool both)
{
  Network net;
  const char *layers[2] = {"a", "b"};
  float acts[12];

  PetscFunctionBegin;
  for (int i = 0; i < 12; i++)
    acts[i] = (float)i;
  PetscCall(NetworkCreate(PETSC_COMM_WORLD, path, 4, images, 2, (char *const *)layers, &net));
  PetscCall(NetworkWriteActivations(&net, 0, 3, acts));
  if (rdm) PetscCall(NetworkWriteRdm(&net, 1, rdm));
  if (both) PetscCall(NetworkWriteActivations(&net, 1, 3, acts));
  PetscCall(NetworkCommit(&net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode BadInput(const char *dir, const char *good)
{
  char path[PETSC_MAX_PATH_LEN], expect[2 * PETSC_MAX_PATH_LEN];
  const char *images[4] = {"w", "x", "y", "z"};
  double rdm[16];

  PetscFunctionBegin;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      rdm[4 * i + j] = Rdm(i, j);

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/none.h5", dir));
  PetscCall(PetscSNPrintf(expect, sizeof(expect), "%s: cannot open", path));
  PetscCall(ExpectBad(path, "missing file", expect));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/neither.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, NULL, PETSC_FALSE));
  PetscCall(
      PetscSNPrintf(expect, sizeof(expect), "%s: layer 'b' has neither /layers/b/activations nor /layers/b/rdm", path));
  PetscCall(ExpectBad(path, "layer without data", expect));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/both.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, rdm, PETSC_TRUE));
  PetscCall(ExpectBad(path, "layer with both", "layer 'b' has both /layers/b/activations and /layers/b/rdm"));

  rdm[1 * 4 + 2] += 1e-6;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/asymmetric.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, rdm, PETSC_FALSE));
  PetscCall(ExpectBad(path, "asymmetric RDM", "/layers/b/rdm is not symmetric: [1, 2] = "));
  rdm[1 * 4 + 2] = Rdm(1, 2) * (1 + 1e-12); /* within 1e-9: accepted */
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/nearly.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, rdm, PETSC_FALSE));
  {
    Network net;
    PetscCall(NetworkOpen(PETSC_COMM_WORLD, path, &net));
    if (rank == 0) CHECK(net.has_rdm[1] && !net.has_rdm[0], "an RDM symmetric to 1e-12 relative is accepted");
    PetscCall(NetworkClose(&net));
  }
  rdm[1 * 4 + 2] = Rdm(1, 2);

  rdm[2 * 4 + 2] = 0.5;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/diagonal.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, rdm, PETSC_FALSE));
  PetscCall(ExpectBad(path, "RDM diagonal", "/layers/b/rdm has 0.5 on the diagonal at [2, 2], expected 0"));
  rdm[2 * 4 + 2] = 0;

  rdm[3 * 4 + 0] = rdm[0 * 4 + 3] = NAN;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/nan-rdm.h5", dir));
  PetscCall(WriteSmall(path, (char *const *)images, rdm, PETSC_FALSE));
  PetscCall(ExpectBad(path, "NaN in RDM", "/layers/b/rdm has a non-finite value at [0, 3]"));
  rdm[3 * 4 + 0] = rdm[0 * 4 + 3] = Rdm(0, 3);

  {
    const char *dup[4] = {"w", "x", "w", "z"};
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/dup.h5", dir));
    PetscCall(WriteSmall(path, (char *const *)dup, rdm, PETSC_FALSE));
    PetscCall(ExpectBad(path, "duplicate image", "/stimuli/name holds 'w' more than once"));
  }

  /* edits of the good file */
  {
    struct {
      const char *name, *label, *expect;
      Edit e;
    } cases[] = {
        {"rows.h5",
         "activations with a row short",
         "/layers/conv2/activations has 5 rows, expected 6",
         {EDIT_RESHAPE, "/layers/conv2/activations", NULL, {0}, 0, NULL, {5, 1000, 0}}},
        {"rdm-shape.h5",
         "RDM not square",
         "/layers/fc8/rdm has 5 columns, expected 6",
         {EDIT_RESHAPE, "/layers/fc8/rdm", NULL, {0}, 0, NULL, {6, 5, 0}}},
        {"acts-3d.h5",
         "activations in 3 dimensions",
         "/layers/pixels/activations has 3 dimensions, expected 2",
         {EDIT_RESHAPE, "/layers/pixels/activations", NULL, {0}, 0, NULL, {6, 37, 1}}},
        {"format.h5",
         "wrong format",
         "format is 'bandalign-dataset', expected 'bandalign-network'",
         {EDIT_ATTR_STRING, "/", "format", {0}, 0, "bandalign-dataset", {0}}},
        {"no-layers.h5",
         "no /layers/name",
         "missing dataset /layers/name",
         {EDIT_DELETE, "/layers/name", NULL, {0}, 0, NULL, {0}}},
        {"no-stimuli.h5",
         "no /stimuli/name",
         "missing dataset /stimuli/name",
         {EDIT_DELETE, "/stimuli", NULL, {0}, 0, NULL, {0}}},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
      int made = 1;
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, cases[k].name));
      if (rank == 0) made = CopyFile(good, path) && ApplyEdit(path, &cases[k].e);
      PetscCallMPI(MPI_Bcast(&made, 1, MPI_INT, 0, PETSC_COMM_WORLD));
      if (rank == 0) CHECK(made, "made %s", cases[k].name);
      PetscCall(ExpectBad(path, cases[k].label, cases[k].expect));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  char dir[PETSC_MAX_PATH_LEN] = "", good[PETSC_MAX_PATH_LEN];
  PetscBool own;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (rank == 0) CheckPlan(36); /* rank 0 checks */
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  own = dir[0] ? PETSC_FALSE : PETSC_TRUE;
  if (own) {
    if (rank == 0) {
      const char *base = getenv("BA_TMP");
      PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/test_network.XXXXXX", base ? base : "/tmp"));
      if (!mkdtemp(dir)) dir[0] = 0;
    }
    PetscCallMPI(MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, PETSC_COMM_WORLD));
    PetscCheck(dir[0], PETSC_COMM_WORLD, PETSC_ERR_FILE_OPEN, "cannot make a temporary folder");
  }
  PetscCall(PetscSNPrintf(good, sizeof(good), "%s/network.h5", dir));
  PetscCall(WriteNetwork(good));
  PetscCall(CheckNetwork(good));
  PetscCall(BadInput(dir, good));
  if (own) {
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    if (rank == 0) {
      char cmd[PETSC_MAX_PATH_LEN + 16];
      PetscCall(PetscSNPrintf(cmd, sizeof(cmd), "rm -rf '%s'", dir));
      if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    }
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
