/* matwrite.c: writes a small copy of the study's per-ROI MATLAB files with matio.
 *   matwrite DIR
 * DIR/<roi folder>/<patient>.mat for 15 ROI folders (even ROIs named like bandalign's
 * "<band>_<t0>_<t1>", odd ones like the study's "mean<band>_LFP_5c_artif_bipolar_BA_w<t0>_
 * <band>_resppositive") plus one unrelated folder. Each file holds the struct s with
 * data [12 images x channels] (rows in the file's own s.stimseq order), stimseq (cell),
 * stimgroups, name, and probes {rod_names (cell), probe_ids, mni, areas}. Patients P01
 * and P03 have named contacts; P02's probes have no names. Each ROI holds a different
 * subset of a patient's channels; P03 has no file in ROI 4 and P02 an empty one in ROI 7.
 * Values are deterministic; the test reads them back with scipy.io.loadmat. The files are
 * not compressed: matio 1.5.23 cannot read back the nested structs of its own compressed
 * output (the test recompresses some files with scipy, as MATLAB's default v7 format). */
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>

#define NIMG  12
#define NPOOL 5

static const char *Bands[]      = {"theta", "alpha", "beta", "lowgamma", "highgamma"};
static const int T0[]           = {50, 150, 250};
static const char *Images[NIMG] = {"AA01", "AA02", "H01", "H02", "SCEE01", "SCEE02",
                                   "T01",  "T02",  "V01", "V02", "V03",    "H03"};
static const int Groups[NIMG]   = {30, 30, 10, 10, 40, 40, 50, 50, 20, 20, 20, 10};
static const char *Rods[NPOOL]  = {"A", "A", "B'", "B'", "OF"};
static const int Ids[NPOOL]     = {1, 2, 5, 6, 10};

static matvar_t *Str(const char *name, const char *s)
{
  size_t dims[2] = {1, strlen(s)};
  return Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT8, 2, dims, (void *)s, 0);
}

static matvar_t *Num(const char *name, size_t rows, size_t cols, const double *x)
{
  size_t dims[2] = {rows, cols};
  return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, (void *)x, 0);
}

static matvar_t *Cell(const char *name, size_t n, const char *const *s)
{
  size_t dims[2] = {n, 1};
  matvar_t *c    = Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
  for (size_t i = 0; i < n; i++)
    Mat_VarSetCell(c, (int)i, Str(NULL, s[i]));
  return c;
}

static int WriteFile(const char *path, int p, int roi, int nch, const int *ch)
{
  const char *fields[] = {"name", "data", "stimseq", "stimgroups", "probes"};
  const char *pf[]     = {"rod_names", "probe_ids", "mni", "areas"};
  size_t one[2]        = {1, 1};
  const char *seq[NIMG], *rods[NPOOL];
  double groups[NIMG], data[NIMG * NPOOL], ids[NPOOL], mni[NPOOL * 3], areas[NPOOL];
  int order[NIMG];
  char pname[8];
  matvar_t *s, *probes;
  mat_t *mat;

  snprintf(pname, sizeof(pname), "P%02d", p + 1);
  /* the file's own image order: a rotation and reflection that depend on patient and ROI */
  for (int i = 0; i < NIMG; i++)
    order[i] = ((roi + p) % 2 ? NIMG - 1 - i : i + 5 * p + roi) % NIMG;
  for (int i = 0; i < NIMG; i++) {
    seq[i]    = Images[order[i]];
    groups[i] = Groups[order[i]];
  }
  for (int k = 0; k < nch; k++) {
    const int c = ch[k];
    rods[k]     = Rods[c];
    ids[k]      = Ids[c];
    areas[k]    = 17 + c;
    for (int d = 0; d < 3; d++)
      mni[k + d * nch] = -40.0 + 7.25 * c + 3.5 * d + 100.0 * p;
    for (int i = 0; i < NIMG; i++) /* column-major [image x channel] */
      data[i + k * NIMG] = 1.0 + 0.5 * sin(1.0 + 0.37 * order[i] + 1.1 * c + 0.13 * roi + 2.9 * p);
  }
  s      = Mat_VarCreateStruct("s", 2, one, fields, 5);
  probes = Mat_VarCreateStruct("probes", 2, one, p == 1 ? pf + 2 : pf, p == 1 ? 2 : 4);
  if (p != 1) {
    Mat_VarSetStructFieldByName(probes, "rod_names", 0, Cell(NULL, (size_t)nch, rods));
    Mat_VarSetStructFieldByName(probes, "probe_ids", 0, Num(NULL, (size_t)nch, 1, ids));
  }
  Mat_VarSetStructFieldByName(probes, "mni", 0, Num(NULL, (size_t)nch, 3, mni));
  Mat_VarSetStructFieldByName(probes, "areas", 0, Num(NULL, (size_t)nch, 1, areas));
  Mat_VarSetStructFieldByName(s, "name", 0, Str(NULL, pname));
  Mat_VarSetStructFieldByName(s, "data", 0, Num(NULL, NIMG, (size_t)nch, data));
  Mat_VarSetStructFieldByName(s, "stimseq", 0, Cell(NULL, NIMG, seq));
  Mat_VarSetStructFieldByName(s, "stimgroups", 0, Num(NULL, NIMG, 1, groups));
  Mat_VarSetStructFieldByName(s, "probes", 0, probes);
  mat = Mat_CreateVer(path, NULL, MAT_FT_MAT5);
  if (!mat || Mat_VarWrite(mat, s, MAT_COMPRESSION_NONE)) {
    fprintf(stderr, "matwrite: cannot write %s\n", path);
    return 1;
  }
  Mat_Close(mat);
  Mat_VarFree(s);
  return 0;
}

int main(int argc, char **argv)
{
  char dir[4096], path[4200];

  if (argc != 2) {
    fprintf(stderr, "usage: matwrite DIR\n");
    return 2;
  }
  mkdir(argv[1], 0755);
  snprintf(dir, sizeof(dir), "%s/LFP_8c_artif_bipolar_BA_responsive", argv[1]);
  mkdir(dir, 0755);
  for (int roi = 0; roi < 15; roi++) {
    const char *band = Bands[roi / 3];
    const int t0 = T0[roi % 3], t1 = t0 + 200;
    if (roi % 2 == 0)
      snprintf(dir, sizeof(dir), "%s/%s_%d_%d", argv[1], band, t0, t1);
    else
      snprintf(dir, sizeof(dir), "%s/mean%s_LFP_5c_artif_bipolar_BA_w%d_%s_resppositive", argv[1], band, t0, band);
    mkdir(dir, 0755);
    for (int p = 0; p < 3; p++) {
      int ch[NPOOL], n = 0;
      if (p == 2 && roi == 4) continue;
      for (int c = 0; c < NPOOL; c++)
        if ((c + roi + p) % 3 != 0 && !(p == 1 && roi == 7)) ch[n++] = c;
      snprintf(path, sizeof(path), "%s/P%02d.mat", dir, p + 1);
      if (WriteFile(path, p, roi, n, ch)) return 1;
    }
  }
  return 0;
}
