/* bench/spectral.c: single-core throughput of SpectralWindowSums on 768-sample epochs at
   512 Hz with the 147 analysis frequencies; prints set-up time and epochs per second.
   Usage: spectral [seconds] */
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
  PetscCall(PetscMalloc5(nep * n, &x, nep * freqs.nfreq * BA_NSUMS, &sums, PreprocessNotchWorkSize(n), &work, nep, &ep,
                         nep, &eps));
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  PetscCall(PetscRandomSetInterval(rnd, -1.0, 1.0));
  for (PetscInt i = 0; i < nep * n; i++)
    PetscCall(PetscRandomGetValueReal(rnd, &x[i]));
  PetscCall(PetscRandomDestroy(&rnd));

  t0 = MPI_Wtime();
  if (argc > 2 && !strcmp(argv[2], "measure")) SpectralSetPlanner(FFTW_MEASURE);
  PetscCall(SpectralCreate(512.0, n, &freqs, &r, &sp));
  t1 = MPI_Wtime();
  c1 = CpuTime();
  for (PetscInt e = 0; e < nep; e++) {
    ep[e]  = x + e * n;
    eps[e] = sums + e * freqs.nfreq * BA_NSUMS;
  }
  while (MPI_Wtime() - t1 < seconds) {
    PetscCall(SpectralWindowSumsBatch(sp, nep, (const double *const *)ep, eps));
    check += sums[0];
    done += nep;
  }
  t2 = MPI_Wtime();
  c2 = CpuTime();
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "spectral: %d frequencies, set-up %.3f s, %ld epochs in %.2f s: %.0f epochs/s "
                        "(%.1f us/epoch)  [checksum %.6g]\n",
                        freqs.nfreq, t1 - t0, done, t2 - t1, done / (t2 - t1), 1e6 * (t2 - t1) / done, check));

  PetscCall(PetscPrintf(PETSC_COMM_SELF, "spectral: %.0f epochs per CPU second (%.1f us/epoch of CPU)\n",
                        done / (c2 - c1), 1e6 * (c2 - c1) / done));

  /* the rest of the per-epoch work of the features stage, for scale */
  PetscCall(PreprocessSetUp(&pp, BA_PROTOCOL_CANONICAL, 512.0, 50.0));
  done = 0;
  t1   = MPI_Wtime();
  while (MPI_Wtime() - t1 < seconds / 3) {
    for (PetscInt e = 0; e < nep; e++)
      PreprocessDetrend(n, x + e * n);
    PreprocessNotchBatch(&pp, nep, n, ep, work);
    done += nep;
  }
  t2 = MPI_Wtime();
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "preprocess (detrend + 5 filtfilt notches): %.0f epochs/s (%.1f us/epoch)\n",
                        done / (t2 - t1), 1e6 * (t2 - t1) / done));
  PetscCall(SpectralDestroy(&sp));
  PetscCall(PetscFree5(x, sums, work, ep, eps));
  PetscCall(PetscFinalize());
  return 0;
}
