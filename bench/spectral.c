/* bench/spectral.c: single-core throughput of the spectral kernel on 768-sample epochs at
   512 Hz with the 147 analysis frequencies: the sub-bin sums of the features stage, then
   the per-wavelet sums for comparison; prints set-up time and, per path, the best of 10
   rounds in CPU time per epoch (the process's own CPU clock: other tenants of the machine
   do not count, though they still slow it through shared caches and cores).
   Usage: spectral [seconds] [estimate|measure] */
#include <bandalign/spectral.h>
#include <string.h>
#include <bandalign/preprocess.h>
#include <time.h>

/* CPU seconds of this process: on a shared machine a fairer clock than the wall. */
static double CpuTime(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
  const PetscInt n = 768, nep = 64;
  double seconds, t0, t1, t2, c1, c2, *x, *sums, *work, **ep, **eps, check = 0;
  long done = 0;
  BaFrequencies freqs;
  BaSampleRanges r;
  Spectral sp;
  Preprocess pp;
  PetscRandom rnd;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  seconds = argc > 1 ? atof(argv[1]) : 3.0;
  RoiFrequencies(&freqs);
  PetscCall(RoiSampleRanges(512.0, 256, n, BA_PROTOCOL_CANONICAL, &r));
  PetscCall(PetscMalloc5(nep * n, &x, nep * BA_MAX_FREQS * BA_NSUMS, &sums, PreprocessNotchWorkSize(n), &work, nep, &ep,
                         nep, &eps));
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1.0, 1.0));
  for (PetscInt i = 0; i < nep * n; i++)
    PetscCall(PetscRandomGetValueReal(rnd, &x[i]));
  PetscCall(PetscRandomDestroy(&rnd));

  t0 = MPI_Wtime();
  if (argc > 2 && !strcmp(argv[2], "measure")) SpectralSetPlanner(FFTW_MEASURE);
  PetscCall(SpectralCreate(512.0, n, &freqs, &r, BA_SPECTRAL_TOL, &sp));
  t1 = MPI_Wtime();
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "spectral: %d frequencies in %d sub-bins, set-up %.3f s (%s plans)\n",
                        freqs.nfreq, BA_NBINS, t1 - t0, argc > 2 ? argv[2] : "estimate"));
  /* the two paths alternate in rounds of seconds / 10, and each reports its best round: the
     machine's noise (other tenants, frequency changes) only ever slows a round down */
  {
    double best[2] = {INFINITY, INFINITY}, cbest[2] = {INFINITY, INFINITY}, cpu[2] = {0, 0};
    long total[2] = {0, 0};

    for (int round = 0; round < 10; round++)
      for (int path = 0; path < 2; path++) {
        const int stride = path == 0 ? BA_NBINS * BA_NSUMS : freqs.nfreq * BA_NSUMS;

        for (PetscInt e = 0; e < nep; e++) {
          ep[e]  = x + e * n;
          eps[e] = sums + e * stride;
        }
        done = 0;
        t1   = MPI_Wtime();
        c1   = CpuTime();
        while (MPI_Wtime() - t1 < seconds / 10) {
          if (path == 0)
            PetscCall(SpectralBinSumsBatch(sp, nep, (const double *const *)ep, eps));
          else
            PetscCall(SpectralWindowSumsBatch(sp, nep, (const double *const *)ep, eps));
          check += sums[0];
          done += nep;
        }
        t2         = MPI_Wtime();
        c2         = CpuTime();
        best[path]  = PetscMin(best[path], (t2 - t1) / done);
        cbest[path] = PetscMin(cbest[path], (c2 - c1) / done);
        cpu[path] += c2 - c1;
        total[path] += done;
      }
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "sub-bin sums (the features stage: %d sub-bins by local correlation, %d by %d FFTs): "
                          "%ld epochs, best round %.1f us/epoch of CPU (mean %.1f; wall %.1f, %.0f epochs/s)\n",
                          SpectralCorrelationBins(sp), BA_NBINS - SpectralCorrelationBins(sp), SpectralTransforms(sp),
                          total[0], 1e6 * cbest[0], 1e6 * cpu[0] / total[0], 1e6 * best[0], 1 / best[0]));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "per-wavelet sums (%d FFTs, estimate plans): %ld epochs, best round %.1f us/epoch of CPU "
                          "(mean %.1f; wall %.1f)\n",
                          freqs.nfreq, total[1], 1e6 * cbest[1], 1e6 * cpu[1] / total[1], 1e6 * best[1]));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "[checksum %.6g]\n", check));
  }

  /* the rest of the per-epoch work of the features stage, for scale */
  PetscCall(PreprocessSetUp(&pp, BA_PROTOCOL_CANONICAL, 512.0, 50.0));
  {
    double cbest = INFINITY;

    for (int round = 0; round < 5; round++) {
      done = 0;
      t1   = MPI_Wtime();
      c1   = CpuTime();
      while (MPI_Wtime() - t1 < seconds / 15) {
        for (PetscInt e = 0; e < nep; e++)
          PreprocessDetrend(n, x + e * n);
        PreprocessNotchBatch(&pp, nep, n, ep, work);
        done += nep;
      }
      cbest = PetscMin(cbest, (CpuTime() - c1) / done);
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "preprocess (detrend + 5 filtfilt notches): best round %.1f us/epoch of CPU (%.0f epochs/s)\n",
                          1e6 * cbest, 1 / cbest));
  }
  PetscCall(SpectralDestroy(&sp));
  PetscCall(PetscFree5(x, sums, work, ep, eps));
  PetscCall(PetscFinalize());
  return 0;
}
