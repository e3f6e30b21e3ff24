/* test_atlas.c: the atlas module on a NIfTI-1 volume written here byte by byte, with a
   known affine (2 mm voxels, shifted origin) and a label that encodes the voxel, so every
   expected label follows from the header's definition; plus the random streams and
   stimuli of the simulator, which need no file. */
#include <bandalign/atlas.h>
#include <bandalign/sim.h>
#include <check.h>
#include <unistd.h>

#define NX 6
#define NY 5
#define NZ 4

static int Label(int i, int j, int k)
{
  return 1 + i + NX * j + NX * NY * k;
}

/* voxel (i, j, k) -> MNI (2i - 10, 2j - 20, 2k + 5) */
static void Mni(int i, int j, int k, double m[3])
{
  m[0] = 2.0 * i - 10;
  m[1] = 2.0 * j - 20;
  m[2] = 2.0 * k + 5;
}

static int WriteNifti(const char *path)
{
  unsigned char hdr[352] = {0}, data[NX * NY * NZ];
  int32_t sizeof_hdr     = 348;
  int16_t dim[8] = {3, NX, NY, NZ, 1, 1, 1, 1}, datatype = 2 /* DT_UINT8 */, bitpix = 8, sform_code = 4;
  float pixdim[8] = {1, 2, 2, 2, 1, 1, 1, 1}, vox_offset = 352, slope = 1, inter = 0;
  float srow[3][4] = {{2, 0, 0, -10}, {0, 2, 0, -20}, {0, 0, 2, 5}};
  FILE *f;

  memcpy(hdr + 0, &sizeof_hdr, 4);
  memcpy(hdr + 40, dim, 16);
  memcpy(hdr + 70, &datatype, 2);
  memcpy(hdr + 72, &bitpix, 2);
  memcpy(hdr + 76, pixdim, 32);
  memcpy(hdr + 108, &vox_offset, 4);
  memcpy(hdr + 112, &slope, 4);
  memcpy(hdr + 116, &inter, 4);
  memcpy(hdr + 254, &sform_code, 2);
  memcpy(hdr + 280, srow, 48);
  memcpy(hdr + 344, "n+1", 4);
  for (int k = 0; k < NZ; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++)
        data[(k * NY + j) * NX + i] = (unsigned char)Label(i, j, k);
  f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(hdr, 1, sizeof(hdr), f);
  fwrite(data, 1, sizeof(data), f);
  fclose(f);
  return 1;
}

