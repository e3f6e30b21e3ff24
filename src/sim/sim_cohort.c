/* sim_cohort.c: random streams, stimuli and the electrode geometry of the synthetic cohort.
 *
 * Every random number comes from a Philox4x32-10 stream keyed by (seed, patient) with the
 * counter (channel, trial, block, stream), so a channel's numbers do not depend on which
 * rank draws them or in what order. The cohort itself (shafts, contacts, planted truth) is
 * small and is built identically on every rank; only the signals are split.
 *
 * Shafts are placed one after the other with a running quota: before each shaft, each of the
 * five ventral areas has a deficit (its share of the channels placed so far, minus what it
 * already holds). A shaft aims at the area with the largest deficit of at least one channel,
 * else at a random labelled voxel outside those areas; of a few candidate shafts the one that
 * best fills the deficits without overshooting is kept. This keeps the study's proportions
 * (BA 17, 18, 19, 37, 20 hold about 20, 75, 165, 240, 85 of 11,293 channels) at any scale,
 * although random shafts would put a quarter of all channels there. */
#include <bandalign/sim.h>
#include <math.h>

/* ---- random streams ---- */

void SimRngInit(SimRng *r, uint32_t seed, uint32_t patient, uint32_t channel, uint32_t trial, uint32_t stream)
{
  BaRngSimulator(&r->rng, seed, patient, channel, trial, stream);
  r->has_spare = 0;
}

static uint32_t SimRngNext(SimRng *r)
{
  return BaRngNext(&r->rng);
}

double SimRngUniform(SimRng *r)
{
  const uint64_t hi = SimRngNext(r) >> 5, lo = SimRngNext(r) >> 6; /* 53 bits */
  return ((double)(hi * 67108864u + lo) + 0.5) / 9007199254740992.0;
}

void SimRngNormalPair(SimRng *r, double *a, double *b)
{
  /* Box-Muller on two 32-bit uniforms: one Philox block gives two pairs */
  const double u = (SimRngNext(r) + 0.5) / 4294967296.0, v = (SimRngNext(r) + 0.5) / 4294967296.0;
  const double rad = sqrt(-2.0 * log(u));
  double s, c;
  sincos(2.0 * M_PI * v, &s, &c);
  *a = rad * c;
  *b = rad * s;
}

double SimRngNormal(SimRng *r)
{
  double a;
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  SimRngNormalPair(r, &a, &r->spare);
  r->has_spare = 1;
  return a;
}

int SimRngInt(SimRng *r, int n)
{
  int k = (int)(SimRngUniform(r) * n);
  return k < n ? k : n - 1;
}

/* ---- stimuli ---- */

/* The study's five categories: name prefix and code (stimgroups.txt). */
static const char *const CategoryPrefix[SIM_NCATEGORY] = {"AA", "H", "SCEE", "T", "V"};
static const int CategoryCode[SIM_NCATEGORY]           = {30, 10, 40, 50, 20};

