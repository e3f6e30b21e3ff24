/* spectral.c: complex Morlet power of epochs, reduced to sums over the baseline and windows.
 *
 * The transform is MNE's (tfr_array_morlet with zero_mean=True, use_fft=True): the 'same'
 * part of the linear convolution of the epoch with each wavelet. This is the hot loop of the
 * whole analysis (millions of epochs, 147 wavelets each), so it is arranged as follows.
 *
 * The features need only each sub-bin's power summed over its frequencies and over the
 * baseline and window samples. For a real epoch that sum is a quadratic form of the epoch:
 * sum over the range of z_n^T K z_n, z_n the samples around n and K = sum over the
 * sub-bin's wavelets of Re w Re w^T + Im w Im w^T, which is <K, C> with C the epoch's local
 * correlation over the range. So the sums come two ways, both exact to rounding:
 *
 * - Short wavelets (beta, low and high gamma at 512 Hz: half length <= CORR_MAX_HALF): C
 *   walked row by row by a two-term recurrence and taken against K on the way (CorrLanes,
 *   in spectral_corr.h). No transform at all. One walk serves every such sub-bin: its rows
 *   reach the longest of them (H = 135 samples, beta's 15-22 Hz), the shorter ones read the
 *   part they need. It runs CORR_LANES = 8 epochs at once, one per SIMD lane, so that every
 *   K entry is one broadcast for 8 epochs x 4 ranges and no lane waits on another: about 2
 *   multiply-adds per entry of the walk (4 ranges x (2 H + 1)^2 / 2 entries) and one per
 *   entry of each sub-bin's K, in FMAs, the lags in tiles that stay in L1. The AVX-512,
 *   AVX2 and portable kernels (SpectralSetKernel; the portable one through fma()) do the
 *   same FMAs in the same order, lane by lane, so they give the same bits, and an epoch's
 *   sums do not depend on its lane or its neighbours. Its rounding grows with the epoch's
 *   energy far below the band (C holds all of it and K cancels it): 2e-12 on a detrended
 *   random walk, the steepest EEG spectrum, but an undetrended offset 1e3 times the signal
 *   costs 1e-3, so epochs must be detrended, as the features stage does.
 * - Long ones (theta, alpha): FFT convolutions. A sub-bin's wavelets, a hertz apart, are
 *   nearly dependent, so K has few leading components (BinComponents); the even real and
 *   odd imaginary parts give separate eigen-problems, and one even and one odd component
 *   share a complex transform whose spectrum is real. Components holding at most tol of a
 *   sub-bin's energy may be dropped (default 1e-10, which keeps all of theta's and alpha's
 *   here: their smallest hold 2.7e-4 and 4.5e-7 of the energy; tol = 0 keeps them all).
 *
 * Only some outputs are needed: the samples of the baseline and the windows. Output n of a
 * filter of half length h depends on the samples n - h .. n + h, so a circular convolution
 * of a cut of the epoch gives them exactly (SpanNeed), and a short filter gets a short
 * transform, or two, one for the baseline and one for the windows, where that is cheaper.
 *
 * Filters with similar lengths share one transform size: the epoch's forward real FFT is
 * done once per size, then each filter costs one multiply and one inverse complex FFT.
 * Sizes are a power of two times 1, 5 or 7 (FFTW's estimate plans are twice as slow per
 * point with a factor 3 here), grouped to minimise an M log M cost model that charges
 * 7 x 2^a 1.4 times (FFTCost): at 512 Hz theta and alpha share one size, 1024. All FFTW
 * plans are made in SpectralCreate (FFTW planning is neither cheap nor thread-safe); the
 * per-epoch functions only execute them. The per-wavelet paths (SpectralWindowSums,
 * SpectralPower) keep one transform per wavelet, for tests and reference checks.
 *
 * Why not band-limited, decimated inverse transforms: a wavelet truncated at +-5 sigma_t
 * has spectral sidelobes near 1e-8 of its peak across the whole band, and a 1/f epoch puts
 * its energy near 0 Hz, right under them. Dropping the bins below eps of the peak errs by
 * 2e-6 (relative, window sums) at eps = 1e-8 for a 1.22x saving, and only reaches 3e-7 at
 * eps = 1e-9, for 1.02x (bench/bandlimit.py measures it). Keeping the features within
 * 1e-6 of MNE needs every bin, so the full inverse transform stays. The filter scale folds
 * in FFTW's 1/M. */
#include <bandalign/spectral.h>
#include <limits.h>
#include <stdlib.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define MAX_SEGS (2 * BA_NSUMS) /* elementary intervals of the summed ranges */

/* One transform: a complex filter of 2 half + 1 taps centred on tap half. The squares of
   its real and imaginary outputs are summed into slots slot[0] and slot[1] (-1: none): a
   wavelet sends both to its frequency, since its power is |W|^2 = Re^2 + Im^2; a pair of
   real sub-bin components sends each part to its own sub-bin. */
typedef struct {
  int half;
  int slot[2];
  fftw_complex *taps;
} Filter;

/* Outputs olo..ohi of every filter, and the sums taken from them: sum[i] covers samples
   lo..hi of the ranges, added up from the elementary intervals seg_lo..seg_hi (each summed
   once, however many ranges overlap it) first[i]..last[i]. */
typedef struct {
  int olo, ohi;
  int nsum, sum[BA_NSUMS], first[BA_NSUMS], last[BA_NSUMS];
  int nseg, seg_lo[MAX_SEGS], seg_hi[MAX_SEGS];
} Span;

/* One transform size and the filters that use it. */
typedef struct {
  int m;                /* circular length */
  int start[2], nin[2]; /* per span: first epoch sample fed in, and how many (rest zero) */
  int nfilt;            /* filters in this group */
  int *filt;            /* their indices */
  fftw_plan fwd;        /* r2c: xin[m] -> xf[0..m/2] */
  fftw_plan inv;        /* c2c backward: yb[m] -> yo[m] */
} SizeGroup;

/* A set of filters and sizes computing the spans of each filter: one, or two that share
   the size and each filter's spectrum. Real-spectrum filters (real = true) have an even
   real part and an odd imaginary part. */
typedef struct {
  int nspan;
  Span span[2];
  PetscBool real;
  int nfilt;
  Filter *filt;
  int ngroup;
  SizeGroup group[BA_MAX_FREQS];
  double **spec; /* per filter: spectrum of the rotated taps / m, m real or complex values */
} Layout;

