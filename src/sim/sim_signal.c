/* sim_signal.c: the epochs of one synthetic channel.
 *
 * Each epoch is a sum of independent parts, each from its own random stream keyed by
 * (seed, patient) and counted by (channel, trial), so a channel comes out the same whoever
 * generates it: 1/f^beta background (a random spectrum of 1024 bins through FFTW's inverse
 * real transform, the first 768 samples kept so the epoch is not periodic) plus a white
 * floor (both drawn in the spectrum); 50 Hz line noise and four harmonics with a random phase per
 * trial; on visual channels an evoked response (three smooth Gaussian deflections, so it stays
 * below the beta band); on responsive channels a band-limited burst (on each trial one
 * oscillation at one of the channel's four frequencies inside its band, random phase) under a
 * smooth envelope from 20 to 480 ms, whose amplitude follows the image on encoding channels;
 * and, on a few channels, rare large transients that the artifact rule should catch.
 *
 * One oscillation per trial, not the sum of the four: sinusoids closer in frequency than one
 * over the window add up, with random phases, to a sinusoid of random Rayleigh amplitude, so
 * the trial's burst power would carry an exponential jitter (worst in theta and alpha, whose
 * frequencies lie within 1 Hz) on top of the planted one, drowning the image code (see
 * docs/simulator.md, "The signals").
 *
 * The burst's size is set against the background's own power in the band, so R is the
 * relative power increase whatever the channel's 1/f exponent: the amplitude of a trial is
 * sqrt(R P_band) (1 + g z_image) times a small log-normal jitter. Sines of fixed frequencies
 * are tabulated once (line noise) or once per channel (burst), and a trial's random phase
 * enters as two products per sample: the generator is dominated by the normal deviates of
 * the background spectrum and one FFT per epoch. */
#include <bandalign/sim.h>
#include <math.h>

#define NFFT 1024

#define NLINE 5

struct _p_SimSignal {
  fftw_complex *spec;
  double *time;
  fftw_plan plan;
  double amp[NFFT / 2 + 1];                   /* background amplitude per bin of the current channel */
  double line_cos[NLINE][SIM_NSAMPLES];       /* cos, sin of 2 pi 50 h n / fs: a phase shift is then */
  double line_sin[NLINE][SIM_NSAMPLES];       /* two products per sample, no sin() */
  double burst_cos[SIM_NBURST][SIM_NSAMPLES]; /* the same for the current channel's burst, from onset */
  double burst_sin[SIM_NBURST][SIM_NSAMPLES];
  double envelope[SIM_NSAMPLES];
  double erp[SIM_NSAMPLES];
  double code[SIM_NSAMPLES];  /* weight of the current channel's code per sample (its time course) */
  double outer[SIM_NSAMPLES]; /* the same for its outer code */
};

static double Envelope(double t)
{
  const double a = 0.020, b = 0.070, c = 0.430, d = 0.480;
  if (t <= a || t >= d) return 0;
  if (t < b) return 0.5 - 0.5 * cos(M_PI * (t - a) / (b - a));
  if (t > c) return 0.5 + 0.5 * cos(M_PI * (t - c) / (d - c));
  return 1;
}

static double Erp(double t)
{
  const double g1 = (t - 0.10) / 0.035, g2 = (t - 0.19) / 0.05, g3 = (t - 0.32) / 0.07;
  return -exp(-0.5 * g1 * g1) + 0.8 * exp(-0.5 * g2 * g2) - 0.3 * exp(-0.5 * g3 * g3);
}

