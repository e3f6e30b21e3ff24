/* preprocess.h: per-epoch cleaning before the wavelet transform (methods.md section 1). */
#ifndef BANDALIGN_PREPROCESS_H
#define BANDALIGN_PREPROCESS_H

#include <bandalign/bandalign.h>

#define BA_MAX_NOTCH 16

/* Second-order notch sections at the line frequency and its harmonics below Nyquist. */
typedef struct {
  BaProtocol protocol; /* canonical: zero-phase filtfilt; kuzovkin2018: causal */
  double sfreq;        /* Hz */
  int nnotch;          /* number of notch frequencies */
  double notch_hz[BA_MAX_NOTCH];
  double b[BA_MAX_NOTCH][3], a[BA_MAX_NOTCH][3]; /* as scipy.signal.iirnotch(f, 50, sfreq) */
} Preprocess;

/* Designs the notch filters for line_hz (0 = none) and its multiples below sfreq / 2. */
PetscErrorCode PreprocessSetUp(Preprocess *pp, BaProtocol protocol, double sfreq, double line_hz);

/* Removes the least-squares line from x[n] in place, as scipy.signal.detrend(type='linear'). */
void PreprocessDetrend(PetscInt n, double *x);

/* Applies every notch in order to x[n] in place: canonical as scipy.signal.filtfilt(b, a, x)
   with its default odd padding of 9 samples (so n > 9, as scipy requires); kuzovkin2018 as
   scipy.signal.lfilter(b, a, x) from zero state. work holds PreprocessNotchWorkSize(n)
   doubles. */
void PreprocessNotch(const Preprocess *pp, PetscInt n, double *x, double *work);

/* PreprocessNotch on nep epochs x[e][n] at once, several side by side in SIMD lanes (the
   filters are serial recursions in time, so one epoch alone leaves the vector units idle).
   Each epoch comes out bit-identical to PreprocessNotch on it alone. work holds
   PreprocessNotchWorkSize(n) doubles. */
void PreprocessNotchBatch(const Preprocess *pp, PetscInt nep, PetscInt n, double *const *x, double *work);

/* Doubles of work PreprocessNotch and PreprocessNotchBatch need for epochs of n samples. */
size_t PreprocessNotchWorkSize(PetscInt n);

/* Artifact rule over one channel's detrended epochs x[ntrials][n] for the trials where
   use[t] is true: avg_sd = mean of the sample standard deviations (n - 1); trial t is an
   artifact where max |x| (canonical) or max x (kuzovkin2018) exceeds 10 avg_sd. Sets
   artifact[t] (false where !use[t]) and returns the count. */
PetscInt PreprocessArtifacts(BaProtocol protocol, PetscInt ntrials, PetscInt n, const double *x, const PetscBool *use,
                             PetscBool *artifact);

#endif