/* The correlation runs CORR_LANES epochs at once, one per SIMD lane. */
#define CORR_LANES 8

/* Lags per tile of the correlation's rows: 64 lags x 4 ranges x 8 lanes, 16 kB, stay in L1
   while every row is walked. */
#define CORR_TILE 64

/* The sub-bins summed by local correlation (CorrSums), sorted by half length, longest
   first: the frame half length H (the longest wavelet among them), and per sub-bin its
   half length and its quadratic form K in rows u = -half..half of half - u + 1 entries
   K[u][u + d], d >= 0, doubled for d > 0, row u at CorrRowStart(half, u). */
typedef struct {
  int H;
  int nbin;
  int bin[BA_NBINS], half[BA_NBINS];
  double *K[BA_NBINS];
  double *xt;   /* [H + 1 + n][CORR_LANES]: the epochs' samples n, zero off the epochs */
  double *tile; /* [CORR_TILE][BA_NSUMS][CORR_LANES] */
  double *acc;  /* [nbin][BA_NSUMS][CORR_LANES] */
} Corr;

/* Sub-bins whose longest wavelet has at most this half length are summed by local
   correlation, longer ones by transforms. The correlation costs about 2 multiply-adds per
   entry of its rows for the walk (4 ranges x (2 H + 1)^2 / 2 entries, H the longest half
   length among them) and one per entry of each sub-bin's K; a transformed sub-bin about
   one complex FFT per pair of components. At 512 Hz with the AVX-512 kernel (one core):
   low and high gamma with beta's 23-30 Hz (H = 88) 14.9 us per epoch, with 15-22 Hz too
   (H = 135) 28.1 us, against 16.2 us for 15-22 Hz's 16 transforms of 512 points (baseline
   and windows apart); alpha (H = 181) would add more than its 6 transforms cost. Without
   AVX2 and FMA the portable kernel is 45 times slower, and every sub-bin goes through
   transforms. */
#define CORR_MAX_HALF 140

/* n positions of CORR_LANES doubles, zeroed, aligned for AVX-512 loads; free() releases
   them. */
static double *LanesAlloc(PetscInt n)
{
  const size_t bytes = sizeof(double) * CORR_LANES * (size_t)n;
  double *p          = aligned_alloc(64, bytes);

  if (p) memset(p, 0, bytes);
  return p;
}

/* Offset of row u (-h..h) of a quadratic form of half length h: rows of h - u + 1 entries. */
static inline int CorrRowStart(int h, int u)
{
  const int j = u + h;
  return j * (2 * h + 1) - j * (j - 1) / 2;
}

