/* resample.h: rational-rate resampling with a Kaiser-windowed sinc anti-alias filter. */
#ifndef BANDALIGN_RESAMPLE_H
#define BANDALIGN_RESAMPLE_H

#include <bandalign/bandalign.h>

/* A polyphase resampler from fs_in to fs_out = fs_in * up / down (up, down coprime). The
   filter is one linear-phase FIR at the upsampled rate up * fs_in: a windowed sinc whose
   passband ends at 0.8 and stopband starts at 1.0 times the lower of the two Nyquist
   frequencies (cut-off 0.9 times it), Kaiser window for 80 dB of stopband attenuation.
   Equal rates make it the identity (no filter). */
typedef struct {
  double fs_in, fs_out;
  PetscInt up, down; /* fs_out / fs_in = up / down */
  PetscInt ntaps;    /* odd; centre tap (ntaps - 1) / 2 sits at zero delay */
  double cutoff_hz;  /* -6 dB point of the filter (0 for the identity) */
  double *h;         /* [ntaps], gain up in the passband */
} Resampler;

/* Designs the resampler. fs_in must be a multiple of 0.001 Hz and the reduced ratio small
   enough (up <= 4096, down <= 2^20); otherwise an input error naming the rate. Not
   collective (comm is where the error is raised). */
PetscErrorCode ResamplerCreate(MPI_Comm comm, double fs_in, double fs_out, Resampler *r);

/* Output samples n0 .. n0 + nout - 1 of the resampled x[0 .. nx) (output sample n lies at
   time n / fs_out, input sample j at j / fs_in; x is zero outside its range) into y. */
void ResamplerApply(const Resampler *r, PetscInt64 nx, const double *x, PetscInt64 n0, PetscInt nout, double *y);

/* Frees the filter. */
PetscErrorCode ResamplerDestroy(Resampler *r);

#endif
