/* preprocess driver for tests/t_preprocess.sh: reads epochs x[ntrials][n] and use flags
   from <dir>/pp_x.f64, <dir>/pp_use.f64, runs the preprocess module on them and writes raw
   float64 results next to them for tests/ref/preprocess.py to check against scipy.
   Usage: preprocess <dir> <ntrials> <n> <sfreq> <line_hz> */
#include <bandalign/preprocess.h>

static PetscErrorCode ReadF64(const char *dir, const char *name, size_t count, double *buf)
{
  char path[PETSC_MAX_PATH_LEN];
  FILE *fp;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", dir, name));
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  PetscCheck(fread(buf, sizeof(double), count, fp) == count, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: short", path);
  fclose(fp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteF64(const char *dir, const char *name, size_t count, const double *buf)
{
  char path[PETSC_MAX_PATH_LEN];
  FILE *fp;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", dir, name));
  fp = fopen(path, "wb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create", path);
  PetscCheck(fwrite(buf, sizeof(double), count, fp) == count, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: short", path);
  fclose(fp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  const char *dir;
  PetscInt ntrials, n;
  double sfreq, line_hz, *x, *d, *y, *work, *use_d, *flags, coef[2 * BA_MAX_NOTCH * 6 + 1];
  PetscBool *use, *art;
  Preprocess pp;
  const char *names[2] = {"pp_canonical.f64", "pp_kuzovkin2018.f64"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc == 6, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: preprocess dir ntrials n sfreq line_hz");
  dir     = argv[1];
  ntrials = atoi(argv[2]);
  n       = atoi(argv[3]);
  sfreq   = atof(argv[4]);
  line_hz = atof(argv[5]);
  PetscCall(PetscMalloc6(ntrials * n, &x, ntrials * n, &d, ntrials * n, &y, PreprocessNotchWorkSize(n), &work, ntrials,
                         &use_d, 2 * ntrials, &flags));
  PetscCall(PetscMalloc2(ntrials, &use, ntrials, &art));
  PetscCall(ReadF64(dir, "pp_x.f64", ntrials * n, x));
  PetscCall(ReadF64(dir, "pp_use.f64", ntrials, use_d));
  for (PetscInt t = 0; t < ntrials; t++)
    use[t] = use_d[t] != 0 ? PETSC_TRUE : PETSC_FALSE;

  PetscCall(PetscArraycpy(d, x, ntrials * n));
  for (PetscInt t = 0; t < ntrials; t++)
    PreprocessDetrend(n, d + t * n);
  PetscCall(WriteF64(dir, "pp_detrend.f64", ntrials * n, d));

  for (int p = 0; p < 2; p++) {
    PetscCall(PreprocessSetUp(&pp, (BaProtocol)p, sfreq, line_hz));
    PetscCall(PetscArraycpy(y, d, ntrials * n));
    for (PetscInt t = 0; t < ntrials; t++)
      PreprocessNotch(&pp, n, y + t * n, work);
    PetscCall(WriteF64(dir, names[p], ntrials * n, y));
    PreprocessArtifacts((BaProtocol)p, ntrials, n, d, use, art);
    for (PetscInt t = 0; t < ntrials; t++)
      flags[p * ntrials + t] = art[t] ? 1.0 : 0.0;
  }
  /* notch table: count, then per notch f, b[3], a[3] */
  coef[0] = pp.nnotch;
  for (int k = 0; k < pp.nnotch; k++) {
    coef[1 + 7 * k] = pp.notch_hz[k];
    for (int i = 0; i < 3; i++) {
      coef[2 + 7 * k + i] = pp.b[k][i];
      coef[5 + 7 * k + i] = pp.a[k][i];
    }
  }
  PetscCall(WriteF64(dir, "pp_notch.f64", 1 + 7 * pp.nnotch, coef));
  PetscCall(WriteF64(dir, "pp_artifacts.f64", 2 * ntrials, flags));
  PetscCall(PetscFree6(x, d, y, work, use_d, flags));
  PetscCall(PetscFree2(use, art));
  PetscCall(PetscFinalize());
  return 0;
}
