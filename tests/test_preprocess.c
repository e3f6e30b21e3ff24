/* test_preprocess.c: first-principles checks of the preprocess module (detrend, notch
   design and filtering, artifact rule); tests/t_preprocess.sh compares it with scipy. */
#include <bandalign/preprocess.h>
#include <complex.h>
#include "check.h"

/* |H(e^{i 2 pi f / fs})| of one second-order section. */
static double Gain(const double b[3], const double a[3], double f, double fs)
{
  const double complex z = cexp(-I * 2.0 * M_PI * f / fs);
  return cabs((b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z));
}

static void TestDetrend(void)
{
  double x[768], err = 0, s0 = 0, s1 = 0;

  for (int i = 0; i < 768; i++)
    x[i] = 3.5 - 0.25 * i;
  PreprocessDetrend(768, x);
  for (int i = 0; i < 768; i++)
    err = fmax(err, fabs(x[i]));
  CHECK(err < 1e-12, "detrend of a straight line leaves zero (max %.1e)", err);
  for (int i = 0; i < 768; i++)
    x[i] = 10 + 0.1 * i + sin(0.3 * i) + 0.01 * i * i / 768.0;
  PreprocessDetrend(768, x);
  for (int i = 0; i < 768; i++) {
    s0 += x[i];
    s1 += i * x[i];
  }
  CHECK(fabs(s0) < 1e-9 && fabs(s1) < 1e-6, "detrended signal is orthogonal to 1 and t (%.1e, %.1e)", s0, s1);
}

static void TestDesign(void)
{
  Preprocess pp;
  double worst = 0, unity = 0;

  PetscCallAbort(PETSC_COMM_SELF, PreprocessSetUp(&pp, BA_PROTOCOL_CANONICAL, 512.0, 50.0));
  CHECK(pp.nnotch == 5 && pp.notch_hz[0] == 50 && pp.notch_hz[4] == 250, "512 Hz: notches 50..250 Hz (%d)", pp.nnotch);
  for (int k = 0; k < pp.nnotch; k++) {
    worst = fmax(worst, Gain(pp.b[k], pp.a[k], pp.notch_hz[k], 512.0));
    unity = fmax(unity, fabs(Gain(pp.b[k], pp.a[k], 0.0, 512.0) - 1.0));
  }
  CHECK(worst < 1e-12, "each notch has a zero at its frequency (max gain %.1e)", worst);
  CHECK(unity < 1e-12, "each notch passes DC with gain 1 (max deviation %.1e)", unity);
  PetscCallAbort(PETSC_COMM_SELF, PreprocessSetUp(&pp, BA_PROTOCOL_CANONICAL, 500.0, 50.0));
  CHECK(pp.nnotch == 4, "500 Hz: 250 Hz is not below Nyquist, 4 notches (%d)", pp.nnotch);
  PetscCallAbort(PETSC_COMM_SELF, PreprocessSetUp(&pp, BA_PROTOCOL_CANONICAL, 512.0, 0.0));
  CHECK(pp.nnotch == 0, "line_hz 0 designs no notch (%d)", pp.nnotch);
}

/* A long 50 Hz + 30 Hz signal: away from the edges, where the transients have died out
   (bandwidth 1 Hz: decay exp(-pi t) per pass), the chain leaves the 30 Hz part scaled by
   the product of the gains (squared for the zero-phase filtfilt) and removes 50 Hz. */
