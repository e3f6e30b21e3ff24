/* spectral.c: complex Morlet power of one epoch, reduced to sums over the baseline and windows.
 *
 * The transform is MNE's (tfr_array_morlet with zero_mean=True, use_fft=True): the 'same'
 * part of the linear convolution of the epoch with each wavelet. This is the hot loop of the
 * whole analysis (millions of epochs, 147 wavelets each), so it is arranged around two
 * facts.
 *
 * Only the outputs 0..K-1 are needed, K one past the last summed sample. Output n of
 * wavelet k (half length h) depends on the samples n - h .. n + h, so the epoch may be cut
 * to nin = min(nsamples, K + h) samples, and a circular convolution of length
 * M >= nin + h then gives outputs 0..K-1 exactly once the wavelet is stored rotated by h
 * (its centre at index 0). A short wavelet thus gets a short transform.
 *
 * Frequencies with similar M share one transform size: the epoch's forward real FFT is
 * done once per size, then each wavelet costs one complex multiply and one inverse complex
 * FFT. Sizes are a power of two times 1, 3, 5, 7 or 9, grouped to minimise a
 * simple M log M cost model. All FFTW plans are made in SpectralCreate (FFTW planning is neither
 * cheap nor thread-safe); the per-epoch functions only execute them.
 *
 * Why not band-limited, decimated inverse transforms: a wavelet truncated at +-5 sigma_t
 * has spectral sidelobes near 1e-8 of its peak across the whole band, and a 1/f epoch puts
 * its energy near 0 Hz, right under them. Dropping the bins below eps of the peak errs by
 * 2e-6 (relative, window sums) at eps = 1e-8 for a 1.22x saving, and only reaches 3e-7 at
 * eps = 1e-9, for 1.02x (bench/bandlimit.py measures it). Keeping the features within
 * 1e-6 of MNE needs every bin, so the full inverse transform stays. The wavelet scale folds
 * in FFTW's 1/M. */
#include <bandalign/spectral.h>
#include <math.h>

/* One transform size and the frequencies that use it. */
typedef struct {
  int m;         /* circular length */
  int nin;       /* epoch samples fed in (rest zero) */
  int nfreq;     /* frequencies in this group */
  int *freq;     /* their indices */
  fftw_plan fwd; /* r2c: xin[m] -> xf[0..m/2] */
  fftw_plan inv; /* c2c backward: yb[m] -> yo[m] */
} SizeGroup;

/* A set of sizes computing outputs 0..nout-1 of every frequency. */
typedef struct {
  int nout;
  int ngroup;
  SizeGroup group[BA_MAX_FREQS];
  fftw_complex **wspec; /* per frequency: spectrum of the rotated wavelet / m, length m */
} Layout;

struct _p_Spectral {
  double sfreq;
  PetscInt nsamples;
  int nfreq;
  int half[BA_MAX_FREQS]; /* (L - 1) / 2 of each wavelet */
  double freq_hz[BA_MAX_FREQS], freq_cycles[BA_MAX_FREQS];
  BaSampleRanges ranges;
  Layout sums, full;          /* outputs up to the last summed sample; every sample */
  double *xin;                /* FFTW work, all of length maxm: real input */
  fftw_complex *xf, *yb, *yo; /* epoch spectrum, product spectrum, outputs */
  int maxm;
};

/* Half length h of MNE's wavelet for f: it has L = 2 h + 1 samples. */
static int MorletHalf(double sfreq, double f, double n_cycles)
{
  const double sigma_t = n_cycles / (2.0 * M_PI * f);

  /* numpy.arange(0, 5 sigma_t, 1 / sfreq) has ceil(5 sigma_t / (1 / sfreq)) entries */
  return (int)ceil(5.0 * sigma_t / (1.0 / sfreq)) - 1;
}

/* w[0..2h] = morlet(sfreq, f, n_cycles, zero_mean=True) of MNE 1.3, h from MorletHalf. */
static void MorletWavelet(double sfreq, double f, double n_cycles, int h, fftw_complex *w)
{
  const double sigma_t = n_cycles / (2.0 * M_PI * f);
  const double offset  = exp(-2.0 * (M_PI * f * sigma_t) * (M_PI * f * sigma_t));
  const double delta   = 1.0 / sfreq;
  double norm          = 0;

  for (int j = 0; j <= 2 * h; j++) {
    const double t = (j < h ? -1.0 : 1.0) * (j < h ? h - j : j - h) * delta;
    const double g = exp(-t * t / (2.0 * sigma_t * sigma_t));
    const double a = 2.0 * M_PI * f * t;

    w[j][0] = (cos(a) - offset) * g;
    w[j][1] = sin(a) * g;
    norm += w[j][0] * w[j][0] + w[j][1] * w[j][1];
  }
  norm = sqrt(0.5) * sqrt(norm);
  for (int j = 0; j <= 2 * h; j++) {
    w[j][0] /= norm;
    w[j][1] /= norm;
  }
}