PetscErrorCode SimSignalCreate(SimSignal *sig)
{
  SimSignal s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->spec = fftw_alloc_complex(NFFT / 2 + 1);
  s->time = fftw_alloc_real(NFFT);
  PetscCheck(s->spec && s->time, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate FFT buffers");
  /* FFTW_ESTIMATE: the same plan (and so the same rounding) in every process */
  s->plan = fftw_plan_dft_c2r_1d(NFFT, s->spec, s->time, FFTW_ESTIMATE);
  SimOuterWeights(s->outer);
  for (int h = 0; h < NLINE; h++)
    for (int n = 0; n < SIM_NSAMPLES; n++) {
      s->line_cos[h][n] = cos(2 * M_PI * 50.0 * (h + 1) * n / SIM_SFREQ);
      s->line_sin[h][n] = sin(2 * M_PI * 50.0 * (h + 1) * n / SIM_SFREQ);
    }
  for (int n = 0; n < SIM_NSAMPLES; n++) {
    const double t = (n - SIM_ONSET) / SIM_SFREQ;
    s->envelope[n] = n >= SIM_ONSET ? Envelope(t) : 0;
    s->erp[n]      = n >= SIM_ONSET ? Erp(t) : 0;
  }
  *sig = s;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimSignalDestroy(SimSignal *sig)
{
  PetscFunctionBegin;
  if (!*sig) PetscFunctionReturn(PETSC_SUCCESS);
  fftw_destroy_plan((*sig)->plan);
  fftw_free((*sig)->spec);
  fftw_free((*sig)->time);
  PetscCall(PetscFree(*sig));
  PetscFunctionReturn(PETSC_SUCCESS);
}

void SimChannelCode(const SimParams *par, const SimChannel *c, PetscInt n, const double *proj, double *z)
{
  double u[SIM_NPROJ], mean = 0, var = 0;
  SimRng r;

  for (PetscInt i = 0; i < n; i++)
    z[i] = 0;
  if (c->layer < 0) return;
  SimRngInit(&r, par->seed, (uint32_t)c->patient, (uint32_t)c->local, SIM_GLOBAL, SIM_STREAM_PROJECTION);
  for (int k = 0; k < SIM_NPROJ; k++)
    u[k] = SimRngNormal(&r);
  for (int k = 0; k < SIM_NPROJ; k++)
    for (PetscInt i = 0; i < n; i++)
      z[i] += u[k] * proj[((size_t)c->layer * SIM_NPROJ + k) * n + i];
  for (PetscInt i = 0; i < n; i++)
    mean += z[i] / n;
  for (PetscInt i = 0; i < n; i++)
    var += (z[i] - mean) * (z[i] - mean) / n;
  for (PetscInt i = 0; i < n; i++)
    z[i] = var > 0 ? (z[i] - mean) / sqrt(var) : 0;
}

PetscErrorCode SimSignalChannel(SimSignal sig, const SimParams *par, const SimStimuli *st, const SimChannel *c,
                                const double *proj, float *out)
{
  static const double harmonic[NLINE] = {1.0, 0.3, 0.15, 0.05, 0.03};
  const double df = SIM_SFREQ / NFFT, floor_sd = 0.1 * c->noise_sd;
  const uint32_t pat = (uint32_t)c->patient, ch = (uint32_t)c->local;
  double sum2 = 0, scale, floor_amp, p_band = 0, burst_amp = 0, *z, *z2, *x;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(st->nimages, &z, st->nimages, &z2, SIM_NSAMPLES, &x));
  SimChannelCode(par, c, st->nimages, proj, z);
  {
    SimChannel o = *c;
    o.layer      = c->outer_layer;
    SimChannelCode(par, &o, st->nimages, proj, z2);
  }
  for (int k = 1; k < NFFT / 2; k++)
    sum2 += pow(PetscMax(k * df, 1.0), -c->noise_exponent);
  /* the c2r output of bins with E|X_k|^2 = a_k^2 (0 < k < N/2) has variance 2 sum a_k^2: scale
     the 1/f part to noise_sd and add a white floor of floor_sd (variance spread evenly) */
  scale       = c->noise_sd / sqrt(2 * sum2);
  floor_amp   = floor_sd / sqrt(2.0 * (NFFT / 2 - 1));
  sig->amp[0] = sig->amp[NFFT / 2] = 0;
  for (int k = 1; k < NFFT / 2; k++)
    sig->amp[k] = sqrt(scale * scale * pow(PetscMax(k * df, 1.0), -c->noise_exponent) + floor_amp * floor_amp);
  if (c->band >= 0) {
    const BaBand *b = &BaBands[c->band];
    for (int k = 1; k < NFFT / 2; k++)
      if (k * df >= b->lo_hz && k * df <= b->hi_hz) p_band += 2 * sig->amp[k] * sig->amp[k];
    burst_amp = sqrt(c->power_increase * p_band);
    SimCourseWeights(c->course, sig->code);
    for (int k = 0; k < SIM_NBURST; k++)
      for (int n = 0; n < SIM_NSAMPLES; n++) {
        const double w       = 2 * M_PI * c->burst_hz[k] * (n - SIM_ONSET) / SIM_SFREQ;
        sig->burst_cos[k][n] = cos(w);
        sig->burst_sin[k][n] = sin(w);
      }
  }
  for (PetscInt t = 0; t < st->ntrials; t++) {
    const int s = st->stimulus[t];
    SimRng r;

    /* background: random spectrum through the inverse transform */
    SimRngInit(&r, par->seed, pat, ch, (uint32_t)t, SIM_STREAM_NOISE);
    sig->spec[0][0] = sig->spec[0][1] = 0;
    sig->spec[NFFT / 2][0] = sig->spec[NFFT / 2][1] = 0;
    for (int k = 1; k < NFFT / 2; k++) {
      double g1, g2;
      SimRngNormalPair(&r, &g1, &g2);
      sig->spec[k][0] = sig->amp[k] * M_SQRT1_2 * g1;
      sig->spec[k][1] = sig->amp[k] * M_SQRT1_2 * g2;
    }
    fftw_execute(sig->plan);
    for (int n = 0; n < SIM_NSAMPLES; n++)
      x[n] = sig->time[n];

    /* line noise: sin(w n + ph) = sin(w n) cos(ph) + cos(w n) sin(ph) */
    SimRngInit(&r, par->seed, pat, ch, (uint32_t)t, SIM_STREAM_LINE);
    for (int h = 0; h < NLINE; h++) {
      const double ph = 2 * M_PI * SimRngUniform(&r), a = c->line_amp * harmonic[h];
      const double cp = a * cos(ph), sp = a * sin(ph);
      for (int n = 0; n < SIM_NSAMPLES; n++)
        x[n] += sig->line_sin[h][n] * cp + sig->line_cos[h][n] * sp;
    }

    /* evoked response */
    if (c->erp_amp > 0) {
      SimRngInit(&r, par->seed, pat, ch, (uint32_t)t, SIM_STREAM_ERP);
      const double a = c->erp_amp * (1 + 0.2 * SimRngNormal(&r));
      for (int n = SIM_ONSET; n < SIM_NSAMPLES; n++)
        x[n] += a * sig->erp[n];
    }

    /* band-limited burst, sized by the image on encoding channels while its code is carried */
    if (c->band >= 0) {
      const double gz = c->gain * (s >= 0 ? z[s] : 0.0), gz2 = c->gain * (s >= 0 ? z2[s] : 0.0);
      double m;
      SimRngInit(&r, par->seed, pat, ch, (uint32_t)t, SIM_STREAM_BURST);
      m = burst_amp * exp(0.15 * SimRngNormal(&r) - 0.5 * 0.15 * 0.15);
      {
        /* one oscillation of mean power (m max(0, 1 + g z w(t)))^2 at one of the channel's
           frequencies, w the time course of the code */
        const int k     = SimRngInt(&r, SIM_NBURST);
        const double ph = 2 * M_PI * SimRngUniform(&r), cp = M_SQRT2 * m * cos(ph), sp = M_SQRT2 * m * sin(ph);
        for (int n = SIM_ONSET; n < SIM_NSAMPLES; n++)
          x[n] += sig->envelope[n] * PetscMax(0.0, 1 + gz * sig->code[n] + gz2 * sig->outer[n]) *
                  (sig->burst_sin[k][n] * cp + sig->burst_cos[k][n] * sp);
      }
    }

    /* rare artifact transients */
    if (c->artifact_rate > 0) {
      SimRngInit(&r, par->seed, pat, ch, (uint32_t)t, SIM_STREAM_ARTIFACT);
      if (SimRngUniform(&r) < c->artifact_rate) {
        const double a   = c->noise_sd * (15 + 25 * SimRngUniform(&r)) * (SimRngUniform(&r) < 0.5 ? -1 : 1);
        const double tau = (0.01 + 0.05 * SimRngUniform(&r)) * SIM_SFREQ;
        const int n0     = SimRngInt(&r, SIM_NSAMPLES);
        for (int n = n0; n < SIM_NSAMPLES; n++)
          x[n] += a * exp(-(n - n0) / tau);
      }
    }
    for (int n = 0; n < SIM_NSAMPLES; n++)
      out[t * SIM_NSAMPLES + n] = (float)x[n];
  }
  PetscCall(PetscFree3(z, z2, x));
  PetscFunctionReturn(PETSC_SUCCESS);
}
