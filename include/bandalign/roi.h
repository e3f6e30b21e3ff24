/* roi.h: the bands, windows and regions of interest of the analysis (methods.md section 2). */
#ifndef BANDALIGN_ROI_H
#define BANDALIGN_ROI_H

#include <bandalign/bandalign.h>

#define BA_NBANDS      5
#define BA_NWINDOWS    3
#define BA_NROIS       (BA_NBANDS * BA_NWINDOWS)
#define BA_ALIGNED_P   (0.005 / BA_NROIS) /* the study's threshold for an aligned ROI: p < 0.005 / 15 */
#define BA_MAX_SUBBINS 8
#define BA_MAX_FREQS   160               /* distinct (frequency, n_cycles) pairs over all bands */
#define BA_NSUMS       (1 + BA_NWINDOWS) /* per frequency: baseline sum, then one per window */
#define BA_NBINS       16                /* sub-bins over all bands */
#define BA_MAX_BINFREQ 16                /* frequencies in one sub-bin */

typedef struct {
  const char *name;                                   /* theta, alpha, beta, lowgamma, highgamma */
  int lo_hz, hi_hz;                                   /* every integer frequency in [lo_hz, hi_hz] */
  double n_cycles;                                    /* Morlet width in cycles */
  int nsub;                                           /* number of sub-bins */
  int sub_lo[BA_MAX_SUBBINS], sub_hi[BA_MAX_SUBBINS]; /* inclusive, Hz */
} BaBand;

typedef struct {
  int t0_ms, t1_ms; /* post-stimulus window, inclusive */
} BaWindow;

extern const BaBand BaBands[BA_NBANDS];
extern const BaWindow BaWindows[BA_NWINDOWS];
extern const char *const BaBandNames[]; /* for option parsing, then "none" */

/* Inclusive sample ranges of the baseline and of each window within one epoch. */
typedef struct {
  int base_lo, base_hi;
  int win_lo[BA_NWINDOWS], win_hi[BA_NWINDOWS];
} BaSampleRanges;

/* The analysis frequencies: each distinct (Hz, n_cycles) once; band b uses
   freq_index[b][f - lo_hz] for f in [lo_hz, hi_hz]. The sub-bins of all bands, band by
   band: sub-bin s of band b is bin band_bin[b] + s, made of the bin_nfreq frequencies
   bin_freq[bin][..]. */
typedef struct {
  int nfreq;
  double hz[BA_MAX_FREQS];
  double n_cycles[BA_MAX_FREQS];
  int freq_index[BA_NBANDS][200];
  int band_bin[BA_NBANDS];
  int bin_nfreq[BA_NBINS];
  int bin_freq[BA_NBINS][BA_MAX_BINFREQ];
} BaFrequencies;

/* Index of ROI (band, window) and its name "<band>_<t0>_<t1>". */
static inline int RoiIndex(int band, int window)
{
  return band * BA_NWINDOWS + window;
}
void RoiName(int roi, char *buf, size_t len);

/* Sample ranges for an epoch of nsamples at sfreq with stimulus onset at sample onset
   (0-based); the kuzovkin2018 protocol takes the onset one sample early. Not collective;
   errors when a range falls outside the epoch. */
PetscErrorCode RoiSampleRanges(double sfreq, PetscInt onset, PetscInt nsamples, BaProtocol protocol, BaSampleRanges *r);

/* Fills the list of analysis frequencies shared by every band. */
void RoiFrequencies(BaFrequencies *f);

/* Reduces window sums of power to one trial's ROI values. sums[bin * BA_NSUMS + s] is the
   sum of power over the frequencies of sub-bin bin and the samples of s (0 = baseline,
   1.. = windows). Writes
   feature[roi] (max over sub-bins of the window/baseline ratio of mean power) and
   win_mean[roi], base_mean[roi] (mean band power in the window and the baseline). */
void RoiReduce(const BaFrequencies *f, const BaSampleRanges *r, const double *sums, double *feature, double *win_mean,
               double *base_mean);

#endif
