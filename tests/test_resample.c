/* test_resample.c: the importers' resampler on sinusoids: one below the new Nyquist comes
   through unchanged (amplitude and phase), one above it is removed, for down- and
   upsampling to 512 Hz; equal rates are the identity. The 80 dB design allows 1e-4 of
   passband ripple and stopband leakage; the checks use 3e-4. */
#include <bandalign/context.h>
#include <bandalign/resample.h>
#include "check.h"

/* Largest |y[n] - a sin(2 pi f n / 512)| over the middle of a 4 s signal at fs. */
static double SineError(double fs, double f, double a)
{
  const PetscInt64 nx = (PetscInt64)(4 * fs);
  const PetscInt nout = 512; /* output samples 768 .. 1279: 1.5 .. 2.5 s */
  Resampler r;
  double *x, *y, err = 0;

  if (ResamplerCreate(PETSC_COMM_SELF, fs, 512, &r)) return INFINITY;
  x = malloc(sizeof(double) * (size_t)nx);
  y = malloc(sizeof(double) * (size_t)nout);
  for (PetscInt64 j = 0; j < nx; j++)
    x[j] = sin(2 * PETSC_PI * f * (double)j / fs);
  ResamplerApply(&r, nx, x, 768, nout, y);
  for (PetscInt k = 0; k < nout; k++)
    err = fmax(err, fabs(y[k] - a * sin(2 * PETSC_PI * f * (double)(768 + k) / 512)));
  free(x);
  free(y);
  ResamplerDestroy(&r);
  return err;
}

int main(int argc, char **argv)
{
  const double down[] = {1000, 2048, 1024, 2000, 600};
  Resampler r;
  double e;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(25);
  for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
    const double fs = down[i];
    e               = SineError(fs, 100, 1);
    CHECK(e < 3e-4, "%g -> 512 Hz: a 100 Hz sine comes through (max error %.2e)", fs, e);
    e = SineError(fs, 150, 1);
    CHECK(e < 3e-4, "%g -> 512 Hz: a 150 Hz sine comes through (max error %.2e)", fs, e);
    e = SineError(fs, 262, 0);
    CHECK(e < 3e-4, "%g -> 512 Hz: a 262 Hz sine (above the new Nyquist) is removed (max %.2e)", fs, e);
    if (fs > 700) {
      e = SineError(fs, 300, 0);
      CHECK(e < 3e-4, "%g -> 512 Hz: a 300 Hz sine is removed (max %.2e)", fs, e);
    }
  }
  e = SineError(500, 100, 1);
  CHECK(e < 3e-4, "500 -> 512 Hz (upsampling): a 100 Hz sine comes through without images (max error %.2e)", e);
  e = SineError(256.5, 80, 1);
  CHECK(e < 3e-4, "256.5 -> 512 Hz (upsampling by 1024/513): an 80 Hz sine comes through (max error %.2e)", e);

  {
    const PetscErrorCode ierr = ResamplerCreate(PETSC_COMM_SELF, 1000, 512, &r);
    CHECK(!ierr && r.up == 64 && r.down == 125 && r.ntaps % 2 == 1 && fabs(r.cutoff_hz - 230.4) < 1e-9,
          "1000 -> 512 Hz: ratio 64/125, odd length %" PetscInt_FMT ", cut-off 230.4 Hz", r.ntaps);
  }
  ResamplerDestroy(&r);
  {
    double x[5] = {1, -2, 3, 4, 5}, y[7];
    CHECK(!ResamplerCreate(PETSC_COMM_SELF, 512, 512, &r) && r.ntaps == 1, "512 -> 512 Hz is the identity filter");
    ResamplerApply(&r, 5, x, -1, 7, y);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == -2 && y[5] == 5 && y[6] == 0, "identity copies samples, zero outside");
    ResamplerDestroy(&r);
  }
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  CHECK(ResamplerCreate(PETSC_COMM_SELF, 1000.0001, 512, &r) != 0,
        "a rate that is not a multiple of 0.001 Hz is refused");
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscFinalize());
  return CheckDone();
}