static int CompareNames(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

PetscErrorCode SimStimuliCreate(const SimParams *par, SimStimuli *st)
{
  const PetscInt n = par->nimages, per = n / SIM_NCATEGORY;
  const PetscInt ntargets = (PetscInt)lround(par->target_share * n);
  int *order;
  SimRng r;

  PetscFunctionBegin;
  PetscCheck(n > 0 && n % SIM_NCATEGORY == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "images must be a positive multiple of 5");
  st->nimages = n;
  PetscCall(PetscMalloc1(n, &st->name));
  PetscCall(PetscMalloc1(n, &st->category));
  for (PetscInt c = 0, i = 0; c < SIM_NCATEGORY; c++)
    for (PetscInt k = 1; k <= per; k++, i++) {
      char buf[32];
      PetscCall(PetscSNPrintf(buf, sizeof(buf), per < 100 ? "%s%02d" : "%s%03d", CategoryPrefix[c], (int)k));
      PetscCall(PetscStrallocpy(buf, &st->name[i]));
      st->category[i] = CategoryCode[c];
    }
  /* the prefixes are in name order and the numbers zero-padded: the names are sorted */

  /* presentation order of the images */
  PetscCall(PetscMalloc1(n, &order));
  if (n == 250) {
    for (PetscInt t = 0; t < n; t++) {
      char *key = (char *)SimStudySequence[t], **hit = bsearch(&key, st->name, n, sizeof(char *), CompareNames);
      PetscCheck(hit, PETSC_COMM_SELF, PETSC_ERR_PLIB, "study sequence name %s is not an image", key);
      order[t] = (int)(hit - st->name);
    }
  } else {
    SimRngInit(&r, par->seed, SIM_GLOBAL, 0, SIM_GLOBAL, SIM_STREAM_STIMULI);
    for (PetscInt t = 0; t < n; t++)
      order[t] = (int)t;
    for (PetscInt t = n - 1; t > 0; t--) {
      int k = SimRngInt(&r, (int)t + 1), tmp = order[t];
      order[t] = order[k];
      order[k] = tmp;
    }
  }
  /* target trials (not analysed) at seeded positions among the image trials */
  st->ntrials = n + ntargets;
  PetscCall(PetscMalloc1(st->ntrials, &st->stimulus));
  {
    int *is_target;
    PetscCall(PetscCalloc1(st->ntrials, &is_target));
    SimRngInit(&r, par->seed, SIM_GLOBAL, 1, SIM_GLOBAL, SIM_STREAM_STIMULI);
    for (PetscInt k = 0; k < ntargets; k++) {
      int t;
      do
        t = 1 + SimRngInt(&r, (int)st->ntrials - 1);
      while (is_target[t]);
      is_target[t] = 1;
    }
    for (PetscInt t = 0, i = 0; t < st->ntrials; t++)
      st->stimulus[t] = is_target[t] ? -1 : order[i++];
    PetscCall(PetscFree(is_target));
  }
  PetscCall(PetscFree(order));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimStimuliDestroy(SimStimuli *st)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < st->nimages; i++)
    PetscCall(PetscFree(st->name[i]));
  PetscCall(PetscFree(st->name));
  PetscCall(PetscFree(st->category));
  PetscCall(PetscFree(st->stimulus));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- geometry ---- */

#define CONTACT_MM   3.5
#define MIN_CONTACTS 8
#define MAX_CONTACTS 15
#define MIN_SHAFTS   8
#define MAX_SHAFTS   15
#define CANDIDATES   8
#define MIDLINE_MM   3.0

/* The study's channels per ventral area (of 11,293). */
static const double StudyAreaChannels[BA_NAREAS] = {20, 75, 165, 240, 85};

/* Voxels to aim at: one list per ventral area and one of every other labelled voxel; and
   the left-right extent of labelled voxels in each (j, k) row, the brain mask. */
typedef struct {
  Atlas atlas;
  int dims[3];
  int *list[BA_NAREAS + 1];
  size_t nlist[BA_NAREAS + 1];
  int *row_lo, *row_hi; /* [dims[2]][dims[1]] */
} Targets;

static PetscErrorCode TargetsCreate(Atlas atlas, Targets *t)
{
  size_t fill[BA_NAREAS + 1] = {0};

  PetscFunctionBegin;
  PetscCall(PetscMemzero(t, sizeof(*t)));
  t->atlas = atlas;
  AtlasDims(atlas, t->dims);
  PetscCall(PetscMalloc2(t->dims[1] * t->dims[2], &t->row_lo, t->dims[1] * t->dims[2], &t->row_hi));
  for (int k = 0; k < t->dims[2]; k++)
    for (int j = 0; j < t->dims[1]; j++) {
      int lo = t->dims[0], hi = -1;
      for (int i = 0; i < t->dims[0]; i++) {
        const int l = AtlasVoxelLabel(atlas, i, j, k);
        if (l <= 0) continue;
        const int a = AtlasVentralIndex(l);
        t->nlist[a >= 0 ? a : BA_NAREAS]++;
        if (i < lo) lo = i;
        hi = i;
      }
      t->row_lo[k * t->dims[1] + j] = lo;
      t->row_hi[k * t->dims[1] + j] = hi;
    }
  for (int a = 0; a <= BA_NAREAS; a++) {
    PetscCheck(t->nlist[a] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "atlas: no voxel of %s",
               a < BA_NAREAS ? "a ventral area" : "other areas");
    PetscCall(PetscMalloc1(t->nlist[a], &t->list[a]));
  }
  for (int k = 0; k < t->dims[2]; k++)
    for (int j = 0; j < t->dims[1]; j++)
      for (int i = 0; i < t->dims[0]; i++) {
        const int l = AtlasVoxelLabel(atlas, i, j, k);
        if (l <= 0) continue;
        const int a = AtlasVentralIndex(l), s = a >= 0 ? a : BA_NAREAS;
        t->list[s][fill[s]++] = (k * t->dims[1] + j) * t->dims[0] + i;
      }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TargetsDestroy(Targets *t)
{
  PetscFunctionBegin;
  for (int a = 0; a <= BA_NAREAS; a++)
    PetscCall(PetscFree(t->list[a]));
  PetscCall(PetscFree2(t->row_lo, t->row_hi));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int InsideBrain(const Targets *t, const double mni[3])
{
  int v[3];
  AtlasMniToVoxel(t->atlas, mni, v);
  if (v[1] < 0 || v[2] < 0 || v[1] >= t->dims[1] || v[2] >= t->dims[2]) return 0;
  return v[0] >= t->row_lo[v[2] * t->dims[1] + v[1]] && v[0] <= t->row_hi[v[2] * t->dims[1] + v[1]];
}

/* A candidate shaft: contact positions and the labels of its bipolar midpoints. */
typedef struct {
  double contact[MAX_CONTACTS][3];
  int label[MAX_CONTACTS];
  int gained[BA_NAREAS];
} Shaft;

/* Places a shaft of n contacts through a random voxel of list s, entering laterally. */
static void ShaftPlace(const Targets *t, int s, int n, SimRng *r, Shaft *sh)
{
  const int v = t->list[s][(size_t)(SimRngUniform(r) * t->nlist[s]) % t->nlist[s]];
  const int i = v % t->dims[0], j = (v / t->dims[0]) % t->dims[1], k = v / (t->dims[0] * t->dims[1]);
  double T[3], d[3], norm, side, len = CONTACT_MM * (n - 1), t_mid, t_edge = 0, lo, hi, t0;

  AtlasVoxelToMni(t->atlas, i, j, k, T);
  for (int e = 0; e < 3; e++)
    T[e] += SimRngUniform(r) - 0.5;
  side = T[0] > 0 ? 1.0 : T[0] < 0 ? -1.0 : (SimRngUniform(r) < 0.5 ? -1.0 : 1.0);
  d[0] = side;
  d[1] = 0.3 * SimRngNormal(r);
  d[2] = 0.3 * SimRngNormal(r);
  norm = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  for (int e = 0; e < 3; e++)
    d[e] /= norm;
  /* deepest position that stays off the midline, and the brain's edge along the line */
  t_mid = (MIDLINE_MM - side * T[0]) / (side * d[0]);
  for (double tt = 0; tt < 200; tt += 1.0) {
    double p[3] = {T[0] + tt * d[0], T[1] + tt * d[1], T[2] + tt * d[2]};
    if (!InsideBrain(t, p)) break;
    t_edge = tt;
  }
  lo = PetscMax(t_mid, -len);
  hi = PetscMin(0.0, t_edge - len);
  t0 = lo <= hi ? lo + (hi - lo) * SimRngUniform(r) : PetscMax(t_mid, PetscMin(0.0, t_edge - len));
  for (int c = 0; c < n; c++)
    for (int e = 0; e < 3; e++)
      sh->contact[c][e] = T[e] + (t0 + CONTACT_MM * c) * d[e];
  for (int a = 0; a < BA_NAREAS; a++)
    sh->gained[a] = 0;
  for (int c = 0; c + 1 < n; c++) {
    double m[3];
    for (int e = 0; e < 3; e++)
      m[e] = 0.5 * (sh->contact[c][e] + sh->contact[c + 1][e]);
    sh->label[c] = AtlasLabel(t->atlas, m);
    const int a  = AtlasVentralIndex(sh->label[c]);
    if (a >= 0) sh->gained[a]++;
  }
}

/* Splits total into n parts proportional to weights, largest remainder first. */
static void Apportion(PetscInt total, PetscInt n, const double *w, PetscInt *part)
{
  double sum     = 0;
  PetscInt given = 0;

  for (PetscInt i = 0; i < n; i++)
    sum += w[i];
  for (PetscInt i = 0; i < n; i++) {
    part[i] = (PetscInt)floor(total * w[i] / sum);
    given += part[i];
  }
  while (given < total) {
    PetscInt best = 0;
    double bestr  = -1;
    for (PetscInt i = 0; i < n; i++) {
      const double rem = total * w[i] / sum - part[i];
      if (rem > bestr + 1e-12) {
        bestr = rem;
        best  = i;
      }
    }
    part[best]++;
    given++;
  }
}

/* Shafts and contacts of one patient with nch channels: 8-15 shafts of 8-15 contacts where
   that can hold nch channels, else as few shafts as needed. */
static int PatientShafts(PetscInt nch, SimRng *r, int *ncontacts)
{
  int lo = (int)((nch + MAX_CONTACTS - 2) / (MAX_CONTACTS - 1)), hi = (int)(nch / (MIN_CONTACTS - 1)), ns;

  if (lo < 1) lo = 1;
  if (hi < lo) hi = lo;
  {
    const int a = PetscMax(lo, MIN_SHAFTS), b = PetscMin(hi, MAX_SHAFTS);
    if (a <= b) lo = a, hi = b;
  }
  ns = lo + SimRngInt(r, hi - lo + 1);
  /* channels per shaft: start each at the fewest and hand out the rest at random */
  {
    PetscInt left  = nch;
    const int base = (int)PetscMin((PetscInt)(MIN_CONTACTS - 1), nch / ns);
    for (int s = 0; s < ns; s++) {
      ncontacts[s] = base + 1;
      left -= base;
    }
    while (left > 0) {
      int s = SimRngInt(r, ns), tries = 0;
      while (ncontacts[s] >= MAX_CONTACTS && tries++ < ns)
        s = (s + 1) % ns;
      ncontacts[s]++;
      left--;
    }
  }
  return ns;
}

PetscErrorCode SimCohortCreate(const SimParams *par, Atlas atlas, SimCohort *co)
{
  Targets t;
  SimProfile prof;
  PetscInt *nch, placed = 0, cap;
  double *w, quota[BA_NAREAS], study = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(co, sizeof(*co)));
  PetscCheck(par->npatients > 0 && par->nchannels >= par->npatients, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "need at least one channel per patient");
  PetscCall(TargetsCreate(atlas, &t));
  SimProfileGet(par, &prof);
  co->npatients = par->npatients;
  co->nchannels = par->nchannels;
  PetscCall(PetscMalloc1(co->npatients, &co->patient_id));
  PetscCall(PetscMalloc1(co->npatients + 1, &co->first));
  PetscCall(PetscCalloc1(co->nchannels, &co->ch));
  PetscCall(PetscMalloc2(co->npatients, &nch, co->npatients, &w));
  for (PetscInt p = 0; p < co->npatients; p++) {
    SimRng r;
    SimRngInit(&r, par->seed, (uint32_t)p, SIM_GLOBAL, SIM_GLOBAL, SIM_STREAM_COHORT);
    w[p] = 0.75 + 0.5 * SimRngUniform(&r);
  }
  Apportion(co->nchannels, co->npatients, w, nch);
  for (int a = 0; a < BA_NAREAS; a++)
    study += StudyAreaChannels[a];
  for (int a = 0; a < BA_NAREAS; a++)
    quota[a] = par->ventral_share * StudyAreaChannels[a] / study;

  co->first[0] = 0;
  cap          = co->npatients >= 1000 ? 4 : 3;
  for (PetscInt p = 0; p < co->npatients; p++) {
    SimRng r;
    int ncontacts[1024], ns;
    PetscInt local = 0;

    PetscCheck(nch[p] < 1024 * 7, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "too many channels for one patient");
    PetscCall(PetscSNPrintf(co->patient_id[p], sizeof(co->patient_id[p]), "P%0*d", (int)cap, (int)p + 1));
    SimRngInit(&r, par->seed, (uint32_t)p, SIM_GLOBAL, 0, SIM_STREAM_COHORT);
    ns               = PatientShafts(nch[p], &r, ncontacts);
    co->first[p + 1] = co->first[p] + nch[p];
    for (int s = 0; s < ns; s++) {
      const int n = ncontacts[s];
      double need[BA_NAREAS], best_score = -1e300;
      int aim = BA_NAREAS;
      Shaft sh, best;
      char shaft_name[4];

      PetscCheck(n <= MAX_CONTACTS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "shaft of %d contacts", n);
      for (int a = 0; a < BA_NAREAS; a++) {
        need[a] = quota[a] * (placed + n - 1) - co->area_count[a];
        if (need[a] >= 1.0 && (aim == BA_NAREAS || need[a] > need[aim])) aim = a;
      }
      SimRngInit(&r, par->seed, (uint32_t)p, (uint32_t)s, 1, SIM_STREAM_COHORT);
      for (int cand = 0; cand < CANDIDATES; cand++) {
        double score = 0;
        ShaftPlace(&t, aim, n, &r, &sh);
        for (int a = 0; a < BA_NAREAS; a++) {
          const double want = PetscMax(need[a], 0.0);
          score += PetscMin(sh.gained[a], want) - 2.0 * PetscMax(sh.gained[a] - want, 0.0);
        }
        if (score > best_score) {
          best_score = score;
          best       = sh;
        }
      }
      /* shafts named A..Z, then AA.. */
      if (s < 26)
        PetscCall(PetscSNPrintf(shaft_name, sizeof(shaft_name), "%c", 'A' + s));
      else
        PetscCall(PetscSNPrintf(shaft_name, sizeof(shaft_name), "%c%c", 'A' + s / 26 - 1, 'A' + s % 26));
      for (int c = 0; c + 1 < n; c++, local++) {
        SimChannel *ch = &co->ch[co->first[p] + local];
        ch->patient    = p;
        ch->local      = local;
        PetscCall(PetscSNPrintf(ch->name, sizeof(ch->name), "%s%d-%s%d", shaft_name, c + 1, shaft_name, c + 2));
        for (int e = 0; e < 3; e++)
          ch->mni[e] = 0.5 * (best.contact[c][e] + best.contact[c + 1][e]);
        ch->area    = best.label[c];
        const int a = AtlasVentralIndex(ch->area);
        if (a >= 0) co->area_count[a]++;
        SimPlantChannel(par, &prof, ch);
      }
      placed += n - 1;
    }
    PetscCheck(local == nch[p], PETSC_COMM_SELF, PETSC_ERR_PLIB, "patient %d: %d channels placed, %d planned", (int)p,
               (int)local, (int)nch[p]);
  }
  PetscCall(PetscFree2(nch, w));
  PetscCall(TargetsDestroy(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimCohortDestroy(SimCohort *co)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(co->patient_id));
  PetscCall(PetscFree(co->first));
  PetscCall(PetscFree(co->ch));
  PetscFunctionReturn(PETSC_SUCCESS);
}
