/* stage_rsa.c: the rsa stage: global responsiveness, layer RDMs, Spearman RSA with a shared
 * permutation null, global correction, anatomy and alignment.
 *
 * Distribution. The heavy data are the channels' features and the permutation work; both
 * stay on the rank that owns the channel. Per ROI, the responsive channels (known only after
 * the global FDR over every channel of every file) are split evenly over the ranks in global
 * order, so every rank's channels are one contiguous range of rows in the output. What
 * crosses ranks are a few numbers per channel: the responsiveness p-values and the
 * (channel, layer) p-values, gathered to every rank through a PETSc VecScatter so that the
 * corrections run identically everywhere and no flags need scattering back.
 *
 * Reproducibility. Layer RDMs are built by one rank each, in a fixed block order, and
 * broadcast. The permutation engine compares integer rank products, so p-values do not
 * depend on the number of ranks, on how features come split into files, or on where a run
 * was checkpointed and resumed.
 *
 * Resolution below 1 / (m + 1). With m permutations no p-value is below 1 / (m + 1), which
 * in a large BH family can be too coarse to pass at all. After the first m permutations of
 * a ROI, the pairs whose decision more permutations could change are taken further along
 * the same permutation stream, x10 at a time up to -permutations_max: a pair not stopped
 * early, with b below the sequential limit (an imprecise p), that fails the correction now
 * but would pass it if its next x10 brought no exceedance. The decision is taken on the
 * gathered p-values of the whole ROI, identically on every rank, and the work is then
 * spread evenly over the ranks by channel, whoever owns it (its features travel, a few
 * hundred floats). Each pair keeps its own count, so its p is (b + 1) / (used + 1) and its
 * b is that of a brute-force test with 'used' permutations; none of it depends on the
 * ranks. See ResolveSelect for the rule. */
#include <bandalign/alignment.h>
#include <bandalign/atlas.h>
#include <bandalign/context.h>
#include <bandalign/features.h>
#include <bandalign/network.h>
#include <bandalign/permtest.h>
#include <bandalign/progress.h>
#include <bandalign/rdm.h>
#include <bandalign/results.h>
#include <bandalign/stage.h>
#include <bandalign/stats.h>
#include <cblas.h>
#include <petscvec.h>
#include <sched.h>
#include <unistd.h>

#define MAX_FEATURE_FILES 256
#define RDM_BLOCK_COLUMNS 4096

typedef enum { CORRECTION_BH, CORRECTION_BY, CORRECTION_MAXSTAT, CORRECTION_NONE } Correction;
static const char *const CorrectionNames[] = {"bh", "by", "maxstat", "none", NULL};
static const char *const KernelNames[]     = {"blas", "avx2", "avx512", "best", NULL}; /* PermKernelType order */

typedef struct {
  BaContext ctx;                          /* common options */
  char features[16 * PETSC_MAX_PATH_LEN]; /* -features F[,F...] */
  char network[PETSC_MAX_PATH_LEN];       /* -network F */
  char atlas[PETSC_MAX_PATH_LEN];         /* -atlas F: label volume in MNI space */
  char checkpoint[PETSC_MAX_PATH_LEN];    /* -checkpoint F: progress file */
  PetscBool resume;                       /* -resume: continue from the checkpoint */
  PetscReal checkpoint_interval;          /* -checkpoint_interval: seconds between saves */
  PetscInt permutations;                  /* -permutations m */
  PetscInt permutations_max;              /* -permutations_max M: resolution limit of small p (m = off) */
  int kernel;                             /* -permtest_kernel: PermKernelType */
  PetscInt stop_extension; /* -checkpoint_stop_extension N: fail after N checkpoints in extension (tests) */
  PetscInt sequential_h;   /* -sequential h: Besag-Clifford stop (0 = off) */
  PetscInt perm_chunk;     /* -perm_chunk: permutations between progress/checkpoints */
  PetscInt channel_chunk;  /* -channel_chunk: channels ranked and permuted together */
  int correction;          /* -correction */
  PetscReal q;             /* -q: FDR (or FWER) level */
  PetscReal alpha;         /* -alpha: level of -correction none */
  PetscReal responsive_q;  /* -responsive_q: BH level of the responsiveness test */
  int distance;            /* -distance */
  PetscInt noise_splits;   /* -noise_splits */
  PetscInt blas_threads;   /* -blas_threads: OpenBLAS threads per rank (0 = cores / ranks) */
} RsaOptions;

/* Every features file, read as one cohort: global channel g lives in file f at row
   g - first[f]. */
typedef struct {
  PetscInt nfiles;
  Features file[MAX_FEATURE_FILES];
  PetscInt first[MAX_FEATURE_FILES + 1];
  PetscInt n, nimages;
  char **patient, **name; /* [n], borrowed from the files */
  double *mni;            /* [n * 3] */
} Cohort;

