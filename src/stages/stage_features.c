/* stage_features.c: the features stage: band-power features and responsiveness per channel.
 *
 * Flow per rank: open and validate the dataset (every rank reads the small metadata), take
 * a contiguous, work-balanced range of channels from the partition, then stream patient by
 * patient in blocks of -block_channels channels: read my rows (collective hyperslabs), clean
 * each epoch, reduce Morlet power to window sums, turn them into per-trial ROI values, run
 * the responsiveness test, average repeated images, write my rows. Memory per rank is one
 * block of raw samples plus one block of features, whatever the cohort size.
 *
 * Collective calls must match across ranks, so the work goes in rounds: in round k every rank
 * reads (independently) and computes its k-th block, whatever patient it is in, then all
 * write their rows collectively; ranks with nothing left pass empty blocks. (Walking the
 * patients in order instead would make a rank wait while another computes a patient it
 * does not share: the ranks' work would run one after the other.) */
#include <fftw3-mpi.h>
#include <bandalign/comm.h>
#include <bandalign/context.h>
#include <bandalign/dataset.h>
#include <bandalign/features.h>
#include <bandalign/partition.h>
#include <bandalign/preprocess.h>
#include <bandalign/progress.h>
#include <bandalign/spectral.h>
#include <bandalign/stage.h>
#include <bandalign/stats.h>
#include <ctype.h>
#include <errno.h>
#include <unistd.h>

typedef struct {
  BaContext ctx;                    /* common options */
  char dataset[PETSC_MAX_PATH_LEN]; /* -dataset: input recordings */
  PetscInt patient_lo, patient_hi;  /* -patients A:B, half-open, file order */
  PetscReal line_hz;                /* -line_hz: notch frequency, 0 = none */
  PetscInt block_channels;          /* -block_channels: channels read and processed at once */
  char wisdom[PETSC_MAX_PATH_LEN];  /* -fftw_wisdom: FFTW wisdom file shared by runs */
  int planner;                      /* -fftw_planner: estimate (reproducible) or measure */
  PetscReal spectral_tol;           /* -spectral_tol: energy share of dropped sub-bin components */
} FeaturesOptions;

/* Per-trial workspace of one channel. */
typedef struct {
  PetscInt ntrials, nsamples, nimages;
  double *epochs;    /* [ntrials][nsamples] detrended, then cleaned */
  double *work;      /* filter workspace */
  double *sums;      /* [ntrials][BA_NBINS * BA_NSUMS] */
  double **ep;       /* the epochs in use, for the batched calls */
  double **epsums;   /* their sums */
  double *feature;   /* [ntrials][BA_NROIS] */
  double *win_mean;  /* [ntrials][BA_NROIS] */
  double *base_mean; /* [ntrials][BA_NROIS] */
  PetscBool *use, *artifact;
  double *x, *y; /* [ntrials] scratch for tests and medians */
  double *acc;   /* [nimages] */
  int *count;    /* [nimages] */
} ChannelWork;