int main(int argc, char **argv)
{
  char path[PETSC_MAX_PATH_LEN];
  const char *tmp = getenv("BA_TMP");
  Atlas atlas;
  int dims[3], voxel_ok = 1, label_ok = 1, round_ok = 1, next_ok = 1;
  PetscErrorCode ierr;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(16);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/atlas-test-%d.nii", tmp ? tmp : "/tmp", (int)getpid()));
  CHECK(WriteNifti(path), "wrote a %dx%dx%d NIfTI-1 label volume", NX, NY, NZ);
  PetscCall(AtlasOpen(path, &atlas));
  AtlasDims(atlas, dims);
  CHECK(dims[0] == NX && dims[1] == NY && dims[2] == NZ, "dimensions %d %d %d", dims[0], dims[1], dims[2]);
  for (int k = 0; k < NZ; k++)
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++) {
        double m[3], got[3], off[3];
        int v[3];
        Mni(i, j, k, m);
        AtlasVoxelToMni(atlas, i, j, k, got);
        AtlasMniToVoxel(atlas, m, v);
        if (got[0] != m[0] || got[1] != m[1] || got[2] != m[2] || v[0] != i || v[1] != j || v[2] != k) voxel_ok = 0;
        if (AtlasVoxelLabel(atlas, i, j, k) != Label(i, j, k) || AtlasLabel(atlas, m) != Label(i, j, k)) label_ok = 0;
        /* within half a mm the coordinate rounds to the voxel centre */
        off[0] = m[0] + 0.4, off[1] = m[1] - 0.4, off[2] = m[2] + 0.3;
        if (AtlasLabel(atlas, off) != Label(i, j, k)) round_ok = 0;
        /* 1.6 mm to the right rounds to 2 mm: the next voxel along i, or outside */
        off[0] = m[0] + 1.6, off[1] = m[1], off[2] = m[2];
        if (AtlasLabel(atlas, off) != (i + 1 < NX ? Label(i + 1, j, k) : 0)) next_ok = 0;
      }
  CHECK(voxel_ok, "voxel <-> MNI through the sform");
  CHECK(label_ok, "label at every voxel centre");
  CHECK(round_ok, "coordinates are rounded to whole mm before lookup");
  CHECK(next_ok, "a coordinate rounding into the next voxel takes its label, outside the volume 0");
  {
    const double far[3] = {100, 0, 0}, below[3] = {-12, -20, 5};
    CHECK(AtlasLabel(atlas, far) == 0 && AtlasLabel(atlas, below) == 0, "outside the volume the label is 0");
  }
  PetscCall(AtlasClose(&atlas));
  CHECK(atlas == NULL, "AtlasClose clears the handle");
  unlink(path);

  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = AtlasOpen("/nonexistent/atlas.nii.gz", &atlas);
  CHECK(ierr == PETSC_ERR_FILE_OPEN && atlas == NULL, "a missing atlas is a file-open error");
  PetscCall(PetscPopErrorHandler());

  CHECK(AtlasVentralIndex(17) == 0 && AtlasVentralIndex(18) == 1 && AtlasVentralIndex(19) == 2 &&
            AtlasVentralIndex(37) == 3 && AtlasVentralIndex(20) == 4 && AtlasVentralIndex(6) == -1 &&
            AtlasVentralIndex(0) == -1,
        "ventral stream order 17, 18, 19, 37, 20");

  /* simulator streams: counter-based, so the same key and counter give the same numbers and
     any other counter different ones; uniforms lie in (0, 1) with mean 1/2 */
  {
    SimRng a, b, c;
    int same = 1, differ = 0;
    double mean = 0, var = 0, nmean = 0, nvar = 0;
    const int n = 200000;
    SimRngInit(&a, 7, 3, 11, 5, SIM_STREAM_NOISE);
    SimRngInit(&b, 7, 3, 11, 5, SIM_STREAM_NOISE);
    SimRngInit(&c, 7, 3, 12, 5, SIM_STREAM_NOISE);
    for (int i = 0; i < 100; i++) {
      const double x = SimRngUniform(&a), y = SimRngUniform(&b), z = SimRngUniform(&c);
      same &= x == y;
      differ += x != z;
    }
    CHECK(same && differ == 100, "Philox streams repeat for one counter and differ for another");
    for (int i = 0; i < n; i++) {
      const double u = SimRngUniform(&a), g = SimRngNormal(&b);
      mean += u / n;
      var += (u - 0.5) * (u - 0.5) / n;
      nmean += g / n;
      nvar += g * g / n;
    }
    /* standard errors: 1/sqrt(12 n) for the uniform mean, 1/sqrt(n) and sqrt(2/n) for the normal */
    CHECK(fabs(mean - 0.5) < 5 / sqrt(12.0 * n) && fabs(var - 1.0 / 12) < 0.002, "uniforms: mean %.4f, variance %.5f",
          mean, var);
    CHECK(fabs(nmean) < 5 / sqrt((double)n) && fabs(nvar - 1) < 5 * sqrt(2.0 / n), "normals: mean %.4f, variance %.4f",
          nmean, nvar);
  }

  /* stimuli: 250 images are the study's, in its order, each shown once among the trials */
  {
    SimParams par = {0};
    SimStimuli st;
    int *seen, ok = 1, ntarget = 0, order_ok = 1;
    par.nimages      = 250;
    par.target_share = 0.04;
    PetscCall(SimStimuliCreate(&par, &st));
    PetscCall(PetscCalloc1(st.nimages, &seen));
    for (PetscInt t = 0, i = 0; t < st.ntrials; t++) {
      if (st.stimulus[t] < 0) {
        ntarget++;
        continue;
      }
      seen[st.stimulus[t]]++;
      if (strcmp(st.name[st.stimulus[t]], SimStudySequence[i++])) order_ok = 0;
    }
    for (PetscInt i = 0; i < st.nimages; i++)
      ok &= seen[i] == 1;
    for (PetscInt i = 1; i < st.nimages; i++)
      ok &= strcmp(st.name[i - 1], st.name[i]) < 0;
    CHECK(ok && order_ok, "250 images in name order, shown once each in the study's sequence");
    CHECK(ntarget == 10 && st.ntrials == 260, "4%% extra target trials (%d)", ntarget);
    CHECK(!strcmp(st.name[0], "AA01") && st.category[0] == 30 && !strcmp(st.name[50], "H01") && st.category[50] == 10 &&
              !strcmp(st.name[249], "V50") && st.category[249] == 20,
          "names and category codes as stimgroups.txt");
    PetscCall(PetscFree(seen));
    PetscCall(SimStimuliDestroy(&st));
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