struct _p_Spectral {
  double sfreq;
  PetscInt nsamples;
  int nfreq;
  int half[BA_MAX_FREQS]; /* (L - 1) / 2 of each wavelet */
  double freq_hz[BA_MAX_FREQS], freq_cycles[BA_MAX_FREQS];
  int lo[BA_NSUMS], hi[BA_NSUMS]; /* the summed ranges: baseline, then the windows */
  Layout sums, full;              /* per wavelet: the sums, and the power at every sample; built on
                                     first use (tests and reference checks) */
  Layout bins[2];                 /* per sub-bin component: one transform for the baseline and the
                                     windows, or one for each */
  Corr corr;                      /* the sub-bins summed by local correlation */
  SpectralKernelType kernel;      /* its instructions (never BEST) */
  double *xin;                    /* FFTW work, all of length maxm: real input */
  fftw_complex *xf[2], *yb, *yo;  /* epoch spectrum per span, product spectrum, outputs */
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

/* Cost of a transform of m points: m log2 m, times 1.4 for 7 2^a. FFTW's estimate plans
   take about 0.15 ns per m log2 m on 2^a and 5 2^a points here, 0.22 on 7 2^a (896: 1.95 us
   against 1.58 for 1024; bench/fftsizes.c); with measure plans the two are alike. */
static double FFTCost(int m)
{
  return (m % 7 ? 1.0 : 1.4) * m * log2((double)m);
}

/* The cheapest 2^a q >= n with q in {1, 5, 7} and 2^a >= 16. FFTW is markedly faster on
   these than on other 7-smooth lengths (525 or 588 cost half again as much as 576); with
   its estimate plans, sizes with a factor 3 (192, 384, 768) or 9 cost twice as much per
   point as their neighbours here. */
static int SmoothSize(int n)
{
  static const int odd[] = {1, 5, 7};
  int best               = 0;

  for (int i = 0; i < 3; i++) {
    int m = 16 * odd[i];
    while (m < n)
      m *= 2;
    if (!best || FFTCost(m) < FFTCost(best)) best = m;
  }
  return best;
}

/* A span over the sums listed in sums[0..n-1] of the ranges lo[], hi[]. */
static void SpanSetUp(Span *sp, int n, const int *sums, const int *lo, const int *hi)
{
  int cut[2 * BA_NSUMS], ncut = 0;

  sp->nsum = n;
  sp->olo  = INT_MAX;
  sp->ohi  = -1;
  for (int i = 0; i < n; i++) {
    const int s = sums[i];
    sp->sum[i]  = s;
    sp->olo     = PetscMin(sp->olo, lo[s]);
    sp->ohi     = PetscMax(sp->ohi, hi[s]);
    cut[ncut++] = lo[s];
    cut[ncut++] = hi[s] + 1;
  }
  for (int i = 1; i < ncut; i++) /* sorted, unique */
    for (int j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
      const int t = cut[j];
      cut[j]      = cut[j - 1];
      cut[j - 1]  = t;
    }
  sp->nseg = 0;
  for (int i = 0; i + 1 < ncut; i++) {
    if (cut[i] == cut[i + 1]) continue;
    sp->seg_lo[sp->nseg]   = cut[i];
    sp->seg_hi[sp->nseg++] = cut[i + 1] - 1;
  }
  for (int i = 0; i < n; i++) {
    const int s = sums[i];
    for (int k = 0; k < sp->nseg; k++) {
      if (sp->seg_lo[k] == lo[s]) sp->first[i] = k;
      if (sp->seg_hi[k] == hi[s]) sp->last[i] = k;
    }
  }
}

/* Circular length that a filter of half length h needs for the outputs of a span: it is
   fed the samples start = max(0, olo - h) .. min(nsamples - 1, ohi + h), and output n,
   at n - start, depends on the positions n - start - h .. n - start + h, zero beyond the
   samples fed; none of them may wrap onto the samples. */
static int SpanNeed(const Span *span, PetscInt nsamples, int h)
{
  const int a = PetscMax(0, span->olo - h), b = (int)PetscMin(nsamples - 1, (PetscInt)span->ohi + h);

  return PetscMax(b - a + 1 + PetscMax(0, h - (span->olo - a)), span->ohi - a + h + 1);
}

static int LayoutNeed(const Layout *lay, PetscInt nsamples, int h)
{
  int need = 0;
  for (int s = 0; s < lay->nspan; s++)
    need = PetscMax(need, SpanNeed(&lay->span[s], nsamples, h));
  return need;
}

/* Splits the filters, sorted by the length they need, into consecutive groups of one size
   each, minimising sum over groups of r2c(m) + nfilt * (c2c(m) + m), per span. */
static PetscErrorCode LayoutGroups(Spectral sp, Layout *lay)
{
  int order[BA_MAX_FREQS], need[BA_MAX_FREQS], cut[BA_MAX_FREQS + 1];
  double best[BA_MAX_FREQS + 1];
  const int nf = lay->nfilt;

  PetscFunctionBegin;
  for (int k = 0; k < nf; k++) {
    need[k]  = LayoutNeed(lay, sp->nsamples, lay->filt[k].half);
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
  /* best[i] = cheapest cost of the first i sorted filters; cut[i] = start of the last group */
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
  lay->ngroup = 0;
  for (int i = nf; i > 0; i = cut[i])
    lay->ngroup++;
  {
    int g = lay->ngroup;
    for (int i = nf; i > 0; i = cut[i]) {
      SizeGroup *grp = &lay->group[--g];
      int hmax       = 0;

      grp->m     = SmoothSize(need[order[i - 1]]);
      grp->nfilt = i - cut[i];
      PetscCall(PetscMalloc1(grp->nfilt, &grp->filt));
      for (int j = 0; j < grp->nfilt; j++) {
        grp->filt[j] = order[cut[i] + j];
        hmax         = PetscMax(hmax, lay->filt[grp->filt[j]].half);
      }
      /* every member sees all the samples its outputs depend on, and no wrap-around */
      for (int s = 0; s < lay->nspan; s++) {
        const Span *span = &lay->span[s];
        grp->start[s]    = PetscMax(0, span->olo - hmax);
        grp->nin[s]      = (int)PetscMin(sp->nsamples - 1, (PetscInt)(span->ohi + hmax)) - grp->start[s] + 1;
      }
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Takes the nfilt filters (and their taps), groups them by size, plans every size and
   stores each filter's spectrum, rotated and scaled: m complex values, or when lay->real
   (the imaginary parts vanish for an even real and odd imaginary part) m real ones, each
   twice. */
static PetscErrorCode LayoutSetUp(Spectral sp, unsigned flags, int nfilt, Filter *filt, Layout *lay)
{
  PetscFunctionBegin;
  PetscCheck(nfilt >= 0 && nfilt <= BA_MAX_FREQS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%d transforms, need 0..%d", nfilt,
             BA_MAX_FREQS);
  lay->nfilt = nfilt;
  lay->filt  = filt;
  PetscCall(LayoutGroups(sp, lay));
  PetscCall(PetscCalloc1(nfilt, &lay->spec));
  for (int g = 0; g < lay->ngroup; g++) {
    SizeGroup *grp = &lay->group[g];
    const int m    = grp->m;

    PetscCheck(m <= sp->maxm, PETSC_COMM_SELF, PETSC_ERR_PLIB, "transform size %d exceeds work size %d", m, sp->maxm);
    grp->fwd = fftw_plan_dft_r2c_1d(m, sp->xin, sp->xf[0], flags);
    grp->inv = fftw_plan_dft_1d(m, sp->yb, sp->yo, FFTW_BACKWARD, flags);
    PetscCheck(grp->fwd && grp->inv, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a transform of size %d", m);
    for (int j = 0; j < grp->nfilt; j++) {
      const Filter *f    = &filt[grp->filt[j]];
      const int h        = f->half;
      fftw_complex *spec = fftw_alloc_complex(m);
      fftw_plan p;

      PetscCheck(spec, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for a filter spectrum of size %d", m);
      for (int i = 0; i < m; i++)
        spec[i][0] = spec[i][1] = 0;
      for (int i = 0; i <= 2 * h; i++) { /* centre (index h) goes to 0 */
        const int r = ((i - h) % m + m) % m;
        spec[r][0]  = f->taps[i][0] / m;
        spec[r][1]  = f->taps[i][1] / m;
      }
      p = fftw_plan_dft_1d(m, spec, spec, FFTW_FORWARD, FFTW_ESTIMATE);
      PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_LIB, "FFTW could not plan a transform of size %d", m);
      fftw_execute(p);
      fftw_destroy_plan(p);
      if (lay->real) /* stored twice, (w, w), so the product needs no shuffles */
        for (int i = 0; i < m; i++)
          spec[i][1] = spec[i][0];
      lay->spec[grp->filt[j]] = (double *)spec;
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void LayoutDestroy(Layout *lay)
{
  for (int g = 0; g < lay->ngroup; g++) {
    if (lay->group[g].fwd) fftw_destroy_plan(lay->group[g].fwd);
    if (lay->group[g].inv) fftw_destroy_plan(lay->group[g].inv);
    PetscFree(lay->group[g].filt);
  }
  for (int k = 0; k < lay->nfilt; k++) {
    if (lay->spec) fftw_free(lay->spec[k]);
    fftw_free(lay->filt[k].taps);
  }
  PetscFree(lay->spec);
  PetscFree(lay->filt);
  lay->ngroup = 0;
  lay->nfilt  = 0;
}

/* One filter per wavelet, its power summed into the wavelet's own slot. */
static PetscErrorCode WaveletFilters(Spectral sp, Filter **filt)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(sp->nfreq, filt));
  for (int k = 0; k < sp->nfreq; k++) {
    Filter *f = &(*filt)[k];

    f->half    = sp->half[k];
    f->slot[0] = f->slot[1] = k;
    f->taps                 = fftw_alloc_complex(2 * f->half + 1);
    PetscCheck(f->taps, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for wavelet %d", k);
    MorletWavelet(sp->sfreq, sp->freq_hz[k], sp->freq_cycles[k], f->half, f->taps);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Eigen-decomposition of the symmetric a[n][n] by cyclic Jacobi rotations (plain C, so
   every rank and every machine gets the same bits): on return the diagonal of a holds the
   eigenvalues and the columns of v[n][n] the eigenvectors. */
static void JacobiEigen(int n, double *a, double *v)
{
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      v[i * n + j] = i == j;
  for (int sweep = 0; sweep < 64; sweep++) {
    double off = 0, diag = 0;

    for (int p = 0; p < n; p++) {
      diag += a[p * n + p] * a[p * n + p];
      for (int q = p + 1; q < n; q++)
        off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-34 * diag) break;
    for (int p = 0; p < n; p++)
      for (int q = p + 1; q < n; q++) {
        const double apq = a[p * n + q];
        double theta, t, c, s;

        if (apq == 0) continue;
        theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        t     = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        c     = 1 / sqrt(t * t + 1);
        s     = t * c;

        for (int k = 0; k < n; k++) { /* A J, then J^T (A J), then V J */
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
}

/* The wavelets of sub-bin b in one frame of its longest one's length 2 h + 1, centred:
   R[j][t] holds the real part of wavelet j (j < nf) or the imaginary part of wavelet
   j - nf, at t = h + offset from the centre. The real parts are even and the imaginary
   parts odd, so the frame reads the same, but for the imaginary parts' sign, reversed. */
static PetscErrorCode BinWavelets(Spectral sp, const BaFrequencies *fr, int b, int *h, double **R)
{
  const int nf = fr->bin_nfreq[b];
  int L;
  fftw_complex *w;

  PetscFunctionBegin;
  PetscCheck(nf > 0 && nf <= BA_MAX_BINFREQ, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sub-bin %d has %d frequencies", b, nf);
  *h = 0;
  for (int j = 0; j < nf; j++)
    *h = PetscMax(*h, sp->half[fr->bin_freq[b][j]]);
  L = 2 * *h + 1;
  PetscCall(PetscCalloc1((size_t)2 * nf * L, R));
  w = fftw_alloc_complex(L);
  PetscCheck(w, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for a wavelet of %d taps", L);
  for (int j = 0; j < nf; j++) {
    const int k = fr->bin_freq[b][j], hk = sp->half[k];

    MorletWavelet(sp->sfreq, sp->freq_hz[k], sp->freq_cycles[k], hk, w);
    for (int i = 0; i <= 2 * hk; i++) {
      (*R)[(size_t)j * L + *h - hk + i]        = w[i][0];
      (*R)[(size_t)(nf + j) * L + *h - hk + i] = w[i][1];
    }
  }
  fftw_free(w);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A real sub-bin component: taps[2 half + 1], the sub-bin it belongs to, its parity. */
typedef struct {
  int half, bin, odd;
  double *taps;
} Component;

/* The components of every sub-bin, packed two to a transform.

   For a real epoch the summed power of a sub-bin's wavelets at output n is
   sum_f |(x * w_f)(n)|^2 = |R z_n|^2, where the rows of R are the real and imaginary parts
   of the wavelets (centred in one frame of the longest one's length) and z_n the epoch
   around n. With G = R R^T = V diag(l) V^T, it equals sum_i ((x * c_i)(n))^2 for the real
   components c_i = sum_j V[j][i] R_j, of energy |c_i|^2 = l_i. The real parts of the
   wavelets are even and the imaginary parts odd, so G has no even-odd block and each half
   is decomposed on its own: every component is even or odd. Wavelets a hertz apart overlap
   so much that l falls by about a decade per component: components are dropped, smallest
   first, while the energy dropped stays at most tol of the sub-bin's total (tol = 0 keeps
   them all, and the sums are those of the wavelets to rounding).

   An even component in the real part and an odd one in the imaginary part share one
   complex transform whose spectrum is real; the squares of the two outputs go to their
   own sub-bins. */
static PetscErrorCode BinComponents(Spectral sp, const BaFrequencies *fr, double tol, const PetscBool *skip, int *ncomp,
                                    Component *comp)
{
  enum { NMAX = BA_MAX_BINFREQ };

  PetscFunctionBegin;
  *ncomp = 0;
  for (int b = 0; b < BA_NBINS; b++) {
    const int nf = fr->bin_nfreq[b];
    int h, L, keep = 2 * nf, idx[2 * NMAX];
    double *R, G[NMAX * NMAX], V[2][NMAX * NMAX], lam[2 * NMAX], tail = 0, total = 0;

    if (skip[b]) continue;
    PetscCall(BinWavelets(sp, fr, b, &h, &R)); /* R[odd][j][t]: the even or odd parts */
    L = 2 * h + 1;
    for (int odd = 0; odd < 2; odd++) {
      const double *Rp = R + (size_t)odd * nf * L;
      for (int i = 0; i < nf; i++)
        for (int j = 0; j <= i; j++) {
          double g = 0;
          for (int t = 0; t < L; t++)
            g += Rp[(size_t)i * L + t] * Rp[(size_t)j * L + t];
          G[i * nf + j] = G[j * nf + i] = g;
        }
      JacobiEigen(nf, G, V[odd]);
      for (int i = 0; i < nf; i++) {
        lam[odd * nf + i] = G[i * nf + i];
        total += G[i * nf + i];
      }
    }
    for (int i = 0; i < 2 * nf; i++) { /* by eigenvalue, largest first */
      int j = i;
      while (j > 0 && lam[idx[j - 1]] < lam[i]) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = i;
    }
    if (tol > 0)
      while (keep > 1 && tail + lam[idx[keep - 1]] <= tol * total)
        tail += lam[idx[--keep]];
    for (int i = 0; i < keep; i++) {
      const int odd = idx[i] / nf, e = idx[i] % nf;
      const double *Rp = R + (size_t)odd * nf * L;
      Component *c     = &comp[(*ncomp)++];

      c->half = h;
      c->bin  = b;
      c->odd  = odd;
      PetscCall(PetscCalloc1(L, &c->taps));
      for (int j = 0; j < nf; j++) {
        const double v = V[odd][j * nf + e];
        for (int t = 0; t < L; t++)
          c->taps[t] += v * Rp[(size_t)j * L + t];
      }
    }
    PetscCall(PetscFree(R));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Packs the components into complex filters: the i-th even one (by length, longest first)
   with the i-th odd one; the ones left over go alone. */
static PetscErrorCode PackComponents(int ncomp, Component *comp, int *nfilt, Filter **filt)
{
  int *list[2], n[2] = {0, 0};

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(ncomp, &list[0], ncomp, &list[1]));
  for (int i = 0; i < ncomp; i++) { /* per parity, longest first (stable) */
    int *l = list[comp[i].odd], j = n[comp[i].odd]++;
    while (j > 0 && comp[l[j - 1]].half < comp[i].half) {
      l[j] = l[j - 1];
      j--;
    }
    l[j] = i;
  }
  *nfilt = PetscMax(n[0], n[1]);
  PetscCall(PetscCalloc1(*nfilt, filt));
  for (int t = 0; t < *nfilt; t++) {
    Filter *f             = &(*filt)[t];
    const Component *c[2] = {t < n[0] ? &comp[list[0][t]] : NULL, t < n[1] ? &comp[list[1][t]] : NULL};

    f->half = 0;
    for (int p = 0; p < 2; p++) {
      f->slot[p] = c[p] ? c[p]->bin : -1;
      if (c[p]) f->half = PetscMax(f->half, c[p]->half);
    }
    f->taps = fftw_alloc_complex(2 * f->half + 1);
    PetscCheck(f->taps, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for a filter of %d taps", 2 * f->half + 1);
    for (int i = 0; i <= 2 * f->half; i++)
      f->taps[i][0] = f->taps[i][1] = 0;
    for (int p = 0; p < 2; p++)
      if (c[p])
        for (int i = 0; i <= 2 * c[p]->half; i++)
          f->taps[f->half - c[p]->half + i][p] = c[p]->taps[i];
  }
  PetscCall(PetscFree2(list[0], list[1]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Gives each sub-bin filter one transform spanning the baseline and the windows
   (sp->bins[0]) or one for each (bins[1]), whichever the cost model prefers: a short
   filter needs little more than the samples it sums, and two transforms of 256 cost less
   than one of 640, while a long one needs 2 h more samples per transform. */
static PetscErrorCode SplitFilters(Spectral sp, int nfilt, Filter *filt, unsigned flags)
{
  Filter *part[2];
  int n[2] = {0, 0};

  PetscFunctionBegin;
  for (int l = 0; l < 2; l++)
    PetscCall(PetscCalloc1(nfilt, &part[l]));
  for (int k = 0; k < nfilt; k++) {
    const int h         = filt[k].half;
    const double joined = FFTCost(SmoothSize(LayoutNeed(&sp->bins[0], sp->nsamples, h)));
    const double split  = 2 * FFTCost(SmoothSize(LayoutNeed(&sp->bins[1], sp->nsamples, h)));
    const int l         = joined <= split ? 0 : 1;

    part[l][n[l]++] = filt[k];
  }
  PetscCall(PetscFree(filt));
  for (int l = 0; l < 2; l++)
    PetscCall(LayoutSetUp(sp, flags, n[l], part[l], &sp->bins[l]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Quadratic form of a sub-bin's summed power: with z_n(u) = x(n + u), |u| <= h, the power
   of wavelet w (half hw, taps w[0..2 hw]) at output n is |sum_u w[hw - u] z_n(u)|^2, so the
   sub-bin's is z_n^T K z_n with K[u][v] = sum_w Re w[hw - u] Re w[hw - v] + Im .. Im ..
   (x is real), and its sum over the samples n of a range is <K, C>, C[u][v] =
   sum_n x(n + u) x(n + v): the local correlation of the epoch (CorrSums). Every sub-bin
   whose wavelets have at most CORR_MAX_HALF half length goes this way, where a SIMD kernel
   runs (CORR_MAX_HALF). */
static PetscErrorCode CorrSetUp(Spectral sp, const BaFrequencies *fr, PetscBool *corr_bin)
{
  Corr *c        = &sp->corr;
  const int maxh = SpectralKernelAvailable(SPECTRAL_KERNEL_AVX2) ? CORR_MAX_HALF : -1;
  int order[BA_NBINS], half[BA_NBINS];

  PetscFunctionBegin;
  c->H    = 0;
  c->nbin = 0;
  for (int b = 0; b < BA_NBINS; b++) {
    half[b] = 0;
    for (int j = 0; j < fr->bin_nfreq[b]; j++)
      half[b] = PetscMax(half[b], sp->half[fr->bin_freq[b][j]]);
    corr_bin[b] = half[b] <= maxh ? PETSC_TRUE : PETSC_FALSE;
    if (!corr_bin[b]) continue;
    { /* by half length, longest first (stable) */
      int j = c->nbin++;
      while (j > 0 && half[order[j - 1]] < half[b]) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = b;
    }
  }
  for (int i = 0; i < c->nbin; i++) {
    const int b = order[i], nf = fr->bin_nfreq[b];
    int h, L;
    double *r, *K;

    /* K[u][v] = sum_j r_j(u) r_j(v) over the reversed parts, which R's products equal */
    PetscCall(BinWavelets(sp, fr, b, &h, &r));
    L          = 2 * h + 1;
    c->bin[i]  = b;
    c->half[i] = h;
    c->H       = PetscMax(c->H, h);
    PetscCall(PetscMalloc1(CorrRowStart(h, h + 1), &K));
    for (int u = -h; u <= h; u++) {
      double *row = K + CorrRowStart(h, u);
      for (int v = u; v <= h; v++) {
        double g = 0;
        for (int j = 0; j < nf; j++) { /* real, then imaginary part, wavelet by wavelet */
          g += r[(size_t)j * L + u + h] * r[(size_t)j * L + v + h];
          g += r[(size_t)(nf + j) * L + u + h] * r[(size_t)(nf + j) * L + v + h];
        }
        row[v - u] = v > u ? 2 * g : g;
      }
    }
    c->K[i] = K;
    PetscCall(PetscFree(r));
  }
  c->xt   = LanesAlloc(sp->nsamples + 2 * c->H + 2 + 8); /* CorrFirstRow reads 7 past */
  c->tile = LanesAlloc(BA_NSUMS * CORR_TILE);
  c->acc  = LanesAlloc(BA_NSUMS * PetscMax(c->nbin, 1));
  PetscCheck(c->xt && c->tile && c->acc, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for the correlation work");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The per-wavelet layouts, on first use: one filter per wavelet, estimate plans. */
static PetscErrorCode WaveletLayouts(Spectral sp)
{
  Filter *filt;

  PetscFunctionBegin;
  if (sp->sums.nfilt) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(WaveletFilters(sp, &filt));
  PetscCall(LayoutSetUp(sp, FFTW_ESTIMATE, sp->nfreq, filt, &sp->sums));
  PetscCall(WaveletFilters(sp, &filt));
  PetscCall(LayoutSetUp(sp, FFTW_ESTIMATE, sp->nfreq, filt, &sp->full));
  PetscFunctionReturn(PETSC_SUCCESS);
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
                              double tol, Spectral *sp)
{
  const int lo[BA_NSUMS]  = {ranges->base_lo, ranges->win_lo[0], ranges->win_lo[1], ranges->win_lo[2]};
  const int hi[BA_NSUMS]  = {ranges->base_hi, ranges->win_hi[0], ranges->win_hi[1], ranges->win_hi[2]};
  const int all[BA_NSUMS] = {0, 1, 2, 3};
  Spectral s;
  int hmax = 0, nfilt = 0, ncomp = 0;
  Filter *filt;
  Component *comp;
  PetscBool corr_bin[BA_NBINS];

  PetscFunctionBegin;
  PetscCheck(sfreq > 0 && nsamples > 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "need a positive sampling rate and at least 2 samples (got %g Hz, %" PetscInt_FMT ")", sfreq, nsamples);
  PetscCheck(freqs->nfreq > 0 && freqs->nfreq <= BA_MAX_FREQS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "number of frequencies %d outside 1..%d", freqs->nfreq, BA_MAX_FREQS);
  PetscCheck(tol >= 0 && tol < 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "sub-bin component tolerance %g outside [0, 1)", tol);
  for (int k = 0; k < BA_NSUMS; k++)
    PetscCheck(0 <= lo[k] && lo[k] <= hi[k] && hi[k] < nsamples, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "summed range %d has samples %d..%d, outside an epoch of %" PetscInt_FMT " samples", k, lo[k], hi[k],
               nsamples);
  PetscCall(PetscNew(&s));
  s->sfreq    = sfreq;
  s->nsamples = nsamples;
  s->nfreq    = freqs->nfreq;
  for (int k = 0; k < BA_NSUMS; k++) {
    s->lo[k] = lo[k];
    s->hi[k] = hi[k];
  }
  for (int k = 0; k < s->nfreq; k++) {
    PetscCheck(freqs->hz[k] > 0 && freqs->hz[k] < sfreq / 2 && freqs->n_cycles[k] > 0, PETSC_COMM_SELF,
               PETSC_ERR_ARG_OUTOFRANGE, "frequency %g Hz with %g cycles is not usable at %g Hz", freqs->hz[k],
               freqs->n_cycles[k], sfreq);
    s->freq_hz[k]     = freqs->hz[k];
    s->freq_cycles[k] = freqs->n_cycles[k];
    s->half[k]        = MorletHalf(sfreq, freqs->hz[k], freqs->n_cycles[k]);
    hmax              = PetscMax(hmax, s->half[k]);
    /* as MNE, which refuses wavelets longer than the signal */
    PetscCheck(2 * s->half[k] + 1 <= nsamples, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "the wavelet at %g Hz (%g cycles) has %d samples, more than the %" PetscInt_FMT " of an epoch",
               freqs->hz[k], freqs->n_cycles[k], 2 * s->half[k] + 1, nsamples);
  }
  {
    int nbin = 0;
    for (int b = 0; b < BA_NBANDS; b++)
      nbin += BaBands[b].nsub;
    PetscCheck(nbin == BA_NBINS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "the band table has %d sub-bins, not %d", nbin,
               BA_NBINS);
  }
  s->maxm  = SmoothSize((int)nsamples + hmax);
  s->xin   = fftw_alloc_real(s->maxm);
  s->xf[0] = fftw_alloc_complex(s->maxm); /* r2c fills m / 2 + 1, the rest by symmetry */
  s->xf[1] = fftw_alloc_complex(s->maxm);
  s->yb    = fftw_alloc_complex(s->maxm);
  s->yo    = fftw_alloc_complex(s->maxm);
  PetscCheck(s->xin && s->xf[0] && s->xf[1] && s->yb && s->yo, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "out of memory for FFT work of size %d", s->maxm);

  /* what each layout computes: all four sums from one span; the baseline and the windows
     from a span each; the power at every sample */
  s->bins[0].nspan = s->sums.nspan = s->full.nspan = 1;
  s->bins[1].nspan                                 = 2;
  s->bins[0].real = s->bins[1].real = PETSC_TRUE;
  SpanSetUp(&s->bins[0].span[0], BA_NSUMS, all, lo, hi);
  SpanSetUp(&s->bins[1].span[0], 1, all, lo, hi);
  SpanSetUp(&s->bins[1].span[1], BA_NSUMS - 1, all + 1, lo, hi);
  s->sums.span[0] = s->bins[0].span[0];
  {
    const int first = 0, last = (int)nsamples - 1;
    SpanSetUp(&s->full.span[0], 1, all, &first, &last);
    s->full.span[0].nsum = 0;
  }

  /* the hot path (sub-bin sums) is planned as the caller asked; the per-wavelet paths
     serve tests and reference checks */
  PetscCall(PetscMalloc1(2 * BA_MAX_BINFREQ * BA_NBINS, &comp));
  PetscCall(CorrSetUp(s, freqs, corr_bin));
  PetscCall(BinComponents(s, freqs, tol, corr_bin, &ncomp, comp));
  PetscCall(PackComponents(ncomp, comp, &nfilt, &filt));
  for (int i = 0; i < ncomp; i++)
    PetscCall(PetscFree(comp[i].taps));
  PetscCall(PetscFree(comp));
  PetscCall(SplitFilters(s, nfilt, filt, PlannerFlags));
  PetscCall(SpectralSetKernel(s, SPECTRAL_KERNEL_BEST));
  *sp = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

int SpectralTransforms(Spectral sp)
{
  return sp->bins[0].nfilt + 2 * sp->bins[1].nfilt;
}

int SpectralCorrelationBins(Spectral sp)
{
  return sp->corr.nbin;
}

const char *const SpectralKernelTypeNames[] = {"portable",         "avx2", "avx512", "best", "SpectralKernelType",
                                               "SPECTRAL_KERNEL_", NULL};

PetscBool SpectralKernelAvailable(SpectralKernelType type)
{
  __builtin_cpu_init();
  switch (type) {
  case SPECTRAL_KERNEL_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
               ? PETSC_TRUE
               : PETSC_FALSE;
  case SPECTRAL_KERNEL_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? PETSC_TRUE : PETSC_FALSE;
  default:
    return PETSC_TRUE;
  }
}

PetscErrorCode SpectralSetKernel(Spectral sp, SpectralKernelType type)
{
  PetscFunctionBegin;
  if (type == SPECTRAL_KERNEL_BEST)
    type = SpectralKernelAvailable(SPECTRAL_KERNEL_AVX512) ? SPECTRAL_KERNEL_AVX512
           : SpectralKernelAvailable(SPECTRAL_KERNEL_AVX2) ? SPECTRAL_KERNEL_AVX2
                                                           : SPECTRAL_KERNEL_PORTABLE;
  PetscCheck(SpectralKernelAvailable(type), PETSC_COMM_SELF, PETSC_ERR_SUP,
             "this CPU cannot run the %s spectral kernel", SpectralKernelTypeNames[type]);
  sp->kernel = type;
  PetscFunctionReturn(PETSC_SUCCESS);
}

SpectralKernelType SpectralGetKernel(Spectral sp)
{
  return sp->kernel;
}

/* The inner loops below are a third of the run time; they are compiled for AVX-512, for
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

/* y = x w over m interleaved complex x and real w, given as (w, w) pairs. */
HOT_LOOP static void SpectrumScale(int m, const double *restrict x, const double *restrict w, double *restrict y)
{
  for (int i = 0; i < 2 * m; i++)
    y[i] = x[i] * w[i];
}

/* For each interval k < n: sums of the squared real and imaginary parts of the interleaved
   complex y[lo[k] - off .. hi[k] - off]. */
HOT_LOOP static void RangePower(const double *restrict y, int n, const int *lo, const int *hi, int off,
                                double *restrict re, double *restrict im)
{
  for (int k = 0; k < n; k++) {
    double acc[8] = {0};
    int i = 2 * (lo[k] - off), end = 2 * (hi[k] - off) + 2;

    for (; i + 8 <= end; i += 8)
      for (int j = 0; j < 8; j++)
        acc[j] += y[i + j] * y[i + j];
    for (; i < end; i += 2) {
      acc[0] += y[i] * y[i];
      acc[1] += y[i + 1] * y[i + 1];
    }
    re[k] = (acc[0] + acc[2]) + (acc[4] + acc[6]);
    im[k] = (acc[1] + acc[3]) + (acc[5] + acc[7]);
  }
}

/* GCC and Clang vector extensions (lowered to AVX-512, AVX2 or SSE2 per clone) */
typedef double V8 __attribute__((vector_size(64)));              /* 8 lanes, aligned */
typedef double V8u __attribute__((vector_size(64), aligned(8))); /* 8 lanes, unaligned */

_Static_assert(BA_NSUMS == 4, "CorrLanes walks the baseline and three windows in step");

/* The correlation's kernel (spectral_corr.h) for AVX-512, for AVX2 and portably, picked at
   run time (SpectralSetKernel). Each uses FMA (the portable one through the C library's
   fma()), in the same order, so all three give the same bits. */
#define LV_LOAD(p)       _mm512_load_pd(p)
#define LV_STORE(p, v)   _mm512_store_pd(p, v)
#define LV_SPLAT(x)      _mm512_set1_pd(x)
#define LV_ZERO          _mm512_setzero_pd()
#define LV_FMA(a, b, c)  _mm512_fmadd_pd(a, b, c)
#define LV_FNMA(a, b, c) _mm512_fnmadd_pd(a, b, c)
#define LV_KEEP(v)       __asm__("" : "+v"(v))
#define LV               __m512d
#define LV_WIDTH         8
#define CORR_TARGET      __attribute__((target("avx512f,avx2,fma")))
#define CORR_NAME(f)     f##Avx512
#include "spectral_corr.h"
#undef LV_LOAD
#undef LV_STORE
#undef LV_SPLAT
#undef LV_ZERO
#undef LV_FMA
#undef LV_FNMA
#undef LV_KEEP
#undef LV
#undef LV_WIDTH
#undef CORR_TARGET
#undef CORR_NAME

#define LV_LOAD(p)       _mm256_load_pd(p)
#define LV_STORE(p, v)   _mm256_store_pd(p, v)
#define LV_SPLAT(x)      _mm256_set1_pd(x)
#define LV_ZERO          _mm256_setzero_pd()
#define LV_FMA(a, b, c)  _mm256_fmadd_pd(a, b, c)
#define LV_FNMA(a, b, c) _mm256_fnmadd_pd(a, b, c)
#define LV_KEEP(v)       __asm__("" : "+x"(v))
#define LV               __m256d
#define LV_WIDTH         4
#define CORR_TARGET      __attribute__((target("avx2,fma")))
#define CORR_NAME(f)     f##Avx2
#include "spectral_corr.h"
#undef LV_LOAD
#undef LV_STORE
#undef LV_SPLAT
#undef LV_ZERO
#undef LV_FMA
#undef LV_FNMA
#undef LV_KEEP
#undef LV
#undef LV_WIDTH
#undef CORR_TARGET
#undef CORR_NAME

#define LV_LOAD(p)       (*(p))
#define LV_STORE(p, v)   (*(p) = (v))
#define LV_SPLAT(x)      (x)
#define LV_ZERO          0.0
#define LV_FMA(a, b, c)  fma(a, b, c)
#define LV_FNMA(a, b, c) fma(-(a), b, c)
#define LV_KEEP(v)       (void)(v)
#define LV               double
#define LV_WIDTH         1
#define CORR_TARGET
#define CORR_NAME(f) f##Portable
#include "spectral_corr.h"
#undef LV_LOAD
#undef LV_STORE
#undef LV_SPLAT
#undef LV_ZERO
#undef LV_FMA
#undef LV_FNMA
#undef LV_KEEP
#undef LV
#undef LV_WIDTH
#undef CORR_TARGET
#undef CORR_NAME

/* Adds the correlation sub-bins' sums of the nl <= CORR_LANES epochs x[0..nl-1] into
   out[e][bin * BA_NSUMS + s]. */
static void CorrSums(Spectral sp, int nl, const double *const *x, double *const *out)
{
  const Corr *c = &sp->corr;
  double *xp    = c->xt + (c->H + 1) * CORR_LANES; /* sample n, lane l at xp[n CORR_LANES + l] */

  for (PetscInt n = 0; n < sp->nsamples; n++)
    for (int l = 0; l < CORR_LANES; l++)
      xp[n * CORR_LANES + l] = l < nl ? x[l][n] : 0.0;
  switch (sp->kernel) {
  case SPECTRAL_KERNEL_AVX512:
    CorrLanesAvx512(c, sp->lo, sp->hi, 0, xp, c->tile, c->acc);
    break;
  case SPECTRAL_KERNEL_AVX2:
    for (int o = 0; o < CORR_LANES; o += 4)
      CorrLanesAvx2(c, sp->lo, sp->hi, o, xp, c->tile, c->acc);
    break;
  default:
    for (int o = 0; o < CORR_LANES; o++)
      CorrLanesPortable(c, sp->lo, sp->hi, o, xp, c->tile, c->acc);
  }
  for (int i = 0; i < c->nbin; i++)
    for (int s = 0; s < BA_NSUMS; s++)
      for (int l = 0; l < nl; l++)
        out[l][c->bin[i] * BA_NSUMS + s] += c->acc[(i * BA_NSUMS + s) * CORR_LANES + l];
}

/* Spectrum of one real epoch, fed from sample start, for a size group, in xf[0..m-1]. */
static void EpochSpectrum(Spectral sp, const SizeGroup *grp, int start, int nin, const double *x, fftw_complex *xf)
{
  const int m = grp->m;

  for (int i = 0; i < nin; i++)
    sp->xin[i] = x[start + i];
  for (int i = nin; i < m; i++)
    sp->xin[i] = 0;
  fftw_execute_dft_r2c(grp->fwd, sp->xin, xf);
  for (int i = m / 2 + 1; i < m; i++) { /* a real epoch's spectrum: X[i] = conj(X[m - i]) */
    xf[i][0] = xf[m - i][0];
    xf[i][1] = -xf[m - i][1];
  }
}

/* Outputs of filter k for the epoch spectrum xf, in sp->yo (sample n at n - start). */
static void FilterOutputs(Spectral sp, const SizeGroup *grp, const Layout *lay, int k, const fftw_complex *xf)
{
  if (lay->real)
    SpectrumScale(grp->m, (const double *)xf, lay->spec[k], (double *)sp->yb);
  else
    SpectrumProduct(grp->m, (const double *)xf, lay->spec[k], (double *)sp->yb);
  fftw_execute(grp->inv);
}

/* Adds one epoch's sums of a layout into out[slot * BA_NSUMS + sum]. */
static void LayoutSums(Spectral sp, const Layout *lay, const double *x, double *out)
{
  for (int g = 0; g < lay->ngroup; g++) {
    const SizeGroup *grp = &lay->group[g];

    for (int s = 0; s < lay->nspan; s++)
      EpochSpectrum(sp, grp, grp->start[s], grp->nin[s], x, sp->xf[s]);
    for (int j = 0; j < grp->nfilt; j++) {
      const Filter *f = &lay->filt[grp->filt[j]];

      for (int s = 0; s < lay->nspan; s++) {
        const Span *span = &lay->span[s];
        double re[MAX_SEGS], im[MAX_SEGS];

        FilterOutputs(sp, grp, lay, grp->filt[j], sp->xf[s]);
        RangePower((const double *)sp->yo, span->nseg, span->seg_lo, span->seg_hi, grp->start[s], re, im);
        for (int i = 0; i < span->nsum; i++) {
          const int sum = span->sum[i];
          double r = 0, q = 0;

          for (int k = span->first[i]; k <= span->last[i]; k++) {
            r += re[k];
            q += im[k];
          }
          if (f->slot[0] >= 0) out[f->slot[0] * BA_NSUMS + sum] += r;
          if (f->slot[1] >= 0) out[f->slot[1] * BA_NSUMS + sum] += q;
        }
      }
    }
  }
}

/* The transforms take the epochs one after the other (transforming several together, each
   filter spectrum reused over 8 epochs, or FFTW's batched plans, measured no faster); the
   correlation takes them CORR_LANES at a time. */
PetscErrorCode SpectralBinSumsBatch(Spectral sp, PetscInt nep, const double *const *x, double *const *sums)
{
  PetscFunctionBegin;
  for (PetscInt e = 0; e < nep; e++) {
    for (int i = 0; i < BA_NBINS * BA_NSUMS; i++)
      sums[e][i] = 0;
    for (int l = 0; l < 2; l++)
      LayoutSums(sp, &sp->bins[l], x[e], sums[e]);
  }
  if (sp->corr.nbin)
    for (PetscInt e = 0; e < nep; e += CORR_LANES)
      CorrSums(sp, (int)PetscMin(CORR_LANES, nep - e), x + e, sums + e);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SpectralBinSums(Spectral sp, const double *x, double *sums)
{
  PetscFunctionBegin;
  PetscCall(SpectralBinSumsBatch(sp, 1, &x, &sums));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SpectralWindowSumsBatch(Spectral sp, PetscInt nep, const double *const *x, double *const *sums)
{
  PetscFunctionBegin;
  PetscCall(WaveletLayouts(sp));
  for (PetscInt e = 0; e < nep; e++) {
    for (int i = 0; i < sp->nfreq * BA_NSUMS; i++)
      sums[e][i] = 0;
    LayoutSums(sp, &sp->sums, x[e], sums[e]);
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
  PetscCall(WaveletLayouts(sp));
  for (int g = 0; g < lay->ngroup; g++) {
    const SizeGroup *grp = &lay->group[g];

    EpochSpectrum(sp, grp, grp->start[0], grp->nin[0], x, sp->xf[0]);
    for (int j = 0; j < grp->nfilt; j++) {
      const int k = grp->filt[j];
      double *p   = power + (size_t)lay->filt[k].slot[0] * sp->nsamples;

      FilterOutputs(sp, grp, lay, k, sp->xf[0]);
      for (int i = 0; i < (int)sp->nsamples; i++)
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
  for (int l = 0; l < 2; l++)
    LayoutDestroy(&s->bins[l]);
  LayoutDestroy(&s->sums);
  LayoutDestroy(&s->full);
  for (int i = 0; i < s->corr.nbin; i++)
    PetscCall(PetscFree(s->corr.K[i]));
  free(s->corr.xt);
  free(s->corr.tile);
  free(s->corr.acc);
  fftw_free(s->xin);
  fftw_free(s->xf[0]);
  fftw_free(s->xf[1]);
  fftw_free(s->yb);
  fftw_free(s->yo);
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(PETSC_SUCCESS);
}
