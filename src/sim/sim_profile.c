/* sim_profile.c: what is planted in each channel, from a profile of the cohort.
 *
 * A profile gives, per band, the probability that a channel responds in that band (one band
 * per channel; ventral and other channels apart), the probability that a responding channel
 * encodes a layer, the share of ventral encoding channels whose layer follows their area
 * along the stream (the others encode a layer drawn at random), when in the epoch the
 * code is carried (the encoding time course), and the share of hierarchy channels with the
 * middle course that code a random layer before and after it (the outer code, which keeps
 * the outer windows from seeing their hierarchy). Two profiles:
 *
 *   single        the hierarchy in one band (-sim_hierarchy_band), the same in every window:
 *                 the demo's planted truth, which a run must recover at any seed;
 *   kuzovkin2018  every band and window set from the figures that Kuzovkin et al. (2018)
 *                 published for their 15 ROIs (data/kuzovkin2018/published-figures.tsv):
 *                 how many channels respond, how many ventral channels encode and how many
 *                 of those follow the hierarchy, and in which windows; docs/simulator.md,
 *                 "The kuzovkin2018 profile", derives each number.
 *
 * Effect size. The image code enters a burst's amplitude as max(0, 1 + g z). How closely the
 * trial's feature then follows z depends on the band: theta's three-cycle wavelets give two
 * or three independent power estimates in a 200 ms window and the evoked response adds a
 * cross term, so a theta channel carries much less of its code than a gamma channel with
 * the same g (bench/burst_model.py: 0.28 against 0.85 at g 0.8). A profile therefore sizes
 * each band's response and gain (SimProfile response, gain): the single profile so that the
 * planted band is found as surely whichever it is. */
#include <bandalign/sim.h>
#include <math.h>
#include <string.h>

/* Frequencies of a band's bursts (Hz). A Morlet wavelet of n cycles at f has a spectral SD
   of f / n, wide at high frequencies: a burst anywhere in its band leaks into the next
   band's wavelets (a 60 Hz burst gives the 70 Hz wavelet of high gamma half its power), and
   the image code leaks with it. Each range is near the frequency whose distance, in those
   SDs, to the nearest wavelets of both neighbours is largest (low gamma: about 2.3 SD from
   beta's 30 Hz and high gamma's 70 Hz, under 1 % of the power), and off 50 Hz. Theta has no
   analysed band below it, so its bursts sit just under its lower edge, human theta still
   and fully seen by its 5 Hz wavelet (spectral SD 1.7 Hz), away from alpha's wide 4-cycle
   wavelets (at 5.5-6.5 Hz, alpha's mean over 9-14 Hz saw about 14 % of a theta burst's
   relative rise, enough for theta channels to make 8 % of planted alpha's discoveries on
   demo; at 5-5.5 Hz about 5 %, and alpha's feature still followed a strong theta channel's
   code with rho 0.29-0.40, at 4.5-5 Hz 0.16-0.30). Alpha's range balances what theta's 5-8
   Hz and beta's 15-22 Hz sub-bins see of it (at 11-12 Hz beta's saw about 16 %, theta's
   4 %; at 10.5-11.5 Hz 10 % and 6 %). */
static const double BurstRange[BA_NBANDS][2] = {{4.5, 5.0}, {10.5, 11.5}, {19.5, 21.5}, {41, 46}, {100, 130}};

/* Encoding time courses: the code is carried from t0 to t1 ms after onset, with 20 ms cosine
   ramps inside; full is the burst's own envelope. The outer code: 30-150 and 350-470 ms,
   clear of 150-350 ms. */
static const double CourseMs[SIM_NCOURSES][2] = {{20, 480}, {30, 230}, {200, 300}, {270, 470}};
static const double OuterMs[2][2]             = {{30, 150}, {350, 470}};
const char *const SimProfileNames[]           = {"single", "kuzovkin2018", NULL};

/* The study's published figures per ROI (band order, then window order), as in
   data/kuzovkin2018/published-figures.tsv (tests/t_simulate.sh compares them): responsive
   channels, alignment rho and p (0.0001 there means below 1e-4). */
const SimPublishedRoi SimPublished[BA_NROIS] = {
    {1484, 0.1359, 0.0739}, {1835, 0.1333, 0.1017}, {1680, -0.1283, 0.5412}, /* theta */
    {773, 0.3378, 0.0007},  {778, 0.3213, 0.0560},  {777, 0, 1.0},           /* alpha */
    {364, 0.2565, 0.1369},  {347, 0.4006, 0.2222},  {397, 0, 1.0},           /* beta */
    {510, 0.5497, 0.0002},  {649, 0.5215, 0.0001},  {705, 0.5340, 0.0001},   /* lowgamma */
    {667, 0.1805, 0.0142},  {917, 0.3301, 0.0001},  {962, 0.2250, 0.0025},   /* highgamma */
};
#define STUDY_CHANNELS 11293

/* The kuzovkin2018 profile (docs/simulator.md, "The kuzovkin2018 profile", derives each
   number from the published figures). Courses: full, early, middle, late. */
