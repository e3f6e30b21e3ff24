/* spectral.h: complex Morlet power of epochs, reduced to sums over the baseline and windows. */
#ifndef BANDALIGN_SPECTRAL_H
#define BANDALIGN_SPECTRAL_H

#include <bandalign/roi.h>

/* Plans and wavelet spectra for one epoch length; reused for every epoch. Not thread-safe;
   one per rank. */
typedef struct _p_Spectral *Spectral;

/* The instructions of the correlation sums (the sub-bins of short wavelets). All give the
   same bits; they differ only in speed. */
typedef enum {
  SPECTRAL_KERNEL_PORTABLE, /* plain C, one epoch at a time, fma() from the C library */
  SPECTRAL_KERNEL_AVX2,     /* AVX2 + FMA, 4 epochs per instruction */
  SPECTRAL_KERNEL_AVX512,   /* AVX-512F + FMA, 8 epochs per instruction */
  SPECTRAL_KERNEL_BEST      /* the fastest this CPU runs (SpectralCreate's choice) */
} SpectralKernelType;

/* "portable", "avx2", "avx512", "best" (a PETSc enum list) */
extern const char *const SpectralKernelTypeNames[];

/* Can this CPU run the kernel? (PORTABLE and BEST always can.) */
PetscBool SpectralKernelAvailable(SpectralKernelType type);

/* Builds the wavelets of every analysis frequency (MNE's morlet(sfreq, f, n_cycles,
   zero_mean=True), truncated at +-5 sigma_t), the quadratic forms of the sub-bins of short
   wavelets (at most 140 samples each side; summed by local correlation where the CPU has
   AVX2 and FMA, else like the others), the components of the other sub-bins' wavelets
   (dropping those that hold at most tol of a sub-bin's energy; 0 keeps all) and the FFTW
   plans for epochs of nsamples. Ranges says which samples are summed. */
PetscErrorCode SpectralCreate(double sfreq, PetscInt nsamples, const BaFrequencies *freqs, const BaSampleRanges *ranges,
                              double tol, Spectral *sp);

/* Default tol of SpectralCreate: at 512 Hz it keeps every component of theta and alpha, the
   transformed sub-bins (their sums move by up to about tol: 5.5e-7 at 1e-6). */
#define BA_SPECTRAL_TOL 1e-10

/* For one detrended epoch x[nsamples]: sums[bin * BA_NSUMS + s] = sum over the
   frequencies of sub-bin bin (BaFrequencies.bin_freq) of the sums SpectralWindowSums gives
   (6.6e-13 relative with tol = 0 and with the default, measured on white, 1/f and
   detrended 1/f^2 epochs; tests/test_spectral.c). This is the features stage's hot path. */
PetscErrorCode SpectralBinSums(Spectral sp, const double *x, double *sums);

/* The same for nep epochs: sums[e] receives the sums of epoch x[e], the same bits as one
   epoch at a time (the correlation takes them 8 at a time, one per SIMD lane). */
PetscErrorCode SpectralBinSumsBatch(Spectral sp, PetscInt nep, const double *const *x, double *const *sums);

/* Complex transforms per epoch of SpectralBinSums, and the sub-bins it sums by local
   correlation instead (no transform). */
int SpectralTransforms(Spectral sp);
int SpectralCorrelationBins(Spectral sp);

/* For one epoch x[nsamples]: sums[k * BA_NSUMS + s] = sum of |W_k(t)|^2 over the samples
   of s (0 = baseline, 1.. = windows), W_k the 'same'-mode linear convolution of x with
   wavelet k (as mne.time_frequency.tfr_array_morlet(..., zero_mean=True, use_fft=True,
   output='power')). */
PetscErrorCode SpectralWindowSums(Spectral sp, const double *x, double *sums);

/* The same for nep epochs: sums[e] receives the sums of epoch x[e]. */
PetscErrorCode SpectralWindowSumsBatch(Spectral sp, PetscInt nep, const double *const *x, double *const *sums);

/* Full power[k][nsamples] of one epoch (for tests and reference checks). */
PetscErrorCode SpectralPower(Spectral sp, const double *x, double *power);

PetscErrorCode SpectralDestroy(Spectral *sp);

/* Switches the correlation sums to another kernel (BEST: the fastest available);
   PETSC_ERR_SUP if this CPU cannot run it. The sums stay the same to the bit. */
PetscErrorCode SpectralSetKernel(Spectral sp, SpectralKernelType type);

/* The kernel in use (BEST resolved). */
SpectralKernelType SpectralGetKernel(Spectral sp);

/* Planner flags (FFTW_ESTIMATE, the default, or FFTW_MEASURE / FFTW_PATIENT) for the
   transforms of every later SpectralCreate. With anything but FFTW_ESTIMATE, plans (and so
   the last bits of the results) depend on timing unless the wisdom is shared. */
void SpectralSetPlanner(unsigned flags);

#endif
