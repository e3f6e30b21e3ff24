/* roi.c: band, window and ROI definitions and the per-trial reduction of power to features.
 *
 * Everything downstream of the wavelet transform needs only the sum of power over the
 * baseline and over each window, per sub-bin (its frequencies summed): the spectral kernel
 * produces those four sums and this module turns them into sub-bin ratios and band means
 * (the sub-bins of a band cover it exactly once). */
#include <bandalign/roi.h>
#include <math.h>

const char *const BaProtocolNames[] = {"canonical", "kuzovkin2018", NULL};

const BaBand BaBands[BA_NBANDS] = {
    {"theta", 5, 8, 3.0, 1, {5}, {8}},
    {"alpha", 9, 14, 4.0, 1, {9}, {14}},
    {"beta", 15, 30, 5.0, 2, {15, 23}, {22, 30}},
    {"lowgamma", 30, 70, 6.0, 4, {30, 40, 50, 60}, {39, 49, 59, 70}},
    {"highgamma", 70, 150, 6.0, 8, {70, 80, 90, 100, 110, 120, 130, 140}, {79, 89, 99, 109, 119, 129, 139, 150}},
};

const BaWindow BaWindows[BA_NWINDOWS] = {{50, 250}, {150, 350}, {250, 450}};

const char *const BaBandNames[] = {"theta", "alpha", "beta", "lowgamma", "highgamma", "none", NULL};

void RoiName(int roi, char *buf, size_t len)
{
  const BaWindow *w = &BaWindows[roi % BA_NWINDOWS];
  snprintf(buf, len, "%s_%d_%d", BaBands[roi / BA_NWINDOWS].name, w->t0_ms, w->t1_ms);
}

/* First and last sample k with t0 <= 1000 (k - onset) / sfreq <= t1. */
static void WindowSamples(double sfreq, PetscInt onset, double t0_ms, double t1_ms, int *lo, int *hi)
{
  const double eps = 1e-9;
  *lo              = (int)onset + (int)ceil(t0_ms * sfreq / 1000.0 - eps);
  *hi              = (int)onset + (int)floor(t1_ms * sfreq / 1000.0 + eps);
}

PetscErrorCode RoiSampleRanges(double sfreq, PetscInt onset, PetscInt nsamples, BaProtocol protocol, BaSampleRanges *r)
{
  PetscInt shifted = protocol == BA_PROTOCOL_KUZOVKIN2018 ? onset - 1 : onset;

  PetscFunctionBegin;
  WindowSamples(sfreq, onset, -500.0, -100.0, &r->base_lo, &r->base_hi);
  if (r->base_lo < 0) r->base_lo = 0; /* epochs start at -500 ms; a later start clips here */
  for (int w = 0; w < BA_NWINDOWS; w++)
    WindowSamples(sfreq, shifted, BaWindows[w].t0_ms, BaWindows[w].t1_ms, &r->win_lo[w], &r->win_hi[w]);
  PetscCheck(r->base_hi >= r->base_lo, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "epoch has no baseline samples (onset_sample %" PetscInt_FMT ")", onset);
  PetscCheck(r->win_hi[BA_NWINDOWS - 1] < nsamples, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "epoch of %" PetscInt_FMT " samples ends before the last window (sample %d)", nsamples,
             r->win_hi[BA_NWINDOWS - 1]);
  PetscFunctionReturn(PETSC_SUCCESS);
}

void RoiFrequencies(BaFrequencies *f)
{
  int bin = 0;

  f->nfreq = 0;
  for (int b = 0; b < BA_NBANDS; b++) {
    for (int hz = BaBands[b].lo_hz; hz <= BaBands[b].hi_hz; hz++) {
      int k;
      for (k = 0; k < f->nfreq; k++)
        if (f->hz[k] == hz && f->n_cycles[k] == BaBands[b].n_cycles) break;
      if (k == f->nfreq) {
        f->hz[k]       = hz;
        f->n_cycles[k] = BaBands[b].n_cycles;
        f->nfreq++;
      }
      f->freq_index[b][hz - BaBands[b].lo_hz] = k;
    }
    f->band_bin[b] = bin;
    for (int s = 0; s < BaBands[b].nsub; s++, bin++) {
      f->bin_nfreq[bin] = 0;
      for (int hz = BaBands[b].sub_lo[s]; hz <= BaBands[b].sub_hi[s]; hz++)
        f->bin_freq[bin][f->bin_nfreq[bin]++] = f->freq_index[b][hz - BaBands[b].lo_hz];
    }
  }
}

void RoiReduce(const BaFrequencies *f, const BaSampleRanges *r, const double *sums, double *feature, double *win_mean,
               double *base_mean)
{
  const double nbase = r->base_hi - r->base_lo + 1;

  for (int b = 0; b < BA_NBANDS; b++) {
    const BaBand *band = &BaBands[b];
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const double nwin = r->win_hi[w] - r->win_lo[w] + 1;
      const int roi     = RoiIndex(b, w);
      double best = -INFINITY, tw = 0, tb = 0;

      for (int s = 0; s < band->nsub; s++) {
        const int bin   = f->band_bin[b] + s;
        const double sw = sums[bin * BA_NSUMS + 1 + w], sb = sums[bin * BA_NSUMS];

        tw += sw;
        tb += sb;
        /* equal bin sizes cancel: mean over (freqs, window) / mean over (freqs, baseline) */
        const double ratio = (sw / nwin) / (sb / nbase);
        if (ratio > best) best = ratio;
      }
      const double nf = band->hi_hz - band->lo_hz + 1;
      feature[roi]    = best;
      win_mean[roi]   = tw / (nf * nwin);
      base_mean[roi]  = tb / (nf * nbase);
    }
  }
}
