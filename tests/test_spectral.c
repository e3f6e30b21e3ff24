/* test_spectral.c: first-principles checks of the spectral module: its power equals a
   direct time-domain 'same' convolution with a Morlet wavelet built here from its formula,
   its window sums equal sums of its power, and a sinusoid peaks at its own frequency.
   tests/t_spectral.sh compares it with MNE. */
#include <bandalign/spectral.h>
#include <bandalign/preprocess.h>
#include "check.h"

enum { N = 768 };

/* |sum_j x[j] w[n - j + h]|^2 with w = MNE's zero-mean Morlet: t_j = (j - h) / fs with
   h = ceil(5 sigma_t fs) - 1, (exp(2 pi i f t) - exp(-n_cycles^2 / 2)) exp(-t^2 / 2 sigma_t^2),
   scaled so that sum |w|^2 = 2. */
static double DirectPower(const double *x, double fs, double f, double nc, int n)
{
  const double sigma = nc / (2 * M_PI * f);
  const int h        = (int)ceil(5 * sigma * fs) - 1;
  double re = 0, im = 0, norm = 0;

  for (int j = -h; j <= h; j++) {
    const double t = j / fs, g = exp(-t * t / (2 * sigma * sigma));
    const double wr = (cos(2 * M_PI * f * t) - exp(-nc * nc / 2)) * g, wi = sin(2 * M_PI * f * t) * g;
    norm += wr * wr + wi * wi;
    if (n - j >= 0 && n - j < N) {
      re += x[n - j] * wr;
      im += x[n - j] * wi;
    }
  }
  return 2 * (re * re + im * im) / norm;
}