static PetscErrorCode ParsePatients(MPI_Comm comm, const char *s, PetscInt npatients, PetscInt *lo, PetscInt *hi)
{
  long long a = 0, b = npatients;
  char *end = NULL, *end2 = NULL;

  PetscFunctionBegin;
  *lo = 0;
  *hi = npatients;
  if (!s[0]) PetscFunctionReturn(PETSC_SUCCESS);
  errno = 0;
  a     = strtoll(s, &end, 10);
  if (end != s && *end == ':') b = strtoll(end + 1, &end2, 10);
  PetscCheck(isdigit((unsigned char)s[0]) && *end == ':' && isdigit((unsigned char)end[1]) && end2 && !*end2 &&
                 errno != ERANGE,
             comm, BA_ERR_INPUT, "-patients: '%s' is not a range A:B", s);
  PetscCheck(0 <= a && a < b && b <= npatients, comm, BA_ERR_INPUT,
             "-patients: range %lld:%lld is empty or outside the %" PetscInt_FMT " patients of the dataset", a, b,
             npatients);
  *lo = (PetscInt)a;
  *hi = (PetscInt)b;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static const char *const PlannerNames[] = {"estimate", "measure", "patient", NULL};
static const unsigned PlannerFlags[]    = {FFTW_ESTIMATE, FFTW_MEASURE, FFTW_PATIENT};

/* -line_hz: 0 (no notch) or [LINE_HZ_MIN, LINE_HZ_MAX]; the dataset's Nyquist frequency and
   the number of notches (BA_MAX_NOTCH harmonics below it) are checked once it is open */
#define LINE_HZ_MIN 1.0
#define LINE_HZ_MAX 100000.0
/* largest block of samples a rank reads at once (-block_channels) */
#define FEATURES_BLOCK_BYTES 8e9

static PetscErrorCode FeaturesSetFromOptions(FeaturesOptions *o, char *patients, size_t len)
{
  PetscBool help;

  PetscFunctionBegin;
  o->dataset[0]     = 0;
  o->wisdom[0]      = 0;
  patients[0]       = 0;
  o->line_hz        = 50;
  o->block_channels = 8;
  o->spectral_tol   = BA_SPECTRAL_TOL;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign features: band-power features and responsiveness", NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o->ctx, "Output features file", "features.h5"));
  PetscCall(OptionsString(PetscOptionsObject, "-dataset", "Input bandalign-dataset file", o->dataset, o->dataset,
                          sizeof(o->dataset), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-patients", "Half-open range A:B of patients (file order) to process",
                          patients, patients, len, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-line_hz",
                        "Line frequency to notch with its harmonics below Nyquist (0 = no notch, else at least "
                        "1 Hz, below the dataset's Nyquist frequency, with at most 16 harmonics there)",
                        o->line_hz, 0, LINE_HZ_MAX, &o->line_hz, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-block_channels",
                       "Channels read and processed at once per rank (a block's samples: at most 8 GB)",
                       o->block_channels, 1, PETSC_MAX_INT, &o->block_channels, NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-fftw_wisdom",
                          "FFTW wisdom file: loaded if present, else measured on rank 0 and saved", o->wisdom,
                          o->wisdom, sizeof(o->wisdom), NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-spectral_tol",
                        "Sub-bins summed through FFTs of the components of their wavelets (theta and alpha at "
                        "512 Hz): largest share of a sub-bin's energy left out (0 = none)",
                        o->spectral_tol, 0, 1e-6, &o->spectral_tol, NULL));
  o->planner = 0;
  PetscCall(OptionsChoice(
      PetscOptionsObject, "-fftw_planner",
      "FFTW planning: estimate gives the same plans on every run; measure is faster, shared through wisdom",
      PlannerNames, 0, &o->planner));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(o->ctx.comm));
  if (o->line_hz != 0 && o->line_hz < LINE_HZ_MIN) {
    char got[32];
    snprintf(got, sizeof(got), "%g", (double)o->line_hz); /* C's %g: PETSc's writes 1 as "1." */
    SETERRQ(o->ctx.comm, BA_ERR_INPUT, "-line_hz: must be 0 (no notch) or at least 1 Hz, got %s", got);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sorted image order: order[k] is the dataset index of the k-th image by name. */
static int CompareNames(const void *a, const void *b, void *names)
{
  char *const *n = (char *const *)names;
  return strcmp(n[*(const PetscInt *)a], n[*(const PetscInt *)b]);
}

static PetscErrorCode AnalysisOrder(const Dataset *ds, PetscInt **order, PetscInt **rank_of)
{
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(ds->nimages, order, ds->nimages, rank_of));
  for (PetscInt i = 0; i < ds->nimages; i++)
    (*order)[i] = i;
  qsort_r(*order, (size_t)ds->nimages, sizeof(PetscInt), CompareNames, ds->image_name);
  for (PetscInt k = 0; k < ds->nimages; k++)
    (*rank_of)[(*order)[k]] = k;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double Median(PetscInt n, double *x)
{
  if (n == 0) return NAN;
  qsort(x, (size_t)n, sizeof(double), CompareDouble);
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Everything for one channel: samples raw[ntrials][nsamples] to one row of each ROI. */
static PetscErrorCode ChannelCompute(const FeaturesOptions *o, const Preprocess *pp, Spectral sp,
                                     const BaFrequencies *fr, const BaSampleRanges *rg, const DatasetPatient *pat,
                                     const PetscInt *rank_of, const float *raw, ChannelWork *w, FeaturesBlock *blk,
                                     PetscInt row)
{
  const PetscInt nt = w->ntrials, ns = w->nsamples, ni = w->nimages;
  PetscInt nart, nuse;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(BaLogIds.preprocess, 0, 0, 0, 0));
  for (PetscInt t = 0; t < nt; t++) {
    double *x = w->epochs + (size_t)t * ns;
    w->use[t] = (PetscBool)(pat->stimulus[t] >= 0);
    if (!w->use[t]) continue;
    for (PetscInt k = 0; k < ns; k++)
      x[k] = raw[(size_t)t * ns + k];
    PreprocessDetrend(ns, x);
  }
  nart = PreprocessArtifacts(o->ctx.protocol, nt, ns, w->epochs, w->use, w->artifact);
  nuse = 0;
  for (PetscInt t = 0; t < nt; t++)
    if (w->use[t]) {
      w->ep[nuse]     = w->epochs + (size_t)t * ns;
      w->epsums[nuse] = w->sums + (size_t)t * BA_NBINS * BA_NSUMS;
      nuse++;
    }
  PreprocessNotchBatch(pp, nuse, ns, w->ep, w->work);
  PetscCall(PetscLogEventEnd(BaLogIds.preprocess, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(BaLogIds.morlet, 0, 0, 0, 0));
  PetscCall(SpectralBinSumsBatch(sp, nuse, (const double *const *)w->ep, w->epsums));
  PetscCall(PetscLogEventEnd(BaLogIds.morlet, 0, 0, 0, 0));
  for (PetscInt t = 0; t < nt; t++)
    if (w->use[t])
      RoiReduce(fr, rg, w->sums + (size_t)t * BA_NBINS * BA_NSUMS, w->feature + (size_t)t * BA_NROIS,
                w->win_mean + (size_t)t * BA_NROIS, w->base_mean + (size_t)t * BA_NROIS);

  PetscCall(PetscLogEventBegin(BaLogIds.wilcoxon, 0, 0, 0, 0));
  blk->n_artifacts[row] = (int)nart;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscInt n = 0;
    double sw = 0, sb = 0, fill = 0;
    float *out = blk->feature + ((size_t)roi * blk->nrows + row) * ni;

    for (PetscInt t = 0; t < nt; t++) {
      if (!w->use[t] || w->artifact[t]) continue;
      w->x[n] = w->win_mean[t * BA_NROIS + roi];
      w->y[n] = w->base_mean[t * BA_NROIS + roi];
      sw += w->x[n];
      sb += w->y[n];
      n++;
    }
    PetscCall(StatsWilcoxon(n, w->x, w->y, &blk->resp_p[(size_t)roi * blk->nrows + row]));
    blk->increase[(size_t)roi * blk->nrows + row] = (uint8_t)(n > 0 && sw > sb);

    /* artifact trials: the median clean feature (canonical) or zero (the study's code) */
    if (o->ctx.protocol == BA_PROTOCOL_CANONICAL && nart) {
      n = 0;
      for (PetscInt t = 0; t < nt; t++)
        if (w->use[t] && !w->artifact[t]) w->x[n++] = w->feature[t * BA_NROIS + roi];
      fill = Median(n, w->x);
    }
    for (PetscInt i = 0; i < ni; i++) {
      w->acc[i]   = 0;
      w->count[i] = 0;
    }
    for (PetscInt t = 0; t < nt; t++) {
      if (!w->use[t]) continue;
      const PetscInt img = rank_of[pat->stimulus[t]];
      w->acc[img] += w->artifact[t] ? fill : w->feature[t * BA_NROIS + roi];
      w->count[img]++;
    }
    for (PetscInt i = 0; i < ni; i++)
      out[i] = w->count[i] ? (float)(w->acc[i] / w->count[i]) : NAN;
  }
  PetscCall(PetscLogEventEnd(BaLogIds.wilcoxon, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ChannelWorkCreate(PetscInt nt, PetscInt ns, PetscInt ni, ChannelWork *w)
{
  PetscFunctionBegin;
  w->ntrials  = nt;
  w->nsamples = ns;
  w->nimages  = ni;
  PetscCall(PetscMalloc5((size_t)nt * ns, &w->epochs, PreprocessNotchWorkSize(ns), &w->work,
                         (size_t)nt * BA_NBINS * BA_NSUMS, &w->sums, (size_t)nt * BA_NROIS, &w->feature,
                         (size_t)nt * BA_NROIS, &w->win_mean));
  PetscCall(PetscMalloc2(nt, &w->ep, nt, &w->epsums));
  PetscCall(PetscMalloc5((size_t)nt * BA_NROIS, &w->base_mean, nt, &w->use, nt, &w->artifact, nt, &w->x, nt, &w->y));
  PetscCall(PetscMalloc2(ni, &w->acc, ni, &w->count));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode ChannelWorkDestroy(ChannelWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(w->epochs, w->work, w->sums, w->feature, w->win_mean));
  PetscCall(PetscFree2(w->ep, w->epsums));
  PetscCall(PetscFree5(w->base_mean, w->use, w->artifact, w->x, w->y));
  PetscCall(PetscFree2(w->acc, w->count));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Saves FFTW's wisdom to path atomically (a temporary file renamed over it), so that array
   tasks sharing one wisdom file never read a half-written one. A failure to save only
   costs the next run its planning time, so it is a warning. */
static PetscErrorCode WisdomSave(const char *path)
{
  char tmp[PETSC_MAX_PATH_LEN + 32];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()));
  if (!fftw_export_wisdom_to_filename(tmp) || rename(tmp, path)) {
    (void)remove(tmp);
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "features: warning: could not save FFTW wisdom to %s\n", path));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* -fftw_wisdom F is replaced after planning: F must be missing or FFTW wisdom already
   (which starts "(fftw-"), never a file of anything else. Rank 0 looks, all agree. */
static PetscErrorCode WisdomCheck(const FeaturesOptions *o)
{
  char head[8]  = "";
  PetscBool bad = PETSC_FALSE;

  PetscFunctionBegin;
  if (o->wisdom[0] && o->ctx.rank == 0 && access(o->wisdom, F_OK) == 0) {
    FILE *fp = fopen(o->wisdom, "r");
    bad      = !fp || fread(head, 1, 6, fp) != 6 || strncmp(head, "(fftw-", 6) ? PETSC_TRUE : PETSC_FALSE;
    if (fp) fclose(fp);
  }
  PetscCall(CommAgreeErrorf(
      o->ctx.comm, bad, "%s: -fftw_wisdom names a file that is not FFTW wisdom; refusing to replace it", o->wisdom));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Plans on rank 0 first (loading or measuring wisdom), then shares the wisdom so every rank
   builds the same plans, which keeps results identical across ranks. */
static PetscErrorCode SpectralCreateShared(const FeaturesOptions *o, double sfreq, PetscInt ns, const BaFrequencies *fr,
                                           const BaSampleRanges *rg, Spectral *sp)
{
  PetscFunctionBegin;
  SpectralSetPlanner(PlannerFlags[o->planner]);
  PetscCall(WisdomCheck(o));
  if (o->wisdom[0] && o->ctx.rank == 0) (void)fftw_import_wisdom_from_filename(o->wisdom);
  if (o->ctx.rank == 0) PetscCall(SpectralCreate(sfreq, ns, fr, rg, o->spectral_tol, sp));
  fftw_mpi_broadcast_wisdom(o->ctx.comm);
  if (o->ctx.rank != 0) PetscCall(SpectralCreate(sfreq, ns, fr, rg, o->spectral_tol, sp));
  if (o->wisdom[0] && o->ctx.rank == 0) PetscCall(WisdomSave(o->wisdom));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The features file of the selected patients [lo, lo + nsel): images in analysis order,
   channels patient by patient. Collective. */
static PetscErrorCode OutputCreate(const FeaturesOptions *o, const Dataset *ds, const PetscInt *order, PetscInt nchan,
                                   Features *ff)
{
  const DatasetPatient *sel = ds->patient + o->patient_lo;
  const PetscInt nsel       = o->patient_hi - o->patient_lo;
  char **img, **pname, **cname;
  double *mni;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(ds->nimages, &img, nchan, &pname, nchan, &cname, 3 * nchan, &mni));
  for (PetscInt k = 0; k < ds->nimages; k++)
    img[k] = ds->image_name[order[k]];
  for (PetscInt p = 0, g = 0; p < nsel; p++)
    for (PetscInt c = 0; c < sel[p].nchannels; c++, g++) {
      pname[g] = (char *)sel[p].id;
      cname[g] = sel[p].channel_name[c];
      for (int d = 0; d < 3; d++)
        mni[3 * g + d] = sel[p].mni[3 * c + d];
    }
  PetscCall(FeaturesCreate(&o->ctx, o->ctx.out, ds->nimages, img, nchan, pname, cname, mni, ff));
  PetscCall(PetscFree4(img, pname, cname, mni));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The notch filters of -line_hz for a dataset sampled at sfreq: the line frequency below
   Nyquist, with at most BA_MAX_NOTCH harmonics there (what PreprocessSetUp designs). */
static PetscErrorCode LineCheck(const FeaturesOptions *o, double sfreq)
{
  const double nyquist = sfreq / 2.0, harmonics = o->line_hz > 0 ? ceil(nyquist / o->line_hz) - 1 : 0;
  char line[32], nyq[32], least[32]; /* C's %g: PETSc's writes 50 as "50." */

  PetscFunctionBegin;
  if (o->line_hz == 0) PetscFunctionReturn(PETSC_SUCCESS);
  snprintf(line, sizeof(line), "%g", (double)o->line_hz);
  snprintf(nyq, sizeof(nyq), "%g", nyquist);
  snprintf(least, sizeof(least), "%.4g", nyquist / (BA_MAX_NOTCH + 1));
  PetscCheck(o->line_hz < nyquist, o->ctx.comm, BA_ERR_INPUT,
             "-line_hz: %s Hz is not below the Nyquist frequency of %s (%s Hz)", line, o->dataset, nyq);
  PetscCheck(harmonics <= BA_MAX_NOTCH, o->ctx.comm, BA_ERR_INPUT,
             "-line_hz: %s Hz has %.0f harmonics below the Nyquist frequency of %s (%s Hz), at most %d are notched "
             "(give at least %s Hz, or 0 for none)",
             line, harmonics, o->dataset, nyq, BA_MAX_NOTCH, least);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* My blocks: up to -block_channels of my channels of one patient each, as (selected
   patient, first channel, end channel); *maxtrials is the most trials of their patients. */
static PetscErrorCode MyBlocks(const FeaturesOptions *o, const Dataset *ds, const Partition *part, PetscInt ns,
                               PetscInt *nblocks, PetscInt (**block)[3], PetscInt *maxtrials, PetscInt *maxrows)
{
  const DatasetPatient *sel = ds->patient + o->patient_lo;
  const PetscInt nsel = o->patient_hi - o->patient_lo, B = o->block_channels;
  const PetscInt mine = part->rank_lo[o->ctx.rank + 1] - part->rank_lo[o->ctx.rank];
  PetscInt(*b)[3];

  PetscFunctionBegin;
  *nblocks   = 0;
  *maxtrials = 0;
  *maxrows   = 0;
  PetscCall(PetscMalloc1(mine / B + nsel + 1, &b));
  for (PetscInt p = 0; p < nsel; p++) {
    PetscInt lo, hi;
    PetscCheck(sel[p].nsamples == ns, o->ctx.comm, BA_ERR_INPUT,
               "%s: patient %s has %" PetscInt_FMT " samples per epoch, expected %" PetscInt_FMT, o->dataset, sel[p].id,
               sel[p].nsamples, ns);
    PartitionPatientRange(part, o->ctx.rank, p, &lo, &hi);
    for (PetscInt a = lo, rows; a < hi; a += rows) {
      rows           = PetscMin(B, hi - a); /* a + B may not fit a PetscInt */
      b[*nblocks][0] = p;
      b[*nblocks][1] = a;
      b[*nblocks][2] = a + rows;
      (*nblocks)++;
      *maxtrials = PetscMax(*maxtrials, sel[p].ntrials);
      *maxrows   = PetscMax(*maxrows, rows);
    }
  }
  *block = b;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What the rounds of one run share. */
typedef struct {
  const FeaturesOptions *o;
  Dataset *ds;
  const Partition *part;
  Spectral sp;
  const Preprocess *pp;
  const BaFrequencies *fr;
  const BaSampleRanges *rg;
  const PetscInt *rank_of;
  PetscInt ns;
  Features *ff;
  Progress *prog;
} FeaturesRun;

/* My blocks in rounds: in round k every rank reads, computes and writes (collectively) its
   k-th block or an empty one, so ranks working on different patients never wait for each
   other. */
static PetscErrorCode RunRounds(const FeaturesRun *r)
{
  const FeaturesOptions *o  = r->o;
  const DatasetPatient *sel = r->ds->patient + o->patient_lo;
  const PetscInt ns         = r->ns;
  PetscInt nblocks, nrounds, maxtrials, maxrows, (*block)[3] = NULL, done = 0;
  double bytes;
  float *raw;
  FeaturesBlock blk;
  ChannelWork w;

  PetscFunctionBegin;
  PetscCall(MyBlocks(o, r->ds, r->part, ns, &nblocks, &block, &maxtrials, &maxrows));
  /* a block holds at most its patient's channels, whatever -block_channels; its samples
     (float32) may take up to FEATURES_BLOCK_BYTES (computed in double: no overflow) */
  maxrows = PetscMax(maxrows, 1);
  bytes   = (double)maxrows * PetscMax(maxtrials, 1) * ns * sizeof(float);
  PetscCall(CommAgreeErrorf(o->ctx.comm, bytes > FEATURES_BLOCK_BYTES,
                            "-block_channels: a block of %" PetscInt_FMT " channels x %" PetscInt_FMT
                            " trials x %" PetscInt_FMT " samples is %.1f GB of samples, more than %.0f GB per rank "
                            "(give a smaller -block_channels)",
                            maxrows, maxtrials, ns, bytes / 1e9, FEATURES_BLOCK_BYTES / 1e9));
  PetscCall(CommRounds(o->ctx.comm, nblocks, &nrounds));
  PetscCall(PetscMalloc1((size_t)maxrows * PetscMax(maxtrials, 1) * ns, &raw));
  PetscCall(FeaturesBlockCreate(maxrows, r->ds->nimages, &blk));
  PetscCall(ChannelWorkCreate(PetscMax(maxtrials, 1), ns, r->ds->nimages, &w));
  for (PetscInt k = 0; k < nrounds; k++) {
    const PetscInt p = k < nblocks ? block[k][0] : 0, a = k < nblocks ? block[k][1] : 0,
                   z          = k < nblocks ? block[k][2] : 0;
    const DatasetPatient *pat = &sel[p];

    PetscCall(PetscLogEventBegin(BaLogIds.io_read, 0, 0, 0, 0));
    PetscCall(DatasetReadChannels(r->ds, o->patient_lo + p, a, z, raw));
    PetscCall(PetscLogEventEnd(BaLogIds.io_read, 0, 0, 0, 0));
    blk.nrows = z - a;
    w.ntrials = pat->ntrials;
    for (PetscInt c = a; c < z; c++) {
      PetscCall(ChannelCompute(o, r->pp, r->sp, r->fr, r->rg, pat, r->rank_of,
                               raw + (size_t)(c - a) * pat->ntrials * ns, &w, &blk, c - a));
      ProgressUpdate(r->prog, (double)++done);
    }
    PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
    PetscCall(FeaturesWriteBlock(r->ff, r->part->first[p] + a, &blk));
    PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));
  }
  PetscCall(ChannelWorkDestroy(&w));
  PetscCall(FeaturesBlockDestroy(&blk));
  PetscCall(PetscFree(raw));
  PetscCall(PetscFree(block));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageFeatures(void)
{
  FeaturesOptions o;
  char patients[64];
  Dataset ds;
  Features ff;
  Partition part;
  Spectral sp = NULL;
  Preprocess pp;
  BaFrequencies fr;
  BaSampleRanges rg;
  Progress prog;
  PetscInt *order, *rank_of, *nch, nsel, nchan = 0;
  double *work, t0, tmin, tmax, tmean;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(FeaturesSetFromOptions(&o, patients, sizeof(patients)));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsRequire(o.ctx.comm, "-dataset", o.dataset));
  PetscCall(PetscLogStagePush(BaLogIds.features));
  t0 = MPI_Wtime();
  fftw_mpi_init();

  PetscCall(DatasetOpen(o.ctx.comm, o.dataset, o.ctx.protocol, &ds));
  PetscCall(ParsePatients(o.ctx.comm, patients, ds.npatients, &o.patient_lo, &o.patient_hi));
  nsel                      = o.patient_hi - o.patient_lo;
  const DatasetPatient *sel = ds.patient + o.patient_lo;
  const PetscInt ns         = sel[0].nsamples;
  PetscCall(RoiSampleRanges(ds.sfreq, ds.onset, ns, o.ctx.protocol, &rg));
  RoiFrequencies(&fr);
  PetscCall(LineCheck(&o, ds.sfreq));
  PetscCall(PreprocessSetUp(&pp, o.ctx.protocol, ds.sfreq, o.line_hz));
  PetscCall(AnalysisOrder(&ds, &order, &rank_of));

  /* partition the selected patients' channels by work (trials x samples) */
  PetscCall(PetscMalloc2(nsel, &nch, nsel, &work));
  for (PetscInt p = 0; p < nsel; p++) {
    nch[p]  = sel[p].nchannels;
    work[p] = (double)sel[p].ntrials * sel[p].nsamples;
    nchan += nch[p];
  }
  PetscCall(PartitionCreate(o.ctx.comm, nsel, nch, work, &part));
  PetscCall(OutputCreate(&o, &ds, order, nchan, &ff));
  PetscCall(ContextPrintf(&o.ctx,
                          "features: %" PetscInt_FMT " patients, %" PetscInt_FMT " channels, %" PetscInt_FMT
                          " images on %d ranks\n",
                          nsel, nchan, ds.nimages, o.ctx.size));

  PetscCall(SpectralCreateShared(&o, ds.sfreq, ns, &fr, &rg, &sp));
  PetscCall(ContextPrintf(
      &o.ctx, "features: power of %d sub-bins (%d wavelets): %d by local correlation, %d by %d FFTs per epoch\n",
      BA_NBINS, fr.nfreq, SpectralCorrelationBins(sp), BA_NBINS - SpectralCorrelationBins(sp), SpectralTransforms(sp)));
  ProgressBegin(&prog, o.ctx.comm, "features: channels",
                (double)(part.rank_lo[o.ctx.rank + 1] - part.rank_lo[o.ctx.rank]), o.ctx.quiet);
  {
    const FeaturesRun run = {&o, &ds, &part, sp, &pp, &fr, &rg, rank_of, ns, &ff, &prog};
    PetscCall(RunRounds(&run));
  }
  ProgressEnd(&prog);
  PetscCall(FeaturesCommit(&ff));
  PetscCall(CommTimes(o.ctx.comm, MPI_Wtime() - t0, &tmax, &tmin, &tmean));
  PetscCall(ContextPrintf(&o.ctx, "features: wrote %s; %.1f s (rank min %.1f, max %.1f, mean %.1f), %.1f channels/s\n",
                          o.ctx.out, tmax, tmin, tmax, tmean, nchan / tmax));

  PetscCall(SpectralDestroy(&sp));
  PetscCall(FeaturesClose(&ff));
  PetscCall(PetscFree2(nch, work));
  PetscCall(PetscFree2(order, rank_of));
  PetscCall(PartitionDestroy(&part));
  PetscCall(DatasetClose(&ds));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageFeaturesOptions(void)
{
  FeaturesOptions o;
  char patients[64];

  PetscFunctionBegin;
  PetscCall(FeaturesSetFromOptions(&o, patients, sizeof(patients)));
  PetscFunctionReturn(PETSC_SUCCESS);
}
