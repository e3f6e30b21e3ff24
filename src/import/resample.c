/* resample.c: rational-rate resampling for the importers.
 *
 * Recordings arrive at 500, 1000, 1024, 2048 Hz and more; the analysis runs at 512 Hz.
 * A polyphase FIR (upsample by up, filter, keep every down-th sample) handles every
 * rational ratio with one design: the filter lives at up * fs_in and only the taps that
 * meet a non-zero input sample are summed, so an output sample costs about ntaps / up
 * multiply-adds. The importers only need the samples of each epoch, so ResamplerApply
 * computes any range of output samples directly instead of a whole recording.
 *
 * The filter's stopband starts at the lower Nyquist frequency (a design with its cut-off
 * at Nyquist would let the band just above it fold back half-attenuated), so whatever
 * lies above the new Nyquist is 80 dB down before it can alias. The passband runs to 0.8 of that
 * Nyquist frequency (204.8 Hz for a 512 Hz output), well above the 150 Hz the analysis
 * uses. The price is a long filter at large up factors (1000 -> 512 Hz: 6,283 taps,
 * about 98 per output sample), which is nothing next to the Morlet transforms. */
#include <bandalign/context.h>
#include <bandalign/resample.h>

#define ATTENUATION_DB 80.0
#define PASS_FRACTION  0.8
#define MAX_UP         4096
#define MAX_DOWN       (1 << 20)

static long long Gcd(long long a, long long b)
{
  while (b) {
    long long t = a % b;
    a           = b;
    b           = t;
  }
  return a;
}

/* Modified Bessel function of the first kind, order 0, by its power series. */
static double BesselI0(double x)
{
  double sum = 1, term = 1, q = x * x / 4;

  for (int k = 1; k < 500 && term > 1e-17 * sum; k++) {
    term *= q / ((double)k * k);
    sum += term;
  }
  return sum;
}

PetscErrorCode ResamplerCreate(MPI_Comm comm, double fs_in, double fs_out, Resampler *r)
{
  long long in_mhz, out_mhz, g;
  double nyq, pass, stop, fs_up, beta, dw, sum = 0, c;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  PetscCheck(fs_in > 0 && isfinite(fs_in), comm, BA_ERR_INPUT, "sampling rate %g Hz: must be positive", fs_in);
  in_mhz  = llround(fs_in * 1000);
  out_mhz = llround(fs_out * 1000);
  PetscCheck(fabs((double)in_mhz - fs_in * 1000) < 1e-6, comm, BA_ERR_INPUT,
             "sampling rate %.9g Hz: not a multiple of 0.001 Hz, cannot resample to %g Hz", fs_in, fs_out);
  g       = Gcd(in_mhz, out_mhz);
  r->up   = (PetscInt)(out_mhz / g);
  r->down = (PetscInt)(in_mhz / g);
  PetscCheck(r->up <= MAX_UP && r->down <= MAX_DOWN, comm, BA_ERR_INPUT,
             "sampling rate %.9g Hz: ratio %" PetscInt_FMT "/%" PetscInt_FMT " to %g Hz is too fine to resample", fs_in,
             r->up, r->down, fs_out);
  r->fs_in  = fs_in;
  r->fs_out = fs_out;
  if (r->up == 1 && r->down == 1) {
    r->ntaps = 1;
    PetscCall(PetscMalloc1(1, &r->h));
    r->h[0] = 1;
    PetscFunctionReturn(PETSC_SUCCESS);
  }

  /* Kaiser's formulas: beta for the attenuation, length for the transition width */
  nyq          = 0.5 * PetscMin(fs_in, fs_out);
  pass         = PASS_FRACTION * nyq;
  stop         = nyq;
  fs_up        = fs_in * (double)r->up;
  r->cutoff_hz = 0.5 * (pass + stop);
  beta         = 0.1102 * (ATTENUATION_DB - 8.7);
  dw           = 2 * PETSC_PI * (stop - pass) / fs_up;
  n            = (PetscInt)ceil((ATTENUATION_DB - 7.95) / (2.285 * dw)) + 1;
  if (n % 2 == 0) n++;
  r->ntaps = n;
  PetscCall(PetscMalloc1(n, &r->h));
  c = 0.5 * (double)(n - 1);
  for (PetscInt k = 0; k < n; k++) {
    const double t = (double)k - c, a = 2 * r->cutoff_hz / fs_up, u = t / c;
    const double sinc = t == 0 ? 1 : sin(PETSC_PI * a * t) / (PETSC_PI * a * t);
    r->h[k]           = a * sinc * BesselI0(beta * sqrt(PetscMax(0.0, 1 - u * u))) / BesselI0(beta);
    sum += r->h[k];
  }
  /* unit gain at DC after upsampling by up (each phase sums to about 1) */
  for (PetscInt k = 0; k < n; k++)
    r->h[k] *= (double)r->up / sum;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static long long FloorDiv(long long a, long long b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

void ResamplerApply(const Resampler *r, PetscInt64 nx, const double *x, PetscInt64 n0, PetscInt nout, double *y)
{
  const long long L = r->up, M = r->down, c = (r->ntaps - 1) / 2;

  for (PetscInt k = 0; k < nout; k++) {
    const long long u = (long long)(n0 + k) * M; /* position on the upsampled grid */
    long long jlo = -FloorDiv(-(u - c), L), jhi = FloorDiv(u + c, L);
    double s = 0;

    if (jlo < 0) jlo = 0;
    if (jhi > nx - 1) jhi = nx - 1;
    for (long long j = jlo; j <= jhi; j++)
      s += x[j] * r->h[c + u - j * L];
    y[k] = s;
  }
}

PetscErrorCode ResamplerDestroy(Resampler *r)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(r->h));
  PetscFunctionReturn(PETSC_SUCCESS);
}