int main(int argc, char **argv)
{
  static double x[N], power[BA_MAX_FREQS * N];
  double sums[BA_MAX_FREQS * BA_NSUMS], err = 0, serr = 0, fs = 512;
  BaFrequencies freqs;
  BaSampleRanges r;
  Spectral sp;
  PetscRandom rnd;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(15);
  RoiFrequencies(&freqs);
  PetscCall(RoiSampleRanges(fs, 256, N, BA_PROTOCOL_CANONICAL, &r));
  PetscCall(SpectralCreate(fs, N, &freqs, &r, BA_SPECTRAL_TOL, &sp));

  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &rnd));
  for (int i = 0; i < N; i++)
    PetscCall(PetscRandomGetValueReal(rnd, &x[i]));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(SpectralPower(sp, x, power));
  for (int k = 0; k < freqs.nfreq; k += 7)
    for (int n = 0; n < N; n += 37) {
      const double d = DirectPower(x, fs, freqs.hz[k], freqs.n_cycles[k], n);
      err            = fmax(err, RelErr(power[k * N + n], d, 1e-300));
    }
  CHECK(err < 1e-10, "SpectralPower equals the direct time-domain convolution (max rel err %.1e)", err);

  PetscCall(SpectralWindowSums(sp, x, sums));
  for (int k = 0; k < freqs.nfreq; k++) {
    const int lo[BA_NSUMS] = {r.base_lo, r.win_lo[0], r.win_lo[1], r.win_lo[2]};
    const int hi[BA_NSUMS] = {r.base_hi, r.win_hi[0], r.win_hi[1], r.win_hi[2]};
    for (int s = 0; s < BA_NSUMS; s++) {
      double acc = 0;
      for (int n = lo[s]; n <= hi[s]; n++)
        acc += power[k * N + n];
      serr = fmax(serr, RelErr(sums[k * BA_NSUMS + s], acc, 1e-300));
    }
  }
  CHECK(serr < 1e-12, "SpectralWindowSums equals SpectralPower summed over the ranges (max rel err %.1e)", serr);

  /* sub-bin sums: the per-wavelet sums added up over each sub-bin's frequencies, on this
     white epoch and on a 1/f one (most of its energy far below the gamma sub-bins); with
     every component kept to rounding, with the default tolerance to within 1e-10 */
  {
    static double pink[N], brown[N];
    double bins[BA_NBINS * BA_NSUMS], bins0[BA_NBINS * BA_NSUMS], bins6[BA_NBINS * BA_NSUMS], e0 = 0, e1 = 0, e6 = 0,
                                                                                              eb = 0;
    Spectral sp0, sp6;

    for (int n = 0; n < N; n++) {
      pink[n] = 0;
      for (int f = 1; f < 200; f++)
        pink[n] += sin(2 * M_PI * f * n / fs + 0.7 * f * f) / f;
      brown[n] = (n ? brown[n - 1] : 0) + (x[n] - 0.5); /* a random walk: 1/f^2, the steepest EEG spectrum */
    }
    PreprocessDetrend(N, brown);
    PetscCall(SpectralCreate(fs, N, &freqs, &r, 0.0, &sp0));
    PetscCall(SpectralCreate(fs, N, &freqs, &r, 1e-6, &sp6));
    for (int sig = 0; sig < 3; sig++) {
      const double *xs = sig == 2 ? brown : sig ? pink : x;

      PetscCall(SpectralWindowSums(sp, xs, sums));
      PetscCall(SpectralBinSums(sp, xs, bins));
      PetscCall(SpectralBinSums(sp0, xs, bins0));
      PetscCall(SpectralBinSums(sp6, xs, bins6));
      for (int b = 0; b < BA_NBINS; b++)
        for (int s = 0; s < BA_NSUMS; s++) {
          double ref = 0;
          for (int j = 0; j < freqs.bin_nfreq[b]; j++)
            ref += sums[freqs.bin_freq[b][j] * BA_NSUMS + s];
          e6 = fmax(e6, RelErr(bins6[b * BA_NSUMS + s], ref, 1e-300));
          if (sig == 2)
            eb = fmax(eb, RelErr(bins[b * BA_NSUMS + s], ref, 1e-300));
          else {
            e0 = fmax(e0, RelErr(bins0[b * BA_NSUMS + s], ref, 1e-300));
            e1 = fmax(e1, RelErr(bins[b * BA_NSUMS + s], ref, 1e-300));
          }
        }
    }
    CHECK(e0 < 1e-12,
          "SpectralBinSums with every component equals the per-wavelet sums over each sub-bin (max rel err %.1e, %d "
          "transforms)",
          e0, SpectralTransforms(sp0));
    CHECK(e1 < 1e-10 && SpectralTransforms(sp) <= SpectralTransforms(sp0),
          "SpectralBinSums at tolerance %g: max rel err %.1e with %d transforms", BA_SPECTRAL_TOL, e1,
          SpectralTransforms(sp));
    /* on a detrended random walk the epoch's energy outweighs the highest sub-bin's 1e4-fold
       (SEEG: 1e3-1e4); the correlation's rounding grows with that ratio */
    /* a looser tolerance leaves out components (theta and alpha, the transformed sub-bins,
       keep all of theirs at the default) and moves the sums by less than it */
    CHECK(e6 < 1e-6 && SpectralTransforms(sp6) < SpectralTransforms(sp0),
          "SpectralBinSums at tolerance 1e-6: max rel err %.1e with %d transforms instead of %d", e6,
          SpectralTransforms(sp6), SpectralTransforms(sp0));
    CHECK(eb < 1e-10, "SpectralBinSums on a detrended random walk: max rel err %.1e against the per-wavelet sums", eb);
    PetscCall(SpectralDestroy(&sp0));
    PetscCall(SpectralDestroy(&sp6));
  }

  /* the batched call: 19 epochs (two full batches and a partial one) give exactly the
     per-epoch sums, whatever an epoch's position in its batch */
  {
    enum { E = 19 };
    static double xs[E][N], bs[E][BA_MAX_FREQS * BA_NSUMS], one[BA_MAX_FREQS * BA_NSUMS];
    static double bb[E][BA_NBINS * BA_NSUMS], bone[BA_NBINS * BA_NSUMS];
    double *bbp[E];
    const double *xp[E];
    double *bp[E];
    int same = 1;

    for (int e = 0; e < E; e++) {
      for (int n = 0; n < N; n++)
        xs[e][n] = x[(n + 41 * e) % N] * (1 + 0.1 * e);
      xp[e]  = xs[e];
      bp[e]  = bs[e];
      bbp[e] = bb[e];
    }
    PetscCall(SpectralWindowSumsBatch(sp, E, xp, bp));
    PetscCall(SpectralBinSumsBatch(sp, E, xp, bbp));
    for (int e = 0; e < E; e++) {
      PetscCall(SpectralWindowSums(sp, xs[e], one));
      PetscCall(SpectralBinSums(sp, xs[e], bone));
      same = same && !memcmp(one, bs[e], sizeof(double) * freqs.nfreq * BA_NSUMS) && !memcmp(bone, bb[e], sizeof(bone));
    }
    CHECK(same,
          "SpectralWindowSumsBatch and SpectralBinSumsBatch over %d epochs are bit-identical to one epoch at a time",
          E);

    /* every kernel of the correlation sums gives the portable one's bits, or is refused */
    PetscCall(SpectralSetKernel(sp, SPECTRAL_KERNEL_PORTABLE));
    PetscCall(SpectralBinSumsBatch(sp, E, xp, bbp));
    for (int k = SPECTRAL_KERNEL_AVX2; k <= SPECTRAL_KERNEL_AVX512; k++) {
      static double bk[E][BA_NBINS * BA_NSUMS];
      double *bkp[E];
      PetscErrorCode ierr;

      for (int e = 0; e < E; e++)
        bkp[e] = bk[e];
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = SpectralSetKernel(sp, (SpectralKernelType)k);
      PetscCall(PetscPopErrorHandler());
      if (SpectralKernelAvailable((SpectralKernelType)k)) {
        PetscCall(ierr);
        PetscCall(SpectralBinSumsBatch(sp, E, xp, bkp));
        CHECK(!memcmp(bk, bb, sizeof(bk)),
              "the %s kernel's sums over %d epochs are bit-identical to the portable one's", SpectralKernelTypeNames[k],
              E);
      } else
        CHECK(ierr == PETSC_ERR_SUP, "this CPU has no %s: the kernel is refused", SpectralKernelTypeNames[k]);
    }
    PetscCall(SpectralSetKernel(sp, SPECTRAL_KERNEL_BEST));
  }

  /* Another sampling rate: at 384 Hz alpha (half length 135) joins the correlation, 15
     sub-bins in all, and every range and tile boundary moves; with every kernel, on a white
     epoch and a detrended random walk, the sub-bin sums are the per-wavelet sums added up */
  {
    enum { N2 = 576 };
    static double w2[N2], b2[N2];
    double bins[BA_NBINS * BA_NSUMS], e = 0;
    BaSampleRanges r2;
    Spectral s2;
    int nk = 0;

    for (int n = 0; n < N2; n++) {
      w2[n] = x[n] - 0.5;
      b2[n] = (n ? b2[n - 1] : 0) + w2[n];
    }
    PreprocessDetrend(N2, b2);
    PetscCall(RoiSampleRanges(384, 192, N2, BA_PROTOCOL_CANONICAL, &r2));
    PetscCall(SpectralCreate(384, N2, &freqs, &r2, 0.0, &s2));
    for (int k = SPECTRAL_KERNEL_PORTABLE; k <= SPECTRAL_KERNEL_AVX512; k++) {
      if (!SpectralKernelAvailable((SpectralKernelType)k)) continue;
      PetscCall(SpectralSetKernel(s2, (SpectralKernelType)k));
      nk++;
      for (int sig = 0; sig < 2; sig++) {
        PetscCall(SpectralWindowSums(s2, sig ? b2 : w2, sums));
        PetscCall(SpectralBinSums(s2, sig ? b2 : w2, bins));
        for (int b = 0; b < BA_NBINS; b++)
          for (int s = 0; s < BA_NSUMS; s++) {
            double ref = 0;
            for (int j = 0; j < freqs.bin_nfreq[b]; j++)
              ref += sums[freqs.bin_freq[b][j] * BA_NSUMS + s];
            e = fmax(e, RelErr(bins[b * BA_NSUMS + s], ref, 1e-300));
          }
      }
    }
    /* (a CPU without AVX2 and FMA sums every sub-bin through transforms) */
    CHECK(e < 1e-12 && SpectralCorrelationBins(s2) == (SpectralKernelAvailable(SPECTRAL_KERNEL_AVX2) ? 15 : 0),
          "at 384 Hz: %d sub-bins by correlation, %d kernels: sub-bin sums within %.1e of the per-wavelet sums",
          SpectralCorrelationBins(s2), nk, e);
    PetscCall(SpectralDestroy(&s2));
  }

  /* A sinusoid at f0: among wavelets of one width the response peaks within 1 Hz of f0
     (the unit-norm scaling favours the longer, lower wavelet by sqrt(f0 / f), a shift of
     about f0 / (2 n_cycles^2) Hz); at a wavelet f at least 3 sigma_f = 3 f / n_cycles away
     the Gaussian spectrum predicts at most exp(-9) f0 / f of that power. */
  {
    const int f0[] = {7, 12, 40, 110}, band[] = {0, 1, 3, 4};
    const int far[] = {70, 70, 90, 30}, farband[] = {3, 3, 4, 3}; /* 6 cycles */
    for (int i = 0; i < 4; i++) {
      const BaBand *b = &BaBands[band[i]];
      int best        = -1;
      double pbest    = -1, p0, pfar;

      for (int n = 0; n < N; n++)
        x[n] = cos(2 * M_PI * f0[i] * n / fs);
      PetscCall(SpectralWindowSums(sp, x, sums));
      for (int hz = b->lo_hz; hz <= b->hi_hz; hz++) {
        const double p = sums[freqs.freq_index[band[i]][hz - b->lo_hz] * BA_NSUMS + 1];
        if (p > pbest) {
          pbest = p;
          best  = hz;
        }
      }
      p0   = sums[freqs.freq_index[band[i]][f0[i] - b->lo_hz] * BA_NSUMS + 1];
      pfar = sums[freqs.freq_index[farband[i]][far[i] - BaBands[farband[i]].lo_hz] * BA_NSUMS + 1];
      CHECK(abs(best - f0[i]) <= 1 && pbest / p0 < 1.01 && pfar < exp(-9.0) * f0[i] / far[i] * p0,
            "%d Hz sinusoid: window power peaks at %d Hz; %.1e of it at %d Hz", f0[i], best, pfar / p0, far[i]);
    }
  }
  PetscCall(SpectralDestroy(&sp));
  CHECK(sp == NULL, "SpectralDestroy clears the handle");
  PetscCall(PetscFinalize());
  return CheckDone();
}