/* Smallest 2^a q >= n with q in {1, 3, 5, 7} and 2^a >= 16: FFTW is markedly faster on
   these than on other 7-smooth lengths (525 or 588 cost half again as much as 576), and a
   factor 9 is slow too (576 costs 1.3-1.5 times 640 here; with FFTW_ESTIMATE plans
   dropping it saved a quarter of the whole transform time). */
static int SmoothSize(int n)
{
  static const int odd[] = {1, 3, 5, 7};
  int best               = 0;

  for (int i = 0; i < 4; i++) {
    int m = 16 * odd[i];
    while (m < n)
      m *= 2;
    if (!best || m < best) best = m;
  }
  return best;
}

static double FFTCost(int m)
{
  return m * log2((double)m);
}

/* Splits the frequencies, sorted by the length they need, into consecutive groups of one
   size each, minimising sum over groups of r2c(m) + nfreq * (c2c(m) + m). */
static PetscErrorCode LayoutGroups(Spectral sp, int nout, Layout *lay)
{
  int order[BA_MAX_FREQS], need[BA_MAX_FREQS], cut[BA_MAX_FREQS + 1];
  double best[BA_MAX_FREQS + 1];
  int nf = sp->nfreq;

  PetscFunctionBegin;
  for (int k = 0; k < nf; k++) {
    int nin  = (int)PetscMin(sp->nsamples, (PetscInt)nout + sp->half[k]);
    need[k]  = nin + sp->half[k];
    order[k] = k;
  }
  for (int i = 1; i < nf; i++) { /* insertion sort by need */
    int o = order[i], j = i;
    while (j > 0 && need[order[j - 1]] > need[o]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = o;
  }
  /* best[i] = cheapest cost of the first i sorted frequencies; cut[i] = start of the last group */
  best[0] = 0;
  for (int i = 1; i <= nf; i++) {
    best[i] = INFINITY;
    for (int s = 0; s < i; s++) {
      int m       = SmoothSize(need[order[i - 1]]);
      double cost = best[s] + 0.5 * FFTCost(m) + (i - s) * (FFTCost(m) + m);
      if (cost < best[i]) {
        best[i] = cost;
        cut[i]  = s;
      }
    }
  }
  lay->nout   = nout;
  lay->ngroup = 0;
  for (int i = nf; i > 0; i = cut[i])
    lay->ngroup++;
  {
    int g = lay->ngroup;
    for (int i = nf; i > 0; i = cut[i]) {
      SizeGroup *grp = &lay->group[--g];
      int hmax       = 0;

      grp->m     = SmoothSize(need[order[i - 1]]);
      grp->nfreq = i - cut[i];
      PetscCall(PetscMalloc1(grp->nfreq, &grp->freq));
      for (int j = 0; j < grp->nfreq; j++) {
        grp->freq[j] = order[cut[i] + j];
        hmax         = PetscMax(hmax, sp->half[grp->freq[j]]);
      }
      /* every member sees all the samples its outputs depend on, and no wrap-around */
      grp->nin = (int)PetscMin(sp->nsamples, (PetscInt)(grp->m - hmax));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Plans every size of a layout and stores each wavelet's spectrum, rotated and scaled. */
static PetscErrorCode LayoutSetUp(Spectral sp, int nout, unsigned flags, Layout *lay)
{
  PetscFunctionBegin;
  PetscCall(LayoutGroups(sp, nout, lay));
  PetscCall(PetscCalloc1(sp->nfreq, &lay->wspec));
  for (int g = 0; g < lay->ngroup; g++) {
    SizeGroup *grp = &lay->group[g];
    const int m    = grp->m;

    PetscCheck(m <= sp->maxm, PETSC_COMM_SELF, PETSC_ERR_PLIB, "transform size %d exceeds work size %d", m, sp->maxm);
    grp->fwd = fftw_plan_dft_r2c_1d(m, sp->xin, sp->xf, flags);
    grp->inv = fftw_plan_dft_1d(m, sp->yb, sp->yo, FFTW_BACKWARD, flags);
    PetscCheck(grp->fwd && grp->inv, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a transform of size %d", m);
    for (int j = 0; j < grp->nfreq; j++) {
      const int k = grp->freq[j], h = sp->half[k];
      fftw_complex *w = fftw_alloc_complex(2 * h + 1), *spec = fftw_alloc_complex(m);
      fftw_plan p;

      PetscCheck(w && spec, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for wavelet %d", k);
      MorletWavelet(sp->sfreq, sp->freq_hz[k], sp->freq_cycles[k], h, w);
      for (int i = 0; i < m; i++)
        spec[i][0] = spec[i][1] = 0;
      for (int i = 0; i <= 2 * h; i++) { /* centre (index h) goes to 0 */
        const int r = ((i - h) % m + m) % m;
        spec[r][0]  = w[i][0] / m;
        spec[r][1]  = w[i][1] / m;
      }
      p = fftw_plan_dft_1d(m, spec, spec, FFTW_FORWARD, FFTW_ESTIMATE);
      PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a transform of size %d", m);
      fftw_execute(p);
      fftw_destroy_plan(p);
      fftw_free(w);
      lay->wspec[k] = spec;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void LayoutDestroy(Layout *lay, int nfreq)
{
  for (int g = 0; g < lay->ngroup; g++) {
    if (lay->group[g].fwd) fftw_destroy_plan(lay->group[g].fwd);
    if (lay->group[g].inv) fftw_destroy_plan(lay->group[g].inv);
    PetscFree(lay->group[g].freq);
  }
  if (lay->wspec)
    for (int k = 0; k < nfreq; k++)
      fftw_free(lay->wspec[k]);
  PetscFree(lay->wspec);
  lay->ngroup = 0;
}

/* Planner rigour of the hot-path FFTs. FFTW_ESTIMATE picks plans by rule, so every run
   gets the same arithmetic; FFTW_MEASURE times candidates and may pick differently from
   run to run unless the wisdom is shared. */
static unsigned PlannerFlags = FFTW_ESTIMATE;

void SpectralSetPlanner(unsigned flags)
{
  PlannerFlags = flags;
}

PetscErrorCode SpectralCreate(double sfreq, PetscInt nsamples, const BaFrequencies *freqs, const BaSampleRanges *ranges,
                              Spectral *sp)
{
  Spectral s;
  int hmax = 0, nout;

  PetscFunctionBegin;
  PetscCheck(sfreq > 0 && nsamples > 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "need a positive sampling rate and at least 2 samples (got %g Hz, %" PetscInt_FMT ")", sfreq, nsamples);
  PetscCheck(freqs->nfreq > 0 && freqs->nfreq <= BA_MAX_FREQS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "number of frequencies %d outside 1..%d", freqs->nfreq, BA_MAX_FREQS);
  nout = ranges->base_hi;
  for (int w = 0; w < BA_NWINDOWS; w++) {
    PetscCheck(ranges->win_lo[w] >= 0 && ranges->win_lo[w] <= ranges->win_hi[w], PETSC_COMM_SELF,
               PETSC_ERR_ARG_OUTOFRANGE, "window %d has samples %d..%d", w, ranges->win_lo[w], ranges->win_hi[w]);
    nout = PetscMax(nout, ranges->win_hi[w]);
  }
  nout++;
  PetscCheck(ranges->base_lo >= 0 && ranges->base_lo <= ranges->base_hi && nout <= nsamples, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "sample ranges fall outside an epoch of %" PetscInt_FMT " samples", nsamples);
  PetscCall(PetscNew(&s));
  s->sfreq    = sfreq;
  s->nsamples = nsamples;
  s->nfreq    = freqs->nfreq;
  s->ranges   = *ranges;
  for (int k = 0; k < s->nfreq; k++) {
    PetscCheck(freqs->hz[k] > 0 && freqs->hz[k] < sfreq / 2 && freqs->n_cycles[k] > 0, PETSC_COMM_SELF,
               PETSC_ERR_ARG_OUTOFRANGE, "frequency %g Hz with %g cycles is not usable at %g Hz", freqs->hz[k],
               freqs->n_cycles[k], sfreq);
    s->freq_hz[k]     = freqs->hz[k];
    s->freq_cycles[k] = freqs->n_cycles[k];
    s->half[k]        = MorletHalf(sfreq, freqs->hz[k], freqs->n_cycles[k]);
    hmax              = PetscMax(hmax, s->half[k]);
  }
  s->maxm = SmoothSize((int)nsamples + hmax);
  s->xin  = fftw_alloc_real(s->maxm);
  s->xf   = fftw_alloc_complex(s->maxm); /* r2c fills m / 2 + 1, the rest by symmetry */
  s->yb   = fftw_alloc_complex(s->maxm);
  s->yo   = fftw_alloc_complex(s->maxm);
  PetscCheck(s->xin && s->xf && s->yb && s->yo, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for FFT work of size %d",
             s->maxm);
  /* the hot path is planned as the caller asked; the full-power path serves tests only */
  PetscCall(LayoutSetUp(s, nout, PlannerFlags, &s->sums));
  PetscCall(LayoutSetUp(s, (int)nsamples, FFTW_ESTIMATE, &s->full));
  *sp = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The two inner loops below are a third of the run time; they are compiled twice, for
   AVX2 + FMA and for the baseline target, and picked at load time. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define HOT_LOOP __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT_LOOP
#endif

/* y = x w over m interleaved complex values. */
HOT_LOOP static void SpectrumProduct(int m, const double *restrict x, const double *restrict w, double *restrict y)
{
  for (int i = 0; i < 2 * m; i += 2) {
    const double a = x[i], b = x[i + 1], c = w[i], d = w[i + 1];
    y[i]     = a * c - b * d;
    y[i + 1] = a * d + b * c;
  }
}

/* Sum of |y[i]|^2 over the interleaved complex values i = lo..hi. */
HOT_LOOP static double RangePower(const double *restrict y, int lo, int hi)
{
  double acc[8] = {0};
  int i = 2 * lo, end = 2 * hi + 2;

  for (; i + 8 <= end; i += 8)
    for (int j = 0; j < 8; j++)
      acc[j] += y[i + j] * y[i + j];
  for (; i < end; i++)
    acc[0] += y[i] * y[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Spectrum of one real epoch for a size group, in sp->xf[0..m-1]. */
static void EpochSpectrum(Spectral sp, const SizeGroup *grp, const double *x)
{
  fftw_complex *xf = sp->xf;
  const int m      = grp->m;

  for (int i = 0; i < grp->nin; i++)
    sp->xin[i] = x[i];
  for (int i = grp->nin; i < m; i++)
    sp->xin[i] = 0;
  fftw_execute(grp->fwd);
  for (int i = m / 2 + 1; i < m; i++) { /* a real epoch's spectrum: X[i] = conj(X[m - i]) */
    xf[i][0] = xf[m - i][0];
    xf[i][1] = -xf[m - i][1];
  }
}

/* Outputs 0..nout-1 of frequency k for the epoch whose spectrum is in sp->xf, in sp->yo. */
static void WaveletOutputs(Spectral sp, const SizeGroup *grp, const Layout *lay, int k)
{
  SpectrumProduct(grp->m, (const double *)sp->xf, (const double *)lay->wspec[k], (double *)sp->yb);
  fftw_execute(grp->inv);
}

/* Epochs go one after the other: transforming several together (each wavelet spectrum
   reused over 8 epochs, or FFTW's batched plans) measured no faster here. */
PetscErrorCode SpectralWindowSumsBatch(Spectral sp, PetscInt nep, const double *const *x, double *const *sums)
{
  const BaSampleRanges *r = &sp->ranges;
  const int lo[BA_NSUMS]  = {r->base_lo, r->win_lo[0], r->win_lo[1], r->win_lo[2]};
  const int hi[BA_NSUMS]  = {r->base_hi, r->win_hi[0], r->win_hi[1], r->win_hi[2]};
  const Layout *lay       = &sp->sums;

  PetscFunctionBegin;
  for (PetscInt e = 0; e < nep; e++)
    for (int g = 0; g < lay->ngroup; g++) {
      const SizeGroup *grp = &lay->group[g];

      EpochSpectrum(sp, grp, x[e]);
      for (int j = 0; j < grp->nfreq; j++) {
        const int k = grp->freq[j];

        WaveletOutputs(sp, grp, lay, k);
        for (int s = 0; s < BA_NSUMS; s++)
          sums[e][k * BA_NSUMS + s] = RangePower((const double *)sp->yo, lo[s], hi[s]);
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SpectralWindowSums(Spectral sp, const double *x, double *sums)
{
  PetscFunctionBegin;
  PetscCall(SpectralWindowSumsBatch(sp, 1, &x, &sums));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SpectralPower(Spectral sp, const double *x, double *power)
{
  const Layout *lay = &sp->full;

  PetscFunctionBegin;
  for (int g = 0; g < lay->ngroup; g++) {
    const SizeGroup *grp = &lay->group[g];

    EpochSpectrum(sp, grp, x);
    for (int j = 0; j < grp->nfreq; j++) {
      const int k = grp->freq[j];
      double *p   = power + (size_t)k * sp->nsamples;

      WaveletOutputs(sp, grp, lay, k);
      for (int i = 0; i < lay->nout; i++)
        p[i] = sp->yo[i][0] * sp->yo[i][0] + sp->yo[i][1] * sp->yo[i][1];
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SpectralDestroy(Spectral *sp)
{
  Spectral s = *sp;

  PetscFunctionBegin;
  if (!s) PetscFunctionReturn(PETSC_SUCCESS);
  LayoutDestroy(&s->sums, s->nfreq);
  LayoutDestroy(&s->full, s->nfreq);
  fftw_free(s->xin);
  fftw_free(s->xf);
  fftw_free(s->yb);
  fftw_free(s->yo);
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(PETSC_SUCCESS);
}