static void TestFilter(BaProtocol protocol)
{
  enum { N = 8192 };
  static double x[N], work[32 * (N + 64)];
  Preprocess pp;
  double g = 1, err = 0, fs = 512.0;

  PetscCallAbort(PETSC_COMM_SELF, PreprocessSetUp(&pp, protocol, fs, 50.0));
  PetscCheckAbort(PreprocessNotchWorkSize(N) <= sizeof(work) / sizeof(double), PETSC_COMM_SELF, PETSC_ERR_PLIB,
                  "work too small");
  for (int k = 0; k < pp.nnotch; k++) {
    const double gk = Gain(pp.b[k], pp.a[k], 30.0, fs);
    g *= protocol == BA_PROTOCOL_CANONICAL ? gk * gk : gk;
  }
  for (int i = 0; i < N; i++)
    x[i] = sin(2 * M_PI * 30 * i / fs) + 2 * sin(2 * M_PI * 50 * i / fs + 0.4);
  PreprocessNotch(&pp, N, x, work);
  if (protocol == BA_PROTOCOL_CANONICAL) {
    for (int i = 3000; i < 5000; i++)
      err = fmax(err, fabs(x[i] - g * sin(2 * M_PI * 30 * i / fs)));
    CHECK(err < 1e-6, "filtfilt chain: zero-phase, removes 50 Hz, passes 30 Hz at |H|^2 = %.6f (err %.1e)", g, err);
  } else {
    /* causal: the 30 Hz part comes out with the chain's phase; compare amplitudes over the
       last 2048 samples, exactly 120 periods of 30 Hz */
    double c = 0, s = 0, amp;
    for (int i = N - 2048; i < N; i++) {
      c += x[i] * cos(2 * M_PI * 30 * i / fs) / 1024;
      s += x[i] * sin(2 * M_PI * 30 * i / fs) / 1024;
    }
    amp = sqrt(c * c + s * s);
    err = fabs(amp - g);
    CHECK(err < 1e-6, "lfilter chain: removes 50 Hz, passes 30 Hz at |H| = %.6f (amplitude %.6f)", g, amp);
  }
  for (int i = 0; i < N; i++)
    x[i] = 7.25;
  PreprocessNotch(&pp, N, x, work);
  err = 0;
  for (int i = protocol == BA_PROTOCOL_CANONICAL ? 0 : 4096; i < N; i++)
    err = fmax(err, fabs(x[i] - 7.25));
  CHECK(err < 1e-9, "%s chain passes a constant (max deviation %.1e)", BaProtocolNames[protocol], err);
}

/* The batched chain (epochs side by side in SIMD lanes) gives every epoch of 21 (one full
   group of 16 lanes and a partial one), whatever its lane and neighbours, exactly what
   PreprocessNotch gives it alone. */
static void TestBatch(BaProtocol protocol)
{
  enum { E = 21, N = 768 };
  static double x[E][N], y[E][N], work[32 * (N + 64)];
  double *xp[E];
  Preprocess pp;
  int same = 1;

  PetscCallAbort(PETSC_COMM_SELF, PreprocessSetUp(&pp, protocol, 512.0, 50.0));
  CHECK(PreprocessNotchWorkSize(N) <= sizeof(work) / sizeof(double), "batch work size %zu fits",
        PreprocessNotchWorkSize(N));
  for (int e = 0; e < E; e++) {
    for (int i = 0; i < N; i++)
      x[e][i] = y[e][i] = sin(0.37 * i * (e + 1)) + 0.5 * cos(2 * M_PI * 50 * i / 512.0 + e) + 0.01 * i;
    xp[e] = x[e];
  }
  PreprocessNotchBatch(&pp, E, N, xp, work);
  for (int e = 0; e < E; e++) {
    PreprocessNotch(&pp, N, y[e], work);
    same = same && !memcmp(x[e], y[e], sizeof(y[e]));
  }
  CHECK(same, "%s: PreprocessNotchBatch over %d epochs is bit-identical to PreprocessNotch", BaProtocolNames[protocol],
        E);
}

static void TestArtifacts(void)
{
  enum { T = 20, N = 256 };
  static double x[T * N];
  PetscBool use[T], art[T];
  PetscInt nc, nk;

  for (int t = 0; t < T; t++) {
    use[t] = PETSC_TRUE;
    for (int i = 0; i < N; i++)
      x[t * N + i] = sin(0.1 * i + t); /* sd about 0.71 */
  }
  x[3 * N + 10]  = 20;  /* above 10 avg_sd ~ 7.1 either way */
  x[6 * N + 10]  = -20; /* only |x| sees this one */
  x[9 * N + 10]  = 5;   /* below the threshold */
  x[12 * N + 10] = 1e6; /* not used: neither flagged nor counted in avg_sd */
  use[12]        = PETSC_FALSE;
  nc             = PreprocessArtifacts(BA_PROTOCOL_CANONICAL, T, N, x, use, art);
  CHECK(nc == 2 && art[3] && art[6] && !art[9] && !art[12], "canonical flags the two large |x| spikes (%d)", (int)nc);
  nk = PreprocessArtifacts(BA_PROTOCOL_KUZOVKIN2018, T, N, x, use, art);
  CHECK(nk == 1 && art[3] && !art[6] && !art[12], "kuzovkin2018 flags only the positive spike (%d)", (int)nk);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  CheckPlan(17);
  TestDetrend();
  TestDesign();
  TestFilter(BA_PROTOCOL_CANONICAL);
  TestFilter(BA_PROTOCOL_KUZOVKIN2018);
  TestBatch(BA_PROTOCOL_CANONICAL);
  TestBatch(BA_PROTOCOL_KUZOVKIN2018);
  TestArtifacts();
  PetscCall(PetscFinalize());
  return CheckDone();
}