static const SimProfile Kuzovkin2018 = {
    .ventral_band     = {0.185, 0.069, 0.025, 0.18, 0.30},
    .other_band       = {0.1056, 0.0523, 0.0241, 0.046, 0.0541},
    .ventral_encoding = {0.9, 0.9, 0.9, 0.9, 0.9},
    .other_encoding   = {0.01, 0.01, 0.01, 0.06, 0.01},
    .hierarchy        = {0.25, 0.6, 0.7, 0.7, 0.5},
    .response         = {1, 1, 1, 1, 1},
    .gain             = {1, 1, 1, 0.7, 1},
    .course_hierarchy = {{0, 0.5, 0.5, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}},
    .course_random    = {{0, 0.5, 0.5, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {1, 0, 0, 0}, {0, 0.5, 0, 0.5}},
    .outer            = {0, 0, 0, 0, 1},
};

void SimProfileGet(const SimParams *par, SimProfile *p)
{
  const int hb = par->hierarchy_band;

  if (par->profile == SIM_PROFILE_KUZOVKIN2018) {
    *p = Kuzovkin2018;
    return;
  }
  /* single: nine in ten ventral channels respond, 85 % of them in the hierarchy band, and
     nine in ten of those encode; the others respond in another band without a code (with
     "none": in any band, nine in ten encoding a random layer); three in ten other channels
     respond in any band, four in ten of those encode a random layer. A ventral channel of
     another band with a random layer would make a rival: a few of them line up by chance
     (demo, seed 5: alpha's ten such channels at rho 0.51, p 0.002, over planted low gamma's
     0.30). Each band's response and gain are sized so that its feature carries its code
     about as closely as beta's does (docs/simulator.md, "Effect size per band"). */
  static const double response[BA_NBANDS] = {3.5, 0.75, 1, 1, 1}, gain[BA_NBANDS] = {1, 1, 1, 0.6, 0.5};

  memset(p, 0, sizeof(*p));
  for (int b = 0; b < BA_NBANDS; b++) {
    p->ventral_band[b]     = hb < BA_NBANDS ? 0.9 * (b == hb ? 0.85 : 0.15 / (BA_NBANDS - 1)) : 0.9 / BA_NBANDS;
    p->other_band[b]       = 0.3 / BA_NBANDS;
    p->ventral_encoding[b] = hb == BA_NBANDS || b == hb ? 0.9 : 0.0;
    p->other_encoding[b]   = 0.4;
    p->hierarchy[b]        = b == hb ? 1.0 : 0.0;
    p->response[b]         = response[b];
    p->gain[b]             = gain[b];
    p->course_hierarchy[b][SIM_COURSE_FULL] = p->course_random[b][SIM_COURSE_FULL] = 1.0;
  }
}

/* The index drawn from probabilities p[0..n-1] by the uniform u; n when u is beyond their sum. */
static int Pick(const double *p, int n, double u)
{
  double s = 0;
  for (int k = 0; k < n; k++) {
    s += p[k];
    if (u < s) return k;
  }
  return n;
}

void SimPlantChannel(const SimParams *par, const SimProfile *prof, SimChannel *c)
{
  SimRng r;
  const int a = AtlasVentralIndex(c->area);
  double u_band, u_enc, u_hier, u_course, n_layer, u_layer, u_r, u_g, u_outer, u_olayer;
  int encoding, hierarchy, layer;

  SimRngInit(&r, par->seed, (uint32_t)c->patient, (uint32_t)c->local, SIM_GLOBAL, SIM_STREAM_PARAMS);
  c->noise_sd       = 30.0 * exp(0.4 * SimRngNormal(&r));
  c->noise_exponent = 1.0 + 1.0 * SimRngUniform(&r);
  c->line_amp       = c->noise_sd * (0.01 + 0.09 * SimRngUniform(&r)) /* bipolar: mostly cancelled */;
  c->erp_amp        = a >= 0 ? c->noise_sd * (0.5 + 1.5 * SimRngUniform(&r)) : 0.0;
  c->artifact_rate  = SimRngUniform(&r) < 0.15 ? 0.02 : 0.0;
  /* every draw is made whatever the outcome, so one channel's numbers do not shift another's */
  u_band   = SimRngUniform(&r);
  u_enc    = SimRngUniform(&r);
  u_hier   = SimRngUniform(&r);
  u_course = SimRngUniform(&r);
  n_layer  = SimRngNormal(&r);
  u_layer  = SimRngUniform(&r);
  u_r      = SimRngUniform(&r);
  u_g      = SimRngUniform(&r);
  c->band  = Pick(a >= 0 ? prof->ventral_band : prof->other_band, BA_NBANDS, u_band);
  c->layer = -1;
  c->gain = c->power_increase = 0;
  c->course                   = SIM_COURSE_FULL;
  c->hierarchy                = 0;
  c->outer_layer              = -1;
  if (c->band == BA_NBANDS) {
    c->band = -1;
    return;
  }
  encoding  = u_enc < (a >= 0 ? prof->ventral_encoding : prof->other_encoding)[c->band];
  hierarchy = a >= 0 && u_hier < prof->hierarchy[c->band];
  /* the layer rises two steps per area along the stream: BA 17 -> pixels/conv1/conv2, ...,
     BA 20 -> fc7/fc8 (one rounding, then the clip) */
  layer             = hierarchy ? (int)lround(2.0 * a + 0.5 * n_layer) : (int)(u_layer * SIM_NLAYERS);
  layer             = PetscMin(PetscMax(layer, 0), SIM_NLAYERS - 1);
  c->power_increase = prof->response[c->band] * (0.5 + 1.5 * u_r);
  for (int k = 0; k < SIM_NBURST; k++) /* where the wavelets of the neighbouring bands see least (BurstRange) */
    c->burst_hz[k] = BurstRange[c->band][0] + (BurstRange[c->band][1] - BurstRange[c->band][0]) * SimRngUniform(&r);
  u_outer  = SimRngUniform(&r); /* drawn last: the draws above are those of the profiles without it */
  u_olayer = SimRngUniform(&r);
  if (!encoding) return;
  c->layer     = layer;
  c->hierarchy = hierarchy;
  c->gain      = prof->gain[c->band] * (par->gain_min + (par->gain_max - par->gain_min) * u_g);
  c->course = Pick(hierarchy ? prof->course_hierarchy[c->band] : prof->course_random[c->band], SIM_NCOURSES, u_course);
  if (c->course == SIM_NCOURSES) c->course = SIM_COURSE_FULL; /* probabilities that sum to just under 1 */
  if (hierarchy && c->course == SIM_COURSE_MIDDLE && u_outer < prof->outer[c->band])
    c->outer_layer = PetscMin((int)(u_olayer * SIM_NLAYERS), SIM_NLAYERS - 1);
}

void SimOuterWeights(double *w)
{
  const double ramp = 0.020;

  for (int n = 0; n < SIM_NSAMPLES; n++) {
    const double t = (n - SIM_ONSET) / SIM_SFREQ;
    w[n]           = 0;
    for (int i = 0; i < 2; i++) {
      const double t0 = OuterMs[i][0] / 1000, t1 = OuterMs[i][1] / 1000;
      if (t <= t0 || t >= t1) continue;
      w[n] = t < t0 + ramp   ? 0.5 - 0.5 * cos(M_PI * (t - t0) / ramp)
             : t > t1 - ramp ? 0.5 + 0.5 * cos(M_PI * (t - (t1 - ramp)) / ramp)
                             : 1;
    }
  }
}

void SimCourseWeights(int course, double *w)
{
  const double t0 = CourseMs[course][0] / 1000, t1 = CourseMs[course][1] / 1000, ramp = 0.020;

  for (int n = 0; n < SIM_NSAMPLES; n++) {
    const double t = (n - SIM_ONSET) / SIM_SFREQ;
    if (course == SIM_COURSE_FULL || t <= t0 || t >= t1)
      w[n] = course == SIM_COURSE_FULL ? 1.0 : 0.0;
    else if (t < t0 + ramp)
      w[n] = 0.5 - 0.5 * cos(M_PI * (t - t0) / ramp);
    else if (t > t1 - ramp)
      w[n] = 0.5 + 0.5 * cos(M_PI * (t - (t1 - ramp)) / ramp);
    else
      w[n] = 1;
  }
}

/* Whether a course carries the code over at least half of window w. */
static int CourseReaches(int course, int w)
{
  const double lo = PetscMax(CourseMs[course][0], (double)BaWindows[w].t0_ms);
  const double hi = PetscMin(CourseMs[course][1], (double)BaWindows[w].t1_ms);
  return hi - lo >= 0.5 * (BaWindows[w].t1_ms - BaWindows[w].t0_ms);
}

void SimRoiPlanCompute(const SimParams *par, const SimCohort *co, SimRoiPlan plan[BA_NROIS])
{
  for (int r = 0; r < BA_NROIS; r++) {
    plan[r].responsive = plan[r].encoding = plan[r].hierarchy = 0;
    plan[r].expected_aligned                                  = -1;
    plan[r].expected_rho = plan[r].expected_responsive = NAN;
  }
  for (PetscInt i = 0; i < co->nchannels; i++) {
    const SimChannel *c = &co->ch[i];
    const int a         = AtlasVentralIndex(c->area);
    if (c->band < 0) continue;
    for (int w = 0; w < BA_NWINDOWS; w++) {
      SimRoiPlan *p = &plan[RoiIndex(c->band, w)];
      p->responsive++;
      if (a < 0 || c->layer < 0 || !CourseReaches(c->course, w)) continue;
      p->encoding++;
      /* a ventral encoding channel follows the hierarchy where its band's profile says so */
      if (c->hierarchy) p->hierarchy++;
    }
  }
  if (par->profile != SIM_PROFILE_KUZOVKIN2018) return;
  for (int r = 0; r < BA_NROIS; r++) {
    const SimPublishedRoi *s    = &SimPublished[r];
    plan[r].expected_aligned    = s->p < BA_ALIGNED_P;
    plan[r].expected_rho        = s->p < BA_ALIGNED_P ? s->rho : NAN;
    plan[r].expected_responsive = s->responsive * (double)co->nchannels / STUDY_CHANNELS;
  }
}