static PetscErrorCode RsaSetFromOptions(RsaOptions *o)
{
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCall(PetscStrncpy(o->atlas, BA_DEFAULT_ATLAS, sizeof(o->atlas)));
  o->permutations        = 10000;
  o->sequential_h        = 10;
  o->perm_chunk          = 500;
  o->channel_chunk       = 256;
  o->q                   = 0.05;
  o->alpha               = 0.001;
  o->responsive_q        = 0.05;
  o->noise_splits        = 1000;
  o->checkpoint_interval = 300;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign rsa: Spearman RSA, permutation tests, correction, alignment",
                    NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o->ctx, "Output results file", "results.h5"));
  PetscCall(PetscOptionsString("-features", "Features file(s), comma separated (job-array parts form one family)", NULL,
                               o->features, o->features, sizeof(o->features), NULL));
  PetscCall(PetscOptionsString("-network", "Network file (layer activations or RDMs)", NULL, o->network, o->network,
                               sizeof(o->network), NULL));
  PetscCall(PetscOptionsInt("-permutations", "Permutations of the image labels", NULL, o->permutations,
                            &o->permutations, NULL));
  /* 100 m in 64 bits, capped where the permutation blocks would overflow a PetscInt */
  o->permutations_max = o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018
                            ? o->permutations
                            : (PetscInt)PetscMin(100 * (int64_t)o->permutations, (int64_t)PETSC_MAX_INT / 2);
  PetscCall(PetscOptionsInt("-permutations_max",
                            "Permutations a pair may get to resolve p < 1/(m+1) where the correction needs it "
                            "(m or 0 = off; default 100 m, m under kuzovkin2018)",
                            NULL, o->permutations_max, &o->permutations_max, NULL));
  PetscCall(PetscOptionsInt("-sequential", "Stop a pair after this many exceedances (Besag-Clifford; 0 = run all)",
                            NULL, o->sequential_h, &o->sequential_h, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-permtest_kernel",
                          "Permutation product kernel (same counts whichever runs)", KernelNames, PERM_KERNEL_BEST,
                          &o->kernel));
  PetscCall(PetscOptionsInt("-channel_chunk", "Channels ranked and permuted together (memory: 12 x pairs bytes each)",
                            NULL, o->channel_chunk, &o->channel_chunk, NULL));
  PetscCall(PetscOptionsInt("-perm_chunk", "Permutations between progress lines and checkpoint decisions", NULL,
                            o->perm_chunk, &o->perm_chunk, NULL));
  o->correction = o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018 ? CORRECTION_NONE : CORRECTION_BH;
  PetscCall(OptionsChoice(PetscOptionsObject, "-correction",
                          "Multiple-comparison correction over (channel, layer) pairs of a ROI", CorrectionNames,
                          o->correction, &o->correction));
  PetscCall(PetscOptionsReal("-q", "FDR level of bh/by, FWER level of maxstat", NULL, o->q, &o->q, NULL));
  PetscCall(PetscOptionsReal("-alpha", "Per-pair level of -correction none", NULL, o->alpha, &o->alpha, NULL));
  PetscCall(PetscOptionsReal("-responsive_q", "BH level of the responsiveness test over all channels", NULL,
                             o->responsive_q, &o->responsive_q, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-distance", "Layer RDM distance", BaDistanceNames, BA_DISTANCE_EUCLIDEAN,
                          &o->distance));
  PetscCall(PetscOptionsString("-atlas", "Label volume in MNI space (Brodmann atlas)", NULL, o->atlas, o->atlas,
                               sizeof(o->atlas), NULL));
  PetscCall(PetscOptionsInt("-noise_splits", "Split-half noise estimate of alignment (0 = none)", NULL, o->noise_splits,
                            &o->noise_splits, NULL));
  PetscCall(PetscOptionsInt("-blas_threads", "OpenBLAS threads per rank (0 = cores / ranks)", NULL, o->blas_threads,
                            &o->blas_threads, NULL));
  PetscCall(PetscOptionsString("-checkpoint", "Checkpoint file for progress", NULL, o->checkpoint, o->checkpoint,
                               sizeof(o->checkpoint), &set));
  PetscCall(PetscOptionsBool("-resume", "Resume from -checkpoint", NULL, o->resume, &o->resume, NULL));
  PetscCall(PetscOptionsReal("-checkpoint_interval", "Seconds between checkpoints", NULL, o->checkpoint_interval,
                             &o->checkpoint_interval, NULL));
  PetscCall(PetscOptionsInt("-checkpoint_stop_extension",
                            "For tests of -resume: fail right after the N-th checkpoint written while extending "
                            "(0 = never)",
                            NULL, o->stop_extension, &o->stop_extension, NULL));
  PetscOptionsEnd();
  PetscCheck(o->permutations > 0, PETSC_COMM_WORLD, BA_ERR_INPUT, "-permutations: must be positive");
  if (o->permutations_max == 0) o->permutations_max = o->permutations;
  PetscCheck(o->permutations_max >= o->permutations, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-permutations_max: must be 0 or at least -permutations (%" PetscInt_FMT ")", o->permutations);
  PetscCheck(o->permutations_max <= PETSC_MAX_INT / 2, PETSC_COMM_WORLD, BA_ERR_INPUT, "-permutations_max: at most %d",
             (int)(PETSC_MAX_INT / 2));
  PetscCheck(PermKernelAvailable((PermKernelType)o->kernel), PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-permtest_kernel: this CPU cannot run %s", KernelNames[o->kernel]);
  PetscCheck(o->sequential_h >= 0, PETSC_COMM_WORLD, BA_ERR_INPUT, "-sequential: must be >= 0");
  PetscCheck(o->channel_chunk > 0, PETSC_COMM_WORLD, BA_ERR_INPUT, "-channel_chunk: must be positive");
  PetscCheck(o->perm_chunk > 0, PETSC_COMM_WORLD, BA_ERR_INPUT, "-perm_chunk: must be positive");
  PetscCheck(o->q > 0 && o->q < 1, PETSC_COMM_WORLD, BA_ERR_INPUT, "-q: must be in (0, 1)");
  PetscCheck(o->alpha > 0 && o->alpha < 1, PETSC_COMM_WORLD, BA_ERR_INPUT, "-alpha: must be in (0, 1)");
  PetscCheck(o->responsive_q > 0 && o->responsive_q < 1, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-responsive_q: must be in (0, 1)");
  PetscCheck(o->noise_splits >= 0, PETSC_COMM_WORLD, BA_ERR_INPUT, "-noise_splits: must be >= 0");
  PetscCheck(!o->resume || o->checkpoint[0], PETSC_COMM_WORLD, BA_ERR_INPUT, "-resume: needs -checkpoint F");
  if (o->blas_threads <= 0) {
    cpu_set_t cpus; /* the cores this process may use (a Slurm allocation, taskset) */
    int ncpu = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    o->blas_threads = PetscMax(1, ncpu / o->ctx.size);
  }
  /* the max statistic needs every permutation of every pair, and its floor is 1 / (m + 1)
     by construction (the null is the maximum over the family of the same m permutations) */
  if (o->correction == CORRECTION_MAXSTAT) {
    o->sequential_h     = 0;
    o->permutations_max = o->permutations;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens every features file and checks that they describe the same images. */
static PetscErrorCode CohortOpen(MPI_Comm comm, const char *list, Cohort *c)
{
  char *copy, *tok, *save = NULL;
  PetscInt g = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  PetscCall(PetscStrallocpy(list, &copy));
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscCheck(c->nfiles < MAX_FEATURE_FILES, comm, BA_ERR_INPUT, "-features: more than %d files", MAX_FEATURE_FILES);
    PetscCall(FeaturesOpen(comm, tok, &c->file[c->nfiles]));
    c->nfiles++;
  }
  PetscCall(PetscFree(copy));
  c->nimages = c->file[0].nimages;
  for (PetscInt f = 0; f < c->nfiles; f++) {
    const Features *ff = &c->file[f];
    PetscCheck(ff->nimages == c->nimages, comm, BA_ERR_INPUT, "%s: %" PetscInt_FMT " images, but %s has %" PetscInt_FMT,
               ff->file.path, ff->nimages, c->file[0].file.path, c->nimages);
    for (PetscInt i = 0; i < c->nimages; i++)
      PetscCheck(!strcmp(ff->image_name[i], c->file[0].image_name[i]), comm, BA_ERR_INPUT,
                 "%s: image '%s' does not match '%s' of %s", ff->file.path, ff->image_name[i], c->file[0].image_name[i],
                 c->file[0].file.path);
    c->first[f + 1] = c->first[f] + ff->nchannels;
  }
  c->n = c->first[c->nfiles];
  PetscCheck(c->n > 0, comm, BA_ERR_INPUT, "-features: no channels in %s", list);
  PetscCall(PetscMalloc3(c->n, &c->patient, c->n, &c->name, 3 * c->n, &c->mni));
  for (PetscInt f = 0; f < c->nfiles; f++)
    for (PetscInt r = 0; r < c->file[f].nchannels; r++, g++) {
      c->patient[g] = c->file[f].patient[r];
      c->name[g]    = c->file[f].channel_name[r];
      for (int d = 0; d < 3; d++)
        c->mni[3 * g + d] = c->file[f].mni[3 * r + d];
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads rows [lo, hi) of one ROI across the files. Collective: every rank visits every file. */
static PetscErrorCode CohortReadRoi(Cohort *c, int roi, PetscInt lo, PetscInt hi, float *feature, double *resp_p,
                                    uint8_t *increase)
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < c->nfiles; f++) {
    const PetscInt a   = PetscMin(PetscMax(lo, c->first[f]), c->first[f + 1]);
    const PetscInt z   = PetscMax(PetscMin(hi, c->first[f + 1]), a);
    const PetscInt off = a - lo;
    PetscCall(FeaturesReadRoi(&c->file[f], roi, a - c->first[f], z - c->first[f],
                              feature ? feature + (size_t)off * c->nimages : NULL, resp_p ? resp_p + off : NULL,
                              increase ? increase + off : NULL));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode CohortClose(Cohort *c)
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < c->nfiles; f++)
    PetscCall(FeaturesClose(&c->file[f]));
  PetscCall(PetscFree3(c->patient, c->name, c->mni));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Gathers every rank's local values into one array of the global length on every rank. */
static PetscErrorCode GatherToAll(MPI_Comm comm, PetscInt nlocal, const double *local, PetscInt *nglobal, double **all)
{
  Vec v, seq;
  VecScatter sc;
  PetscScalar *a;
  const PetscScalar *s;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(VecCreateMPI(comm, nlocal, PETSC_DETERMINE, &v));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt i = 0; i < nlocal; i++)
    a[i] = local[i];
  PetscCall(VecRestoreArray(v, &a));
  PetscCall(VecScatterCreateToAll(v, &sc, &seq));
  PetscCall(VecScatterBegin(sc, v, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, v, seq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetSize(seq, &n));
  PetscCall(PetscMalloc1(n + 1, all));
  PetscCall(VecGetArrayRead(seq, &s));
  for (PetscInt i = 0; i < n; i++)
    (*all)[i] = s[i];
  PetscCall(VecRestoreArrayRead(seq, &s));
  *nglobal = n;
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&seq));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Builds every layer's RDM in analysis image order: layer l by rank l % size, in a fixed
   column-block order, then broadcast. rdm[l] is [n][n]. */
static PetscErrorCode LayerRdms(const RsaOptions *o, Network *net, const Cohort *c, double ***rdm_out)
{
  const PetscInt n = c->nimages, nl = net->nlayers;
  PetscInt *map;
  double **rdm, *gram, *rowsum, *tmp;
  float *block;

  PetscFunctionBegin;
  PetscCheck(net->nimages == n, o->ctx.comm, BA_ERR_INPUT,
             "%s: %" PetscInt_FMT " images, but the features have %" PetscInt_FMT, o->network, net->nimages, n);
  /* map[i]: network index of analysis image i (names must match as sets) */
  PetscCall(PetscMalloc1(n, &map));
  for (PetscInt i = 0; i < n; i++) {
    map[i] = -1;
    for (PetscInt j = 0; j < n; j++)
      if (!strcmp(net->image_name[j], c->file[0].image_name[i])) map[i] = j;
    PetscCheck(map[i] >= 0, o->ctx.comm, BA_ERR_INPUT, "%s: image '%s' of the features is not in the network file",
               o->network, c->file[0].image_name[i]);
  }
  PetscCall(PetscMalloc1(nl, &rdm));
  PetscCall(PetscMalloc3((size_t)n * n, &gram, n, &rowsum, (size_t)n * n, &tmp));
  PetscCall(PetscMalloc1((size_t)n * RDM_BLOCK_COLUMNS, &block));
  PetscCall(PetscLogEventBegin(BaLogIds.rdm, 0, 0, 0, 0));
  for (PetscInt l = 0; l < nl; l++) {
    PetscCall(PetscMalloc1((size_t)n * n, &rdm[l]));
    if (l % o->ctx.size != o->ctx.rank) continue;
    if (net->has_rdm[l]) {
      PetscCall(NetworkReadRdm(net, l, tmp));
    } else {
      PetscCall(PetscArrayzero(gram, (size_t)n * n));
      PetscCall(PetscArrayzero(rowsum, n));
      for (PetscInt c0 = 0; c0 < net->nfeatures[l]; c0 += RDM_BLOCK_COLUMNS) {
        const PetscInt c1 = PetscMin(c0 + RDM_BLOCK_COLUMNS, net->nfeatures[l]);
        PetscCall(NetworkReadActivations(net, l, c0, c1, block));
        PetscCall(RdmGramAccumulate(n, c1 - c0, block, gram, rowsum));
      }
      PetscCall(RdmFromGram(n, net->nfeatures[l], gram, rowsum, (BaDistance)o->distance, tmp));
    }
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++)
        rdm[l][i * n + j] = tmp[map[i] * n + map[j]];
  }
  for (PetscInt l = 0; l < nl; l++)
    PetscCallMPI(MPI_Bcast(rdm[l], (int)(n * n), MPI_DOUBLE, (int)(l % o->ctx.size), o->ctx.comm));
  PetscCall(PetscLogEventEnd(BaLogIds.rdm, 0, 0, 0, 0));
  PetscCall(PetscFree(block));
  PetscCall(PetscFree3(gram, rowsum, tmp));
  PetscCall(PetscFree(map));
  *rdm_out = rdm;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Spearman rho between every two layer RDMs over the pairs i < j. */
static PetscErrorCode LayerCorrelation(PetscInt n, PetscInt nl, double **rdm, double *corr)
{
  const PetscInt npairs = n * (n - 1) / 2;
  double *a, *b;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(npairs, &a, npairs, &b));
  for (PetscInt k = 0; k < nl; k++)
    for (PetscInt l = k; l < nl; l++) {
      PetscInt q = 0;
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt j = i + 1; j < n; j++, q++) {
          a[q] = rdm[k][i * n + j];
          b[q] = rdm[l][i * n + j];
        }
      PetscCall(StatsSpearman(npairs, a, b, &corr[k * nl + l], NULL));
      corr[l * nl + k] = corr[k * nl + l];
    }
  PetscCall(PetscFree2(a, b));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Global responsiveness of one ROI: BH over every channel's Wilcoxon p, and an increase. */
static PetscErrorCode Responsiveness(const RsaOptions *o, Cohort *c, int roi, uint8_t *responsive)
{
  PetscInt lo, hi, n;
  double *p, *inc, *all_p, *all_inc, *qv;
  uint8_t *incr;
  PetscBool *reject;

  PetscFunctionBegin;
  lo = (PetscInt)((long long)c->n * o->ctx.rank / o->ctx.size);
  hi = (PetscInt)((long long)c->n * (o->ctx.rank + 1) / o->ctx.size);
  PetscCall(PetscMalloc3(hi - lo + 1, &p, hi - lo + 1, &inc, hi - lo + 1, &incr));
  PetscCall(CohortReadRoi(c, roi, lo, hi, NULL, p, incr));
  for (PetscInt i = 0; i < hi - lo; i++)
    inc[i] = incr[i];
  PetscCall(GatherToAll(o->ctx.comm, hi - lo, p, &n, &all_p));
  PetscCall(GatherToAll(o->ctx.comm, hi - lo, inc, &n, &all_inc));
  PetscCall(PetscMalloc2(n, &qv, n, &reject));
  PetscCall(StatsFdr(n, all_p, BA_FDR_BH, o->responsive_q, qv, reject));
  for (PetscInt g = 0; g < n; g++)
    responsive[g] = (uint8_t)(reject[g] && all_inc[g] > 0.5);
  PetscCall(PetscFree2(qv, reject));
  PetscCall(PetscFree(all_p));
  PetscCall(PetscFree(all_inc));
  PetscCall(PetscFree3(p, inc, incr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- checkpoints ----------------------------------------------------------------------
 * One HDF5 file holding, per ROI started so far, every responsive pair's counts (b, used,
 * done) and extension goal in global order. A pair's 'used' is where its permutations
 * stopped and its goal where an extension round takes it, so the counts alone say where to
 * resume, on any number of ranks, in the first m permutations as in the extension rounds.
 * The max-statistic null is a running maximum over each rank's channels, so -correction
 * maxstat resumes on the same number of ranks only. */

/* The state a checkpoint holds, and when it was last saved. */
typedef struct {
  PermCount *counts[BA_NROIS]; /* my pairs' counts */
  int64_t *goal[BA_NROIS];     /* my pairs' extension goals (0 = none) */
  double *maxnull[BA_NROIS];   /* maxstat: my channels' running maximum null rho [m] */
  PetscInt npairs_global[BA_NROIS], pair_lo[BA_NROIS], pair_hi[BA_NROIS];
  double t_last_save;       /* wall time of the last save */
  PetscInt extension_saves; /* checkpoints written while extending */
} RsaState;

static void CheckpointPath(int roi, const char *what, char *buf, size_t len)
{
  char name[64];
  RoiName(roi, name, sizeof(name));
  snprintf(buf, len, "/%s/%s", name, what);
}

static PetscErrorCode CheckpointSave(const RsaOptions *o, int nroi, RsaState *st)
{
  BaH5File f;
  char name[128];
  hsize_t dims[2];

  PetscFunctionBegin;
  PetscCall(BaH5FileCreate(o->ctx.comm, o->checkpoint, "bandalign-checkpoint", &f));
  PetscCall(BaH5WriteProvenance(&f, &o->ctx));
  PetscCall(BaH5AttrWriteInt(&f, "/", "permutations", o->permutations));
  PetscCall(BaH5AttrWriteInt(&f, "/", "permutations_max", o->permutations_max));
  PetscCall(BaH5AttrWriteInt(&f, "/", "sequential", o->sequential_h));
  for (int roi = 0; roi < nroi; roi++) {
    const PetscInt nloc = st->pair_hi[roi] - st->pair_lo[roi];
    int64_t *buf;

    CheckpointPath(roi, "count", name, sizeof(name));
    dims[0] = (hsize_t)st->npairs_global[roi];
    dims[1] = 4;
    PetscCall(BaH5CreateDataset(&f, name, H5T_STD_I64LE, 2, dims));
    PetscCall(PetscMalloc1(4 * nloc + 1, &buf));
    for (PetscInt i = 0; i < nloc; i++) {
      buf[4 * i]     = st->counts[roi][i].b;
      buf[4 * i + 1] = st->counts[roi][i].used;
      buf[4 * i + 2] = st->counts[roi][i].done;
      buf[4 * i + 3] = st->goal[roi][i];
    }
    PetscCall(BaH5WriteRows(&f, name, H5T_NATIVE_INT64, (hsize_t)st->pair_lo[roi], (hsize_t)st->pair_hi[roi], buf));
    PetscCall(PetscFree(buf));
    if (st->maxnull[roi]) {
      CheckpointPath(roi, "maxnull", name, sizeof(name));
      dims[0] = (hsize_t)o->ctx.size;
      dims[1] = (hsize_t)o->permutations;
      PetscCall(BaH5CreateDataset(&f, name, H5T_IEEE_F64LE, 2, dims));
      PetscCall(
          BaH5WriteRows(&f, name, H5T_NATIVE_DOUBLE, (hsize_t)o->ctx.rank, (hsize_t)o->ctx.rank + 1, st->maxnull[roi]));
    }
  }
  PetscCall(BaH5FileCommit(&f));
  st->t_last_save = MPI_Wtime();
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Is a checkpoint due? Rank 0 decides for all (collective). */
static PetscErrorCode CheckpointDue(const RsaOptions *o, const RsaState *st, int *save)
{
  PetscFunctionBegin;
  *save = 0;
  if (!o->checkpoint[0]) PetscFunctionReturn(PETSC_SUCCESS);
  *save = MPI_Wtime() - st->t_last_save >= o->checkpoint_interval;
  PetscCallMPI(MPI_Bcast(save, 1, MPI_INT, 0, o->ctx.comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Loads this rank's counts and goals of one ROI if the checkpoint has them; *found says so. */
static PetscErrorCode CheckpointLoadRoi(const RsaOptions *o, int roi, RsaState *st, PetscBool *found)
{
  BaH5File f;
  char name[128];
  PetscInt64 m, mmax, h;
  int nd;
  hsize_t dims[3];
  int64_t *buf;
  const PetscInt lo = st->pair_lo[roi], hi = st->pair_hi[roi];

  PetscFunctionBegin;
  PetscCall(BaH5FileOpen(o->ctx.comm, o->checkpoint, "bandalign-checkpoint", &f));
  PetscCall(BaH5AttrReadInt(&f, "/", "permutations", &m));
  {
    PetscBool has;
    PetscCall(BaH5AttrExists(&f, "/", "permutations_max", &has));
    PetscCheck(has, o->ctx.comm, BA_ERR_INPUT,
               "%s: a checkpoint of an older bandalign (no permutations_max); start again without -resume",
               o->checkpoint);
  }
  PetscCall(BaH5AttrReadInt(&f, "/", "permutations_max", &mmax));
  PetscCall(BaH5AttrReadInt(&f, "/", "sequential", &h));
  PetscCheck(m == o->permutations && mmax == o->permutations_max && h == o->sequential_h, o->ctx.comm, BA_ERR_INPUT,
             "%s: written with -permutations %" PetscInt64_FMT " -permutations_max %" PetscInt64_FMT
             " -sequential %" PetscInt64_FMT ", not the options of this run",
             o->checkpoint, m, mmax, h);
  CheckpointPath(roi, "count", name, sizeof(name));
  PetscCall(BaH5Exists(&f, name, found));
  if (*found) {
    PetscCall(BaH5DatasetShape(&f, name, &nd, dims));
    PetscCheck(nd == 2 && dims[0] == (hsize_t)st->npairs_global[roi] && dims[1] == 4, o->ctx.comm, BA_ERR_INPUT,
               "%s: %llu pairs saved for this ROI, but this run has %" PetscInt_FMT " (different inputs?)",
               o->checkpoint, (unsigned long long)dims[0], st->npairs_global[roi]);
    PetscCall(PetscMalloc1(4 * (hi - lo) + 1, &buf));
    PetscCall(BaH5ReadRows(&f, name, H5T_NATIVE_INT64, (hsize_t)lo, (hsize_t)hi, buf));
    for (PetscInt i = 0; i < hi - lo; i++) {
      st->counts[roi][i].b    = buf[4 * i];
      st->counts[roi][i].used = buf[4 * i + 1];
      st->counts[roi][i].done = (int32_t)buf[4 * i + 2];
      st->goal[roi][i]        = buf[4 * i + 3];
    }
    PetscCall(PetscFree(buf));
    if (st->maxnull[roi]) {
      CheckpointPath(roi, "maxnull", name, sizeof(name));
      PetscCall(BaH5DatasetShape(&f, name, &nd, dims));
      PetscCheck(dims[0] == (hsize_t)o->ctx.size, o->ctx.comm, BA_ERR_INPUT,
                 "%s: -correction maxstat resumes on the %llu ranks that wrote it", o->checkpoint,
                 (unsigned long long)dims[0]);
      PetscCall(
          BaH5ReadRows(&f, name, H5T_NATIVE_DOUBLE, (hsize_t)o->ctx.rank, (hsize_t)o->ctx.rank + 1, st->maxnull[roi]));
    }
  }
  BaH5FileAbandon(&f);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- per-ROI analysis ------------------------------------------------------------------ */

/* What one ROI needs besides the permutation engine. */
typedef struct {
  PetscInt nresp;          /* responsive channels in the cohort */
  PetscInt *resp;          /* [nresp] their global indices, ascending */
  PetscInt rlo, rhi;       /* my responsive channels: resp[rlo..rhi) */
  PetscInt row_lo, row_hi; /* my rows of the output: every channel between my first and the next rank's first */
} RoiSplit;

static void SplitResponsive(const RsaOptions *o, const Cohort *c, const uint8_t *responsive, RoiSplit *s)
{
  s->nresp = 0;
  for (PetscInt g = 0; g < c->n; g++)
    if (responsive[g]) s->resp[s->nresp++] = g;
  s->rlo    = (PetscInt)((long long)s->nresp * o->ctx.rank / o->ctx.size);
  s->rhi    = (PetscInt)((long long)s->nresp * (o->ctx.rank + 1) / o->ctx.size);
  s->row_lo = o->ctx.rank == 0 ? 0 : (s->rlo < s->nresp ? s->resp[s->rlo] : c->n);
  s->row_hi = o->ctx.rank == o->ctx.size - 1 ? c->n : (s->rhi < s->nresp ? s->resp[s->rhi] : c->n);
}

/* Corrected q-values and significance of the whole ROI family, identical on every rank. */
static PetscErrorCode Correct(const RsaOptions *o, PetscInt n, const double *p, double *qv, PetscBool *reject)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(BaLogIds.correction, 0, 0, 0, 0));
  switch (o->correction) {
  case CORRECTION_BH:
  case CORRECTION_BY:
    PetscCall(StatsFdr(n, p, o->correction == CORRECTION_BH ? BA_FDR_BH : BA_FDR_BY, o->q, qv, reject));
    break;
  case CORRECTION_MAXSTAT: /* p already is the max-statistic FWER p */
    for (PetscInt i = 0; i < n; i++) {
      qv[i]     = p[i];
      reject[i] = (PetscBool)(p[i] <= o->q);
    }
    break;
  default:
    for (PetscInt i = 0; i < n; i++) {
      qv[i]     = p[i];
      reject[i] = (PetscBool)(p[i] <= o->alpha);
    }
  }
  PetscCall(PetscLogEventEnd(BaLogIds.correction, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- resolution of small p-values -------------------------------------------------------
 * The rule (docs/architecture.md, rsa): after the first m permutations of a ROI, a pair is a
 * candidate if it was not stopped early, has b < h (-sequential; 10 with -sequential 0),
 * has used < M (-permutations_max) and does not pass the correction now. Its next level is
 * g = min(M, 10 used), and its best outcome there (b + 1) / (g + 1) (b / g under
 * kuzovkin2018): no exceedance in the new permutations. The correction is run once more on
 * the ROI's p-values with every candidate at its best; the candidates that pass it are
 * taken to g. BH and BY reject more when any p-value falls (step-up on sorted p-values), so
 * no pair left out could pass even if every candidate did its best, and a pair only goes on
 * while more permutations could still change its decision. Rounds repeat until no pair is
 * selected; each round is decided from the gathered counts of the whole ROI, so on every
 * rank alike. maxstat has no rounds: its floor 1 / (m + 1) is that of the maximum null. */

/* p-values of my pairs from their own counts (or from the max-statistic null). */
static void LocalPValues(const RsaOptions *o, PermTest pt, PetscInt nk, const double *rho, const PermCount *count,
                         const double *maxnull, double *pv)
{
  for (PetscInt k = 0; k < nk; k++) {
    if (isnan(rho[k]))
      pv[k] = NAN;
    else if (maxnull) {
      PetscInt b = 0;
      for (PetscInt i = 0; i < o->permutations; i++)
        b += maxnull[i] >= rho[k];
      pv[k] = (b + 1.0) / (o->permutations + 1.0);
    } else
      pv[k] = PermTestPValue(pt, &count[k]);
  }
}

/* Selects the pairs of a ROI (gathered, identical on every rank) to take to their next
   level, setting their goal; *nsel is how many. */
static PetscErrorCode ResolveSelect(const RsaOptions *o, PetscInt nall, const double *p, const double *b,
                                    const double *used, const double *done, const PetscBool *reject, double *goal,
                                    PetscInt *nsel)
{
  const double H = o->sequential_h > 0 ? (double)o->sequential_h : 10, M = (double)o->permutations_max;
  double *best, *qv;
  PetscBool *pass, *cand;

  PetscFunctionBegin;
  *nsel = 0;
  PetscCall(PetscMalloc4(nall + 1, &best, nall + 1, &qv, nall + 1, &pass, nall + 1, &cand));
  for (PetscInt k = 0; k < nall; k++) {
    const double g = PetscMin(M, 10 * used[k]);
    cand[k]        = !isnan(p[k]) && done[k] == 0 && used[k] < M && b[k] < H && !reject[k] ? PETSC_TRUE : PETSC_FALSE;
    best[k]        = !cand[k] ? p[k] : o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018 ? b[k] / g : (b[k] + 1) / (g + 1);
  }
  PetscCall(Correct(o, nall, best, qv, pass));
  for (PetscInt k = 0; k < nall; k++)
    if (cand[k] && pass[k]) {
      goal[k] = PetscMin(M, 10 * used[k]);
      (*nsel)++;
    }
  PetscCall(PetscFree4(best, qv, pass, cand));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Copies the counts of the work channels [S][nl] (each rank has filled its share, zeros
   elsewhere) to every rank and into the owners' counts. Collective. */
static PetscErrorCode ResolveSync(const RsaOptions *o, RsaState *st, int roi, const RoiSplit *sp, PetscInt nl,
                                  PetscInt S, const PetscInt *W, PetscInt s0, PetscInt s1, const PermCount *cw)
{
  int64_t *buf;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(3 * S * nl + 1, &buf));
  for (PetscInt k = s0 * nl; k < s1 * nl; k++) {
    buf[3 * k]     = cw[k - s0 * nl].b;
    buf[3 * k + 1] = cw[k - s0 * nl].used;
    buf[3 * k + 2] = cw[k - s0 * nl].done;
  }
  /* one non-zero contributor per entry: the sum is the value */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf, (int)(3 * S * nl), MPI_INT64_T, MPI_SUM, o->ctx.comm));
  for (PetscInt w = 0; w < S; w++) {
    if (W[w] < sp->rlo || W[w] >= sp->rhi) continue;
    for (PetscInt l = 0; l < nl; l++) {
      PermCount *c = &st->counts[roi][(W[w] - sp->rlo) * nl + l];
      c->b         = buf[3 * (w * nl + l)];
      c->used      = buf[3 * (w * nl + l) + 1];
      c->done      = (int32_t)buf[3 * (w * nl + l) + 2];
    }
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Takes every pair of the ROI with used < goal (and not stopped) to its goal. The channels
   with such pairs are spread evenly over the ranks in global order, their features sent
   where they are worked on; each rank's share goes in chunks of -channel_chunk through
   steps of -perm_chunk permutations, with progress and checkpoints between steps. On
   return every owner holds its pairs' counts. Collective; all arrays are the gathered
   ROI's [nresp * nl]. */
static PetscErrorCode ResolveRun(const RsaOptions *o, PermTest pt, RsaState *st, int roi, const RoiSplit *sp,
                                 PetscInt n, PetscInt nl, const float *x, const double *b, const double *used,
                                 const double *done, const double *goal, const char *rname)
{
  const PetscInt nresp = sp->nresp, size = o->ctx.size, rank = o->ctx.rank;
  PetscInt *W, S = 0, s0, s1, npend = 0, nchunks, maxchunks;
  PetscMPIInt *rcount, *displ, mycount = 0;
  float *xw;
  double *rho, total = 0;
  PermCount *cw;
  int64_t *gw, *start;
  Progress prog;
  char what[96];

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nresp + 1, &W));
  for (PetscInt j = 0; j < nresp; j++) {
    PetscBool pending = PETSC_FALSE;
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt k = j * nl + l;
      if (done[k] == 0 && used[k] < goal[k]) {
        pending = PETSC_TRUE;
        npend++;
      }
    }
    if (pending) W[S++] = j;
  }
  if (S == 0) {
    PetscCall(PetscFree(W));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* every rank gets the features of the work channels (owners send theirs, in order) */
  PetscCall(PetscMalloc3(size, &rcount, size, &displ, (size_t)S * n, &xw));
  for (PetscInt r = 0, w = 0; r < size; r++) {
    const PetscInt rhi = (PetscInt)((long long)nresp * (r + 1) / size);
    PetscInt cnt       = 0;
    for (; w < S && W[w] < rhi; w++)
      cnt++;
    rcount[r] = (PetscMPIInt)(cnt * n);
    displ[r]  = r ? displ[r - 1] + rcount[r - 1] : 0;
    if (r == rank) mycount = rcount[r];
  }
  {
    float *mine;
    PetscInt q = 0;
    PetscCall(PetscMalloc1(mycount + 1, &mine));
    for (PetscInt w = 0; w < S; w++)
      if (W[w] >= sp->rlo && W[w] < sp->rhi)
        PetscCall(PetscArraycpy(mine + (q++) * n, x + (size_t)(W[w] - sp->rlo) * n, n));
    PetscCallMPI(MPI_Allgatherv(mine, mycount, MPI_FLOAT, xw, rcount, displ, MPI_FLOAT, o->ctx.comm));
    PetscCall(PetscFree(mine));
  }
  /* my share of the work channels */
  s0 = (PetscInt)((long long)S * rank / size);
  s1 = (PetscInt)((long long)S * (rank + 1) / size);
  PetscCall(PetscMalloc4((s1 - s0) * nl + 1, &cw, (s1 - s0) * nl + 1, &gw, (s1 - s0) * nl + 1, &start,
                         o->channel_chunk * nl, &rho));
  for (PetscInt w = s0; w < s1; w++)
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt k = W[w] * nl + l, i = (w - s0) * nl + l;
      cw[i].b    = (int64_t)b[k];
      cw[i].used = (int64_t)used[k];
      cw[i].done = (int32_t)done[k];
      cw[i].pad  = 0;
      gw[i]      = (int64_t)goal[k];
      start[i]   = cw[i].used;
      if (!cw[i].done && cw[i].used < gw[i]) total += (double)(gw[i] - cw[i].used);
    }
  PetscCall(PetscSNPrintf(what, sizeof(what), "rsa %s, resolving %" PetscInt_FMT " pairs", rname, npend));
  ProgressBegin(&prog, o->ctx.comm, what, total, o->ctx.quiet);
  nchunks = (s1 - s0 + o->channel_chunk - 1) / o->channel_chunk;
  PetscCallMPI(MPI_Allreduce(&nchunks, &maxchunks, 1, MPIU_INT, MPI_MAX, o->ctx.comm));
  for (PetscInt ch = 0; ch < maxchunks; ch++) {
    const PetscInt c0 = PetscMin(ch * o->channel_chunk, s1 - s0), c1 = PetscMin(c0 + o->channel_chunk, s1 - s0);
    PermCount *cnt = cw + c0 * nl;
    int64_t *g     = gw + c0 * nl;

    if (c1 > c0) {
      PetscCall(PetscLogEventBegin(BaLogIds.ranks, 0, 0, 0, 0));
      PetscCall(PermTestObserve(pt, c1 - c0, xw + (size_t)(s0 + c0) * n, rho));
      PetscCall(PetscLogEventEnd(BaLogIds.ranks, 0, 0, 0, 0));
    }
    while (1) {
      int active      = 0, any, save;
      int64_t first   = INT64_MAX;
      double progress = 0;

      for (PetscInt k = 0; k < (c1 - c0) * nl; k++)
        if (!cnt[k].done && cnt[k].used < g[k]) {
          active = 1;
          first  = PetscMin(first, cnt[k].used);
        }
      PetscCallMPI(MPI_Allreduce(&active, &any, 1, MPI_INT, MPI_LOR, o->ctx.comm));
      if (!any) break;
      if (active) {
        PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
        PetscCall(PermTestExtend(pt, g, first + o->perm_chunk, cnt));
        PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
      }
      for (PetscInt k = 0; k < (s1 - s0) * nl; k++)
        if (start[k] < gw[k]) progress += (double)((cw[k].done ? gw[k] : PetscMin(cw[k].used, gw[k])) - start[k]);
      ProgressUpdate(&prog, progress);
      PetscCall(CheckpointDue(o, st, &save));
      if (save) {
        PetscCall(ResolveSync(o, st, roi, sp, nl, S, W, s0, s1, cw));
        PetscCall(CheckpointSave(o, roi + 1, st));
        st->extension_saves++;
        PetscCheck(st->extension_saves != o->stop_extension, o->ctx.comm, BA_ERR_INPUT,
                   "-checkpoint_stop_extension: stopped after checkpoint %" PetscInt_FMT " of the extension rounds",
                   st->extension_saves);
      }
    }
  }
  ProgressEnd(&prog);
  PetscCall(ResolveSync(o, st, roi, sp, nl, S, W, s0, s1, cw));
  PetscCall(PetscFree4(cw, gw, start, rho));
  PetscCall(PetscFree3(rcount, displ, xw));
  PetscCall(PetscFree(W));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Noise estimate: the alignment of random half-cohorts, split s computed by rank s % size.
   Patients are balanced by all their channels in the five areas. */
static PetscErrorCode NoiseSplits(const RsaOptions *o, const Cohort *c, const int *area_index, PetscInt nl,
                                  const uint8_t *sig, double *noise)
{
  PetscInt npat = 0;
  int *pat_of, *counts;
  uint8_t *in_half;
  double *mine;

  PetscFunctionBegin;
  if (o->noise_splits == 0) PetscFunctionReturn(PETSC_SUCCESS);
  /* patient index of every channel, patients numbered in order of first appearance */
  PetscCall(PetscMalloc1(c->n, &pat_of));
  for (PetscInt g = 0; g < c->n; g++) {
    pat_of[g] = g > 0 && !strcmp(c->patient[g - 1], c->patient[g]) ? pat_of[g - 1] : -1;
    for (PetscInt h = g - 1; pat_of[g] < 0 && h >= 0; h--)
      if (!strcmp(c->patient[h], c->patient[g])) pat_of[g] = pat_of[h];
    if (pat_of[g] < 0) pat_of[g] = (int)npat++;
  }
  PetscCall(PetscCalloc3((size_t)npat * BA_NAREAS, &counts, npat, &in_half, o->noise_splits, &mine));
  for (PetscInt g = 0; g < c->n; g++)
    if (area_index[g] >= 0) counts[pat_of[g] * BA_NAREAS + area_index[g]]++;
  for (PetscInt s = o->ctx.rank; s < o->noise_splits; s += o->ctx.size) {
    PetscCall(AlignmentSplitHalves(npat, counts, (uint64_t)o->ctx.seed, s, in_half));
    PetscCall(AlignmentHalf(c->n, nl, area_index, pat_of, in_half, sig, &mine[s]));
  }
  /* each entry has exactly one non-zero contributor, so the sum is exact */
  PetscCallMPI(MPI_Allreduce(mine, noise, (int)o->noise_splits, MPI_DOUBLE, MPI_SUM, o->ctx.comm));
  PetscCall(PetscFree3(counts, in_half, mine));
  PetscCall(PetscFree(pat_of));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

PetscErrorCode StageRsa(void)
{
  RsaOptions o;
  Cohort c;
  Network net;
  Results res;
  Atlas atlas;
  PermTest pt;
  Progress prog;
  RoiSplit split;
  double **rdm, *layer_corr, t0;
  int *area_index;
  uint8_t *responsive;
  PetscInt nl, n;
  RsaState st;
  double *noise[BA_NROIS] = {NULL};
  double compare_p[BA_NROIS * BA_NROIS];
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(RsaSetFromOptions(&o));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsRequire(o.ctx.comm, "-features", o.features));
  PetscCall(OptionsRequire(o.ctx.comm, "-network", o.network));
  PetscCall(PetscLogStagePush(BaLogIds.rsa));
  PetscCall(PetscMemzero(&st, sizeof(st)));
  t0 = st.t_last_save = MPI_Wtime();
  openblas_set_num_threads((int)o.blas_threads); /* one rank per core: no oversubscribed BLAS threads */

  /* inputs: every check before any work */
  PetscCall(CohortOpen(o.ctx.comm, o.features, &c));
  PetscCall(NetworkOpen(o.ctx.comm, o.network, &net));
  PetscCall(AtlasOpen(o.atlas, &atlas));
  n  = c.nimages;
  nl = net.nlayers;
  PetscCheck(nl <= 64, o.ctx.comm, BA_ERR_INPUT, "%s: %" PetscInt_FMT " layers, at most 64 supported", o.network, nl);

  PetscCall(PetscMalloc3(c.n, &area_index, c.n, &responsive, c.n, &split.resp));
  PetscCall(PetscCalloc1(nl * nl, &layer_corr));

  /* the results file carries the cohort, the layers and the anatomy */
  PetscCall(PetscMemzero(&res, sizeof(res)));
  res.permutations     = o.permutations;
  res.permutations_max = o.permutations_max;
  res.nsplits          = o.noise_splits;
  res.q                = o.correction == CORRECTION_NONE ? o.alpha : o.q;
  PetscCall(PetscStrncpy(res.correction, CorrectionNames[o.correction], sizeof(res.correction)));
  PetscCall(PetscStrncpy(res.protocol, BaProtocolNames[o.ctx.protocol], sizeof(res.protocol)));
  res.nimages      = n;
  res.image_name   = c.file[0].image_name;
  res.nlayers      = nl;
  res.layer_name   = net.layer_name;
  res.nchannels    = c.n;
  res.patient      = c.patient;
  res.channel_name = c.name;
  res.mni          = c.mni;
  PetscCall(PetscMalloc1(c.n, &res.area));
  for (PetscInt g = 0; g < c.n; g++) {
    res.area[g]   = AtlasLabel(atlas, &c.mni[3 * g]);
    area_index[g] = AtlasVentralIndex(res.area[g]);
  }
  PetscCall(ContextPrintf(
      &o.ctx,
      "rsa: %" PetscInt_FMT " channels from %" PetscInt_FMT " file(s), %" PetscInt_FMT " images, %" PetscInt_FMT
      " layers, %" PetscInt_FMT " permutations (up to %" PetscInt_FMT " where needed), correction %s, %d ranks\n",
      c.n, c.nfiles, n, nl, o.permutations, o.permutations_max, CorrectionNames[o.correction], o.ctx.size));

  PetscCall(LayerRdms(&o, &net, &c, &rdm));
  PetscCall(LayerCorrelation(n, nl, rdm, layer_corr));
  PetscCall(PermTestCreate(n, nl, (const double *const *)rdm, o.ctx.protocol, (uint64_t)o.ctx.seed, o.sequential_h,
                           (PermKernelType)o.kernel, &pt));
  PetscCall(ResultsCreate(&o.ctx, o.ctx.out, &res));
  PetscCall(ResultsWriteLayerCorrelation(&res, layer_corr));

  for (int roi = 0; roi < BA_NROIS; roi++) {
    char rname[64];
    PetscInt nloc, rows, nall, nextended = 0, maxused = 0;
    float *x;
    double *rho, *pv, *all_p = NULL, *all_rho, *qv, *sigd, *out_rho, *out_p, *out_q;
    double *loc[4], *all[4] = {NULL}; /* b, used, done, goal of my pairs / of the ROI */
    int64_t *out_used;
    uint8_t *out_sig, *out_resp, *sig_full;
    double *rho_full;
    PetscBool *reject;
    ResultsRoiSummary sum;

    RoiName(roi, rname, sizeof(rname));
    PetscCall(Responsiveness(&o, &c, roi, responsive));
    SplitResponsive(&o, &c, responsive, &split);
    nloc                  = split.rhi - split.rlo;
    rows                  = split.row_hi - split.row_lo;
    st.npairs_global[roi] = split.nresp * nl;
    st.pair_lo[roi]       = split.rlo * nl;
    st.pair_hi[roi]       = split.rhi * nl;

    /* my responsive channels' features */
    {
      float *block;
      PetscInt k = 0;
      PetscCall(PetscMalloc1((size_t)rows * n + 1, &block));
      PetscCall(PetscMalloc1((size_t)nloc * n + 1, &x));
      PetscCall(CohortReadRoi(&c, roi, split.row_lo, split.row_hi, block, NULL, NULL));
      for (PetscInt g = split.row_lo; g < split.row_hi; g++) {
        if (!responsive[g]) continue;
        for (PetscInt i = 0; i < n; i++) {
          x[k * n + i] = block[(size_t)(g - split.row_lo) * n + i];
          PetscCheck(isfinite(x[k * n + i]), PETSC_COMM_SELF, BA_ERR_INPUT,
                     "features: channel %s of patient %s has no feature for image %s in %s", c.name[g], c.patient[g],
                     c.file[0].image_name[i], rname);
        }
        k++;
      }
      PetscCall(PetscFree(block));
    }

    PetscCall(PetscMalloc2(nloc * nl + 1, &rho, nloc * nl + 1, &pv));
    PetscCall(PetscCalloc1(nloc * nl + 1, &st.counts[roi]));
    PetscCall(PetscCalloc1(nloc * nl + 1, &st.goal[roi]));
    if (o.correction == CORRECTION_MAXSTAT) {
      PetscCall(PetscMalloc1(o.permutations, &st.maxnull[roi]));
      for (PetscInt i = 0; i < o.permutations; i++)
        st.maxnull[roi][i] = -INFINITY;
    }
    if (o.resume) {
      PetscBool found;
      PetscCall(CheckpointLoadRoi(&o, roi, &st, &found));
    }

    /* my channels in chunks (ranks take 12 x pairs bytes per channel), each through the
       permutations in blocks: progress, early exit, checkpoints between blocks */
    {
      char what[96];
      double *chunk_max = NULL;
      PetscInt nchunks  = (nloc + o.channel_chunk - 1) / o.channel_chunk, maxchunks;

      PetscCallMPI(MPI_Allreduce(&nchunks, &maxchunks, 1, MPIU_INT, MPI_MAX, o.ctx.comm));
      PetscCall(PetscSNPrintf(what, sizeof(what), "rsa %s, %" PetscInt_FMT " responsive", rname, split.nresp));
      ProgressBegin(&prog, o.ctx.comm, what, (double)nloc * o.permutations, o.ctx.quiet);
      PetscCall(PetscMalloc1(o.perm_chunk, &chunk_max));
      for (PetscInt ch = 0; ch < maxchunks; ch++) {
        const PetscInt c0 = PetscMin(ch * o.channel_chunk, nloc), c1 = PetscMin(c0 + o.channel_chunk, nloc);
        PermCount *cnt = st.counts[roi] + c0 * nl;
        PetscInt first = o.permutations;

        PetscCall(PetscLogEventBegin(BaLogIds.ranks, 0, 0, 0, 0));
        PetscCall(PermTestObserve(pt, c1 - c0, x + (size_t)c0 * n, rho + c0 * nl));
        PetscCall(PetscLogEventEnd(BaLogIds.ranks, 0, 0, 0, 0));
        /* resume where the chunk's running pairs stopped. After a resume on another
           number of ranks a chunk can mix channels a checkpoint caught at different
           counts (earlier chunks of a rank done, its current one part way): the ones
           behind are brought level first (up to m at most), as one run of their own
           would have counted */
        {
          PetscInt ahead = 0;
          for (PetscInt k = 0; k < (c1 - c0) * nl; k++)
            if (!cnt[k].done) {
              first = PetscMin(first, (PetscInt)cnt[k].used);
              /* beyond m only in a resolution round, which follows this phase */
              ahead = PetscMax(ahead, (PetscInt)PetscMin(cnt[k].used, (int64_t)o.permutations));
            }
          if (first < ahead) {
            int64_t *goal;

            PetscCheck(!st.maxnull[roi], o.ctx.comm, BA_ERR_INPUT,
                       "-resume: the checkpoint's -correction maxstat counts need the same number of ranks and "
                       "-channel_chunk as the run that wrote it");
            PetscCall(PetscMalloc1((c1 - c0) * nl, &goal));
            for (PetscInt k = 0; k < (c1 - c0) * nl; k++)
              goal[k] = ahead;
            PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
            PetscCall(PermTestExtend(pt, goal, ahead, cnt));
            PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
            PetscCall(PetscFree(goal));
            first = ahead;
          }
        }
        while (1) {
          int active          = 0, any;
          const PetscInt last = PetscMin(first + o.perm_chunk, o.permutations);

          for (PetscInt k = 0; k < (c1 - c0) * nl && first < o.permutations; k++)
            active |= !cnt[k].done;
          /* every rank takes part in the decisions, also when its chunks have run out */
          PetscCallMPI(MPI_Allreduce(&active, &any, 1, MPI_INT, MPI_LOR, o.ctx.comm));
          if (!any) break;
          if (active) {
            PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
            PetscCall(PermTestRun(pt, first, last, cnt, st.maxnull[roi] ? chunk_max : NULL));
            PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
            if (st.maxnull[roi])
              for (PetscInt i = first; i < last; i++)
                if (chunk_max[i - first] > st.maxnull[roi][i]) st.maxnull[roi][i] = chunk_max[i - first];
            first = last;
          }
          ProgressUpdate(&prog, (double)c0 * o.permutations + (double)(c1 - c0) * first);
          {
            int save;
            PetscCall(CheckpointDue(&o, &st, &save));
            if (save) PetscCall(CheckpointSave(&o, roi + 1, &st));
          }
        }
      }
      ProgressEnd(&prog);
      PetscCall(PetscFree(chunk_max));
      if (st.maxnull[roi])
        PetscCallMPI(
            MPI_Allreduce(MPI_IN_PLACE, st.maxnull[roi], (int)o.permutations, MPI_DOUBLE, MPI_MAX, o.ctx.comm));
    }

    /* p-values, gathered for the correction over the ROI's whole family; then rounds that
       take the pairs needing it further (ResolveSelect), each followed by the correction
       again, until no pair is selected */
    PetscCall(GatherToAll(o.ctx.comm, nloc * nl, rho, &nall, &all_rho));
    PetscCall(PetscMalloc3(nall + 1, &qv, nall + 1, &reject, nall + 1, &sigd));
    PetscCall(
        PetscMalloc4(nloc * nl + 1, &loc[0], nloc * nl + 1, &loc[1], nloc * nl + 1, &loc[2], nloc * nl + 1, &loc[3]));
    while (1) {
      PetscBool pending = PETSC_FALSE;
      PetscInt nsel     = 0;

      LocalPValues(&o, pt, nloc * nl, rho, st.counts[roi], st.maxnull[roi], pv);
      PetscCall(PetscFree(all_p));
      PetscCall(GatherToAll(o.ctx.comm, nloc * nl, pv, &nall, &all_p));
      PetscCall(Correct(&o, nall, all_p, qv, reject));
      for (PetscInt k = 0; k < nloc * nl; k++) {
        loc[0][k] = (double)st.counts[roi][k].b;
        loc[1][k] = (double)st.counts[roi][k].used;
        loc[2][k] = (double)st.counts[roi][k].done;
        loc[3][k] = (double)st.goal[roi][k];
      }
      for (int i = 0; i < 4; i++) {
        PetscCall(PetscFree(all[i]));
        PetscCall(GatherToAll(o.ctx.comm, nloc * nl, loc[i], &nall, &all[i]));
      }
      if (o.permutations_max <= o.permutations) break;
      /* a round interrupted by a kill is finished first (its goals are in the checkpoint) */
      for (PetscInt k = 0; k < nall; k++)
        pending |= all[2][k] == 0 && all[1][k] < all[3][k] ? PETSC_TRUE : PETSC_FALSE;
      if (!pending) {
        PetscCall(ResolveSelect(&o, nall, all_p, all[0], all[1], all[2], reject, all[3], &nsel));
        if (nsel == 0) break;
        for (PetscInt k = 0; k < nloc * nl; k++)
          st.goal[roi][k] = (int64_t)all[3][st.pair_lo[roi] + k];
      }
      PetscCall(ResolveRun(&o, pt, &st, roi, &split, n, nl, x, all[0], all[1], all[2], all[3], rname));
    }
    for (PetscInt k = 0; k < nall; k++) {
      sigd[k] = reject[k] && all_rho[k] > 0;
      nextended += all[1][k] > o.permutations;
      maxused = PetscMax(maxused, (PetscInt)all[1][k]);
    }

    /* my rows of the output */
    PetscCall(PetscMalloc6(rows * nl + 1, &out_rho, rows * nl + 1, &out_p, rows * nl + 1, &out_q, rows * nl + 1,
                           &out_sig, rows + 1, &out_resp, rows * nl + 1, &out_used));
    for (PetscInt g = split.row_lo, k = split.rlo; g < split.row_hi; g++) {
      const PetscInt r = g - split.row_lo;
      out_resp[r]      = responsive[g];
      for (PetscInt l = 0; l < nl; l++) {
        const PetscInt kk    = k * nl + l;
        out_rho[r * nl + l]  = responsive[g] ? all_rho[kk] : NAN;
        out_p[r * nl + l]    = responsive[g] ? all_p[kk] : NAN;
        out_q[r * nl + l]    = responsive[g] ? qv[kk] : NAN;
        out_sig[r * nl + l]  = (uint8_t)(responsive[g] && sigd[kk] > 0);
        out_used[r * nl + l] = responsive[g] ? (int64_t)all[1][kk] : 0;
      }
      if (responsive[g]) k++;
    }
    PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
    PetscCall(
        ResultsWriteRoiRows(&res, roi, split.row_lo, split.row_hi, out_resp, out_rho, out_p, out_q, out_sig, out_used));
    PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));

    /* anatomy and alignment over the whole cohort, identical on every rank */
    PetscCall(PetscLogEventBegin(BaLogIds.alignment, 0, 0, 0, 0));
    PetscCall(PetscMalloc2(c.n * nl, &rho_full, c.n * nl, &sig_full));
    for (PetscInt g = 0, k = 0; g < c.n; g++) {
      for (PetscInt l = 0; l < nl; l++) {
        rho_full[g * nl + l] = responsive[g] ? all_rho[k * nl + l] : NAN;
        sig_full[g * nl + l] = (uint8_t)(responsive[g] && sigd[k * nl + l] > 0);
      }
      if (responsive[g]) k++;
    }
    PetscCall(PetscMemzero(&sum, sizeof(sum)));
    PetscCall(AlignmentCompute(c.n, nl, area_index, sig_full, rho_full, responsive, &sum));
    PetscCall(PetscCalloc1(o.noise_splits + 1, &noise[roi]));
    PetscCall(NoiseSplits(&o, &c, area_index, nl, sig_full, noise[roi]));
    if (o.noise_splits > 0) {
      double *sorted;
      PetscCall(PetscMalloc1(o.noise_splits, &sorted));
      PetscCall(PetscArraycpy(sorted, noise[roi], o.noise_splits));
      qsort(sorted, (size_t)o.noise_splits, sizeof(double), CompareDouble);
      sum.noise_median = o.noise_splits % 2 ? sorted[o.noise_splits / 2]
                                            : 0.5 * (sorted[o.noise_splits / 2 - 1] + sorted[o.noise_splits / 2]);
      PetscCall(PetscFree(sorted));
    } else
      sum.noise_median = NAN;
    PetscCall(PetscLogEventEnd(BaLogIds.alignment, 0, 0, 0, 0));
    PetscCall(ResultsWriteRoiSummary(&res, roi, &sum, noise[roi]));
    PetscCall(ContextPrintf(&o.ctx,
                            "rsa %-18s responsive %5" PetscInt_FMT "  significant pairs %6" PetscInt_FMT
                            "  alignment rho %7.4f p %.3g\n",
                            rname, sum.n_responsive, sum.n_significant_pairs, sum.alignment_rho, sum.alignment_p));
    if (nextended)
      PetscCall(ContextPrintf(&o.ctx,
                              "rsa %-18s %" PetscInt_FMT " pairs resolved beyond %" PetscInt_FMT
                              " permutations (up to %" PetscInt_FMT ")\n",
                              rname, nextended, o.permutations, maxused));

    PetscCall(PetscFree2(rho_full, sig_full));
    PetscCall(PetscFree6(out_rho, out_p, out_q, out_sig, out_resp, out_used));
    PetscCall(PetscFree4(loc[0], loc[1], loc[2], loc[3]));
    for (int i = 0; i < 4; i++)
      PetscCall(PetscFree(all[i]));
    PetscCall(PetscFree3(qv, reject, sigd));
    PetscCall(PetscFree(all_p));
    PetscCall(PetscFree(all_rho));
    PetscCall(PetscFree2(rho, pv));
    PetscCall(PetscFree(x));
  }
  if (o.checkpoint[0]) PetscCall(CheckpointSave(&o, BA_NROIS, &st));

  /* ROIs compared by their noise distributions: one-sided Mann-Whitney, Bonferroni */
  for (int a = 0; a < BA_NROIS; a++)
    for (int b = 0; b < BA_NROIS; b++) {
      double U, p = NAN;
      if (a != b && o.noise_splits > 0) {
        PetscCall(StatsMannWhitney(o.noise_splits, noise[a], o.noise_splits, noise[b], &U, &p));
        p = PetscMin(1.0, p * BA_NROIS * (BA_NROIS - 1));
      }
      compare_p[a * BA_NROIS + b] = p;
    }
  PetscCall(ResultsWriteComparisons(&res, compare_p));
  PetscCall(ResultsCommit(&res));
  {
    double mine_t = MPI_Wtime() - t0, tmax;
    PetscCallMPI(MPI_Allreduce(&mine_t, &tmax, 1, MPI_DOUBLE, MPI_MAX, o.ctx.comm));
    PetscCall(ContextPrintf(&o.ctx, "rsa: wrote %s in %.1f s\n", o.ctx.out, tmax));
  }

  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(PetscFree(st.counts[roi]));
    PetscCall(PetscFree(st.goal[roi]));
    PetscCall(PetscFree(st.maxnull[roi]));
    PetscCall(PetscFree(noise[roi]));
  }
  for (PetscInt l = 0; l < nl; l++)
    PetscCall(PetscFree(rdm[l]));
  PetscCall(PetscFree(rdm));
  PetscCall(PetscFree(res.area));
  PetscCall(PermTestDestroy(&pt));
  PetscCall(AtlasClose(&atlas));
  PetscCall(PetscFree(layer_corr));
  PetscCall(PetscFree3(area_index, responsive, split.resp));
  PetscCall(NetworkClose(&net));
  PetscCall(CohortClose(&c));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}
