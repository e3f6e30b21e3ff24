/* spectral driver for tests/t_spectral.sh: reads epochs x[nepochs][n] from <dir>/sp_x.f64,
   writes the analysis frequencies (sp_freqs.f64: hz, n_cycles pairs), the sample ranges
   (sp_ranges.f64: base_lo, base_hi, then lo, hi of each window), the full power
   (sp_power.f64: [nepochs][nfreq][n]) and the window sums (sp_sums.f64:
   [nepochs][nfreq][BA_NSUMS]) for tests/ref/spectral.py to check against MNE.
   Usage: spectral <dir> <nepochs> <n> <sfreq> <onset> */
#include <bandalign/spectral.h>

static PetscErrorCode FileF64(const char *dir, const char *name, const char *mode, size_t count, double *buf)
{
  char path[PETSC_MAX_PATH_LEN];
  FILE *fp;
  size_t got;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", dir, name));
  fp = fopen(path, mode);
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  got = mode[0] == 'r' ? fread(buf, sizeof(double), count, fp) : fwrite(buf, sizeof(double), count, fp);
  PetscCheck(got == count, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: short transfer", path);
  fclose(fp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  const char *dir;
  PetscInt ne, n, onset;
  double sfreq, *x, *power, *sums, *bins, *bins0, fr[2 * BA_MAX_FREQS], rg[2 * BA_NSUMS];
  BaFrequencies freqs;
  BaSampleRanges r;
  Spectral sp, sp0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc == 6, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: spectral dir nepochs n sfreq onset");
  dir   = argv[1];
  ne    = atoi(argv[2]);
  n     = atoi(argv[3]);
  sfreq = atof(argv[4]);
  onset = atoi(argv[5]);
  RoiFrequencies(&freqs);
  PetscCall(RoiSampleRanges(sfreq, onset, n, BA_PROTOCOL_CANONICAL, &r));
  PetscCall(SpectralCreate(sfreq, n, &freqs, &r, BA_SPECTRAL_TOL, &sp));
  PetscCall(SpectralCreate(sfreq, n, &freqs, &r, 0.0, &sp0));
  PetscCall(PetscMalloc5(ne * n, &x, ne * freqs.nfreq * n, &power, ne * freqs.nfreq * BA_NSUMS, &sums,
                         ne * BA_NBINS * BA_NSUMS, &bins, ne * BA_NBINS * BA_NSUMS, &bins0));
  PetscCall(FileF64(dir, "sp_x.f64", "rb", ne * n, x));
  for (PetscInt e = 0; e < ne; e++) {
    PetscCall(SpectralPower(sp, x + e * n, power + e * freqs.nfreq * n));
    PetscCall(SpectralWindowSums(sp, x + e * n, sums + e * freqs.nfreq * BA_NSUMS));
    PetscCall(SpectralBinSums(sp, x + e * n, bins + e * BA_NBINS * BA_NSUMS));
    PetscCall(SpectralBinSums(sp0, x + e * n, bins0 + e * BA_NBINS * BA_NSUMS));
  }
  for (int k = 0; k < freqs.nfreq; k++) {
    fr[2 * k]     = freqs.hz[k];
    fr[2 * k + 1] = freqs.n_cycles[k];
  }
  rg[0] = r.base_lo;
  rg[1] = r.base_hi;
  for (int w = 0; w < BA_NWINDOWS; w++) {
    rg[2 + 2 * w] = r.win_lo[w];
    rg[3 + 2 * w] = r.win_hi[w];
  }
  PetscCall(FileF64(dir, "sp_freqs.f64", "wb", 2 * freqs.nfreq, fr));
  PetscCall(FileF64(dir, "sp_ranges.f64", "wb", 2 * BA_NSUMS, rg));
  PetscCall(FileF64(dir, "sp_power.f64", "wb", ne * freqs.nfreq * n, power));
  PetscCall(FileF64(dir, "sp_sums.f64", "wb", ne * freqs.nfreq * BA_NSUMS, sums));
  PetscCall(FileF64(dir, "sp_bins.f64", "wb", ne * BA_NBINS * BA_NSUMS, bins));
  PetscCall(FileF64(dir, "sp_bins0.f64", "wb", ne * BA_NBINS * BA_NSUMS, bins0));
  PetscCall(SpectralDestroy(&sp));
  PetscCall(SpectralDestroy(&sp0));
  PetscCall(PetscFree5(x, power, sums, bins, bins0));
  PetscCall(PetscFinalize());
  return 0;
}
