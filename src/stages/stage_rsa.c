/* stage_rsa.c: the rsa stage: global responsiveness, layer RDMs, Spearman RSA with a shared
 * permutation null, global correction, anatomy and alignment.
 *
 * Distribution. The heavy data are the channels' features and the permutation work; both
 * stay on the rank that owns the channel. Per ROI, the responsive channels (known only after
 * the global FDR over every channel of every file) are split evenly over the ranks in global
 * order, so every rank's channels are one contiguous range of rows in the output. What
 * crosses ranks are a few numbers per channel: the responsiveness p-values and the
 * (channel, layer) p-values, gathered to every rank (CommGatherAll) so that the corrections
 * run identically everywhere and no flags need scattering back.
 *
 * Reproducibility. Layer RDMs are built by one rank each, in a fixed block order, and
 * broadcast. The permutation engine compares integer rank products, so p-values do not
 * depend on the number of ranks, on how features come split into files, or on where a run
 * was checkpointed and resumed.
 *
 * Layout. This file reads the options, sets up what every ROI shares (RsaSetUp: inputs,
 * layer RDMs, the permutation engine, the results file), runs each ROI through the steps of
 * rsa_roi.c, and closes (RsaFinish: ROI comparisons, commit). Small p-values are resolved
 * by rsa_resolve.c; the checkpoint format is checkpoint.c, the multi-file reader cohort.c. */
#include "rsa.h"
#include <bandalign/progress.h>
#include <bandalign/rdm.h>
#include <bandalign/stage.h>
#include <bandalign/stats.h>
#include <cblas.h>
#include <sched.h>
#include <unistd.h>

#define RDM_BLOCK_COLUMNS 4096

/* Ranges of the integer options. Permutation counts stay below PETSC_MAX_INT / 2 so that a
   block past the last one still fits a PetscInt. */
#define RSA_MAX_PERMUTATIONS  (PETSC_MAX_INT / 2)
#define RSA_MAX_CHANNEL_CHUNK 1048576 /* 2^20 channels (x layers still fits a PetscInt) */
#define RSA_MAX_PERM_CHUNK    10000000
#define RSA_MAX_NOISE_SPLITS  1000000
#define RSA_MAX_BLAS_THREADS  4096

const char *const CorrectionNames[]    = {"bh", "by", "maxstat", "none", NULL};
const char *const StrategyNames[]      = {"full", "adaptive", NULL};
static const char *const KernelNames[] = {"blas",     "avx2",       "avx512", "best",
                                          "avx2_f32", "avx512_f32", NULL}; /* PermKernelType order */

/* The options' ranges and the settings they imply (maxstat, BLAS threads, what a
   checkpoint is valid for). */
static PetscErrorCode RsaOptionsCheck(RsaOptions *o)
{
  PetscFunctionBegin;
  /* the ranges of single options are the helpers' (RsaSetFromOptions); what is left
     relates options to each other */
  if (o->permutations_max == 0) o->permutations_max = o->permutations;
  PetscCheck(o->permutations_max >= o->permutations, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-permutations_max: must be 0 or at least -permutations (%" PetscInt_FMT ")", o->permutations);
  PetscCheck(PermKernelAvailable((PermKernelType)o->kernel), PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-permtest_kernel: this CPU cannot run %s", KernelNames[o->kernel]);
  PetscCheck(o->q > 0 && o->q < 1, PETSC_COMM_WORLD, BA_ERR_INPUT, "-q: must be in (0, 1)");
  PetscCheck(o->alpha > 0 && o->alpha < 1, PETSC_COMM_WORLD, BA_ERR_INPUT, "-alpha: must be in (0, 1)");
  PetscCheck(o->responsive_q > 0 && o->responsive_q < 1, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-responsive_q: must be in (0, 1)");
  PetscCheck(!o->resume || o->checkpoint.path[0], PETSC_COMM_WORLD, BA_ERR_INPUT, "-resume: needs -checkpoint F");
  if (o->blas_threads <= 0) {
    cpu_set_t cpus; /* the cores this process may use (a Slurm allocation, taskset) */
    int ncpu = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    o->blas_threads = PetscMax(1, ncpu / o->ctx.size);
  }
  /* the max statistic needs every permutation of every pair, and its floor is 1 / (m + 1)
     by construction (the null is the maximum over the family of the same m permutations) */
  PetscCheck(o->strategy == STRATEGY_FULL || o->correction != CORRECTION_MAXSTAT, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-permutation_strategy adaptive: -correction maxstat needs every permutation of every pair; use full");
  PetscCheck(o->adaptive_delta > 0 && o->adaptive_delta < 1, PETSC_COMM_WORLD, BA_ERR_INPUT,
             "-adaptive_delta: must be in (0, 1)");
  if (o->correction == CORRECTION_MAXSTAT) {
    o->sequential_h     = 0;
    o->permutations_max = o->permutations;
  }
  o->checkpoint.permutations     = o->permutations;
  o->checkpoint.permutations_max = o->permutations_max;
  o->checkpoint.sequential       = o->sequential_h;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RsaSetFromOptions(RsaOptions *o)
{
  PetscBool help;

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
  o->checkpoint.interval = 300;
  o->adaptive_delta      = 1e-3;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign rsa: Spearman RSA, permutation tests, correction, alignment",
                    NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o->ctx, "Output results file", "results.h5"));
  PetscCall(OptionsString(PetscOptionsObject, "-features",
                          "Features file(s), comma separated (job-array parts form one family)", o->features,
                          o->features, sizeof(o->features), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-network", "Network file (layer activations or RDMs)", o->network,
                          o->network, sizeof(o->network), NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-control_network",
                          "The same network untrained (random weights): every test is run on it too, for the "
                          "trained vs control comparison",
                          o->control, o->control, sizeof(o->control), NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-permutations", "Permutations of the image labels", o->permutations, 1,
                       RSA_MAX_PERMUTATIONS, &o->permutations, NULL));
  /* 100 m in 64 bits, capped where the permutation blocks would overflow a PetscInt */
  o->permutations_max = o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018
                            ? o->permutations
                            : (PetscInt)PetscMin(100 * (int64_t)o->permutations, (int64_t)RSA_MAX_PERMUTATIONS);
  PetscCall(OptionsInt(PetscOptionsObject, "-permutations_max",
                       "Permutations a pair may get to resolve p < 1/(m+1) where the correction needs it "
                       "(m or 0 = off; default 100 m, m under kuzovkin2018)",
                       o->permutations_max, 0, RSA_MAX_PERMUTATIONS, &o->permutations_max, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-sequential",
                       "Stop a pair after this many exceedances (Besag-Clifford; 0 = run all)", o->sequential_h, 0,
                       RSA_MAX_PERMUTATIONS, &o->sequential_h, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-permutation_strategy",
                          "full: every pair its m permutations (exact p-values); adaptive: a pair stops once its "
                          "discovery is settled (the same discoveries as full, p-values from fewer permutations)",
                          StrategyNames, o->strategy, &o->strategy));
  PetscCall(OptionsReal(PetscOptionsObject, "-adaptive_delta",
                        "adaptive: bound on the probability that any discovery differs from full, in (0, 1)",
                        o->adaptive_delta, 0, 1, &o->adaptive_delta, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-permtest_kernel",
                          "Permutation product kernel (same counts whichever runs)", KernelNames, PERM_KERNEL_BEST,
                          &o->kernel));
  PetscCall(OptionsInt(PetscOptionsObject, "-channel_chunk",
                       "Channels ranked and permuted together (memory: 12 x pairs bytes each)", o->channel_chunk, 1,
                       RSA_MAX_CHANNEL_CHUNK, &o->channel_chunk, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-perm_chunk",
                       "Permutations between progress lines and checkpoint decisions", o->perm_chunk, 1,
                       RSA_MAX_PERM_CHUNK, &o->perm_chunk, NULL));
  o->correction = o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018 ? CORRECTION_NONE : CORRECTION_BH;
  PetscCall(OptionsChoice(PetscOptionsObject, "-correction",
                          "Multiple-comparison correction over (channel, layer) pairs of a ROI", CorrectionNames,
                          o->correction, &o->correction));
  PetscCall(OptionsReal(PetscOptionsObject, "-q", "FDR level of bh/by, FWER level of maxstat, in (0, 1)", o->q, 0, 1,
                        &o->q, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-alpha", "Per-pair level of -correction none, in (0, 1)", o->alpha, 0, 1,
                        &o->alpha, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-responsive_q",
                        "BH level of the responsiveness test over all channels, in (0, 1)", o->responsive_q, 0, 1,
                        &o->responsive_q, NULL));
  PetscCall(OptionsChoice(PetscOptionsObject, "-distance", "Layer RDM distance", BaDistanceNames, BA_DISTANCE_EUCLIDEAN,
                          &o->distance));
  PetscCall(OptionsString(PetscOptionsObject, "-atlas", "Label volume in MNI space (Brodmann atlas)", o->atlas,
                          o->atlas, sizeof(o->atlas), NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-noise_splits", "Split-half noise estimate of alignment (0 = none)",
                       o->noise_splits, 0, RSA_MAX_NOISE_SPLITS, &o->noise_splits, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-blas_threads", "OpenBLAS threads per rank (0 = cores / ranks)",
                       o->blas_threads, 0, RSA_MAX_BLAS_THREADS, &o->blas_threads, NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-checkpoint", "Checkpoint file for progress", o->checkpoint.path,
                          o->checkpoint.path, sizeof(o->checkpoint.path), NULL));
  PetscCall(OptionsBool(PetscOptionsObject, "-resume", "Resume from -checkpoint", o->resume, &o->resume, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-checkpoint_interval", "Seconds between checkpoints",
                        o->checkpoint.interval, 0, 1e9, &o->checkpoint.interval, NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-save_rdms",
                          "Folder for the layer and channel RDMs as rsatoolbox HDF5 files", o->save_rdms, o->save_rdms,
                          sizeof(o->save_rdms), NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-checkpoint_stop_extension",
                       "For tests of -resume: fail right after the N-th checkpoint written while extending "
                       "(0 = never)",
                       o->stop_extension, 0, PETSC_MAX_INT, &o->stop_extension, NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(o->ctx.comm));
  PetscCall(RsaOptionsCheck(o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The first non-finite value of a layer's block (double d or float f) as an error message
   naming the file, the layer and the entry. */
static PetscErrorCode CheckFinite(const char *path, const char *layer, const char *what, size_t n, const double *d,
                                  const float *f, char *err, size_t len)
{
  PetscFunctionBegin;
  for (size_t k = 0; k < n; k++)
    if (!isfinite(d ? d[k] : (double)f[k])) {
      const double v = d ? d[k] : (double)f[k];
      PetscCall(PetscSNPrintf(err, len, "%s: layer %s has a non-finite %s (%s)", path, layer, what,
                              isnan(v) ? "NaN"
                              : v > 0  ? "+Inf"
                                       : "-Inf"));
      break;
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Builds every layer's RDM in analysis image order: layer l by rank l % size, in a fixed
   column-block order, then broadcast. rdm[l] is [n][n]. */
static PetscErrorCode LayerRdms(const RsaOptions *o, const char *path, Network *net, const Cohort *c, double ***rdm_out)
{
  const PetscInt n = c->nimages, nl = net->nlayers;
  PetscInt *map;
  double **rdm, *gram, *rowsum, *tmp;
  float *block;
  char err[BA_COMM_ERR_LEN] = "";

  PetscFunctionBegin;
  PetscCheck(net->nimages == n, o->ctx.comm, BA_ERR_INPUT,
             "%s: %" PetscInt_FMT " images, but the features have %" PetscInt_FMT, path, net->nimages, n);
  /* map[i]: network index of analysis image i (names must match as sets) */
  PetscCall(PetscMalloc1(n, &map));
  for (PetscInt i = 0; i < n; i++) {
    map[i] = -1;
    for (PetscInt j = 0; j < n; j++)
      if (!strcmp(net->image_name[j], c->file[0].image_name[i])) map[i] = j;
    PetscCheck(map[i] >= 0, o->ctx.comm, BA_ERR_INPUT, "%s: image '%s' of the features is not in the network file",
               path, c->file[0].image_name[i]);
  }
  PetscCall(PetscMalloc1(nl, &rdm));
  PetscCall(PetscMalloc3((size_t)n * n, &gram, n, &rowsum, (size_t)n * n, &tmp));
  PetscCall(PetscMalloc1((size_t)n * RDM_BLOCK_COLUMNS, &block));
  PetscCall(PetscLogEventBegin(BaLogIds.rdm, 0, 0, 0, 0));
  for (PetscInt l = 0; l < nl; l++) {
    PetscCall(PetscMalloc1((size_t)n * n, &rdm[l]));
    if (l % o->ctx.size != o->ctx.rank || err[0]) continue;
    if (net->has_rdm[l]) {
      PetscCall(NetworkReadRdm(net, l, tmp, err, sizeof(err)));
      if (!err[0])
        PetscCall(CheckFinite(path, net->layer_name[l], "RDM entry", (size_t)n * n, tmp, NULL, err, sizeof(err)));
    } else {
      PetscCall(PetscArrayzero(gram, (size_t)n * n));
      PetscCall(PetscArrayzero(rowsum, n));
      for (PetscInt c0 = 0; c0 < net->nfeatures[l] && !err[0]; c0 += RDM_BLOCK_COLUMNS) {
        const PetscInt c1 = PetscMin(c0 + RDM_BLOCK_COLUMNS, net->nfeatures[l]);
        PetscCall(NetworkReadActivations(net, l, c0, c1, block, err, sizeof(err)));
        if (!err[0])
          PetscCall(CheckFinite(path, net->layer_name[l], "activation", (size_t)n * (c1 - c0), NULL, block, err,
                                sizeof(err)));
        PetscCall(RdmGramAccumulate(n, c1 - c0, block, gram, rowsum));
      }
      PetscCall(RdmFromGram(n, net->nfeatures[l], gram, rowsum, (BaDistance)o->distance, tmp));
    }
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++)
        rdm[l][i * n + j] = tmp[map[i] * n + map[j]];
  }
  /* each layer was read by one rank: a bad value or a failed read is agreed on before the
     broadcasts */
  PetscCall(CommAgreeError(o->ctx.comm, err));
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

/* The results file's cohort, layers, anatomy and settings (it borrows the inputs' names). */
static PetscErrorCode ResultsSetUp(Rsa *rsa)
{
  const RsaOptions *o = &rsa->o;
  Results *res        = &rsa->res;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(res, sizeof(*res)));
  res->permutations     = o->permutations;
  res->permutations_max = o->permutations_max;
  res->nsplits          = o->noise_splits;
  res->adaptive_delta   = o->adaptive_delta;
  PetscCall(PetscStrncpy(res->strategy, StrategyNames[o->strategy], sizeof(res->strategy)));
  res->q = o->correction == CORRECTION_NONE ? o->alpha : o->q;
  PetscCall(PetscStrncpy(res->correction, CorrectionNames[o->correction], sizeof(res->correction)));
  PetscCall(PetscStrncpy(res->protocol, BaProtocolNames[o->ctx.protocol], sizeof(res->protocol)));
  res->nimages      = rsa->n;
  res->image_name   = rsa->c.file[0].image_name;
  res->nlayers      = rsa->nl;
  res->layer_name   = rsa->trained.net.layer_name;
  res->nchannels    = rsa->c.n;
  res->patient      = rsa->c.patient;
  res->channel_name = rsa->c.name;
  res->mni          = rsa->c.mni;
  res->has_control  = rsa->o.control[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscStrncpy(res->control_network, rsa->o.control, sizeof(res->control_network)));
  PetscCall(PetscMalloc1(rsa->c.n, &res->area));
  for (PetscInt g = 0; g < rsa->c.n; g++) {
    res->area[g]       = AtlasLabel(rsa->atlas, &rsa->c.mni[3 * g]);
    rsa->area_index[g] = AtlasVentralIndex(res->area[g]);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* What a checkpoint's counts depend on besides -permutations, -permutations_max and
   -sequential (checked apart): the seed, protocol, correction and its levels, distance,
   the trained network's layer RDMs themselves (so another network file of the same shape
   is told apart) and the features' channels and images. */
static uint64_t InputsHash(const Rsa *rsa)
{
  const RsaOptions *o = &rsa->o;
  const int ints[4]   = {(int)o->ctx.protocol, o->correction, o->distance, o->strategy};
  const double lv[4]  = {o->q, o->alpha, o->responsive_q, o->strategy == STRATEGY_ADAPTIVE ? o->adaptive_delta : 0};
  uint64_t h          = BA_HASH64_INIT;

  h = BaHash64(h, &o->ctx.seed, sizeof(o->ctx.seed));
  h = BaHash64(h, ints, sizeof(ints));
  h = BaHash64(h, lv, sizeof(lv));
  for (PetscInt l = 0; l < rsa->nl; l++) {
    h = BaHash64(h, rsa->trained.net.layer_name[l], strlen(rsa->trained.net.layer_name[l]) + 1);
    h = BaHash64(h, rsa->trained.rdm[l], sizeof(double) * (size_t)rsa->n * (size_t)rsa->n);
  }
  for (PetscInt i = 0; i < rsa->n; i++)
    h = BaHash64(h, rsa->c.file[0].image_name[i], strlen(rsa->c.file[0].image_name[i]) + 1);
  for (PetscInt g = 0; g < rsa->c.n; g++) {
    h = BaHash64(h, rsa->c.patient[g], strlen(rsa->c.patient[g]) + 1);
    h = BaHash64(h, rsa->c.name[g], strlen(rsa->c.name[g]) + 1);
  }
  return h;
}

/* A network's layer RDMs and permutation engine (the same seed, so the trained network and
   its control see the same permutations). */
static PetscErrorCode NetSetUp(Rsa *rsa, RsaNet *nt)
{
  const RsaOptions *o = &rsa->o;

  PetscFunctionBegin;
  PetscCall(LayerRdms(o, nt->path, &nt->net, &rsa->c, &nt->rdm));
  PetscCall(PermTestCreate(rsa->n, rsa->nl, (const double *const *)nt->rdm, o->ctx.protocol, (uint64_t)o->ctx.seed,
                           o->sequential_h, (PermKernelType)o->kernel, &nt->pt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Prolog: every input checked before any work, the layer RDMs, the permutation engines and
   the results file. */
static PetscErrorCode RsaSetUp(Rsa *rsa)
{
  const RsaOptions *o = &rsa->o;

  PetscFunctionBegin;
  PetscCall(OptionsRequire(o->ctx.comm, "-features", o->features));
  PetscCall(OptionsRequire(o->ctx.comm, "-network", o->network));
  rsa->t0 = rsa->trained.st.t_last_save = MPI_Wtime();
  openblas_set_num_threads((int)o->blas_threads);       /* one rank per core: no oversubscribed BLAS threads */
  if (o->checkpoint.path[0]) ContextCatchStopSignals(); /* USR1/TERM: checkpoint, then stop */
  PetscCall(CohortOpen(o->ctx.comm, o->features, &rsa->c));
  rsa->trained.path         = o->network;
  rsa->trained.checkpointed = o->checkpoint.path[0] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(NetworkOpen(o->ctx.comm, o->network, &rsa->trained.net));
  rsa->n  = rsa->c.nimages;
  rsa->nl = rsa->trained.net.nlayers;
  if (o->control[0]) {
    rsa->control.path = o->control;
    PetscCall(NetworkOpen(o->ctx.comm, o->control, &rsa->control.net));
    PetscCheck(rsa->control.net.nlayers == rsa->nl, o->ctx.comm, BA_ERR_INPUT,
               "%s: %" PetscInt_FMT " layers, but %s has %" PetscInt_FMT " (the control is the same network untrained)",
               o->control, rsa->control.net.nlayers, o->network, rsa->nl);
  }
  PetscCall(AtlasOpen(o->atlas, &rsa->atlas));
  PetscCheck(rsa->nl <= 64, o->ctx.comm, BA_ERR_INPUT, "%s: %" PetscInt_FMT " layers, at most 64 supported", o->network,
             rsa->nl);
  PetscCall(PetscMalloc3(rsa->c.n, &rsa->area_index, rsa->c.n, &rsa->responsive, rsa->c.n, &rsa->resp));
  PetscCall(PetscCalloc1(rsa->nl * rsa->nl, &rsa->layer_corr));
  PetscCall(ResultsSetUp(rsa));
  PetscCall(ContextPrintf(&o->ctx,
                          "rsa: %" PetscInt_FMT " channels from %" PetscInt_FMT " file(s), %" PetscInt_FMT
                          " images, %" PetscInt_FMT " layers, %" PetscInt_FMT " permutations (up to %" PetscInt_FMT
                          " where needed), correction %s, %d ranks\n",
                          rsa->c.n, rsa->c.nfiles, rsa->n, rsa->nl, o->permutations, o->permutations_max,
                          CorrectionNames[o->correction], o->ctx.size));
  PetscCall(NetSetUp(rsa, &rsa->trained));
  if (o->control[0]) PetscCall(NetSetUp(rsa, &rsa->control));
  rsa->o.checkpoint.hash = InputsHash(rsa);
  PetscCall(LayerCorrelation(rsa->n, rsa->nl, rsa->trained.rdm, rsa->layer_corr));
  PetscCall(ResultsCreate(&o->ctx, o->ctx.out, &rsa->res));
  PetscCall(ResultsWriteLayerCorrelation(&rsa->res, rsa->layer_corr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Epilog: the last checkpoint, the ROIs compared by their noise distributions (one-sided
   Mann-Whitney, Bonferroni), the results file committed. */
static PetscErrorCode RsaFinish(Rsa *rsa)
{
  const RsaOptions *o = &rsa->o;
  double compare_p[BA_NROIS * BA_NROIS], tmax, tmin, tmean;

  PetscFunctionBegin;
  if (o->checkpoint.path[0]) PetscCall(CheckpointSave(&o->ctx, &o->checkpoint, BA_NROIS, &rsa->trained.st));
  for (int a = 0; a < BA_NROIS; a++)
    for (int b = 0; b < BA_NROIS; b++) {
      double U, p = NAN;
      if (a != b && o->noise_splits > 0) {
        PetscCall(StatsMannWhitney(o->noise_splits, rsa->noise[a], o->noise_splits, rsa->noise[b], &U, &p));
        p = PetscMin(1.0, p * BA_NROIS * (BA_NROIS - 1));
      }
      compare_p[a * BA_NROIS + b] = p;
    }
  PetscCall(ResultsWriteComparisons(&rsa->res, compare_p));
  PetscCall(RsaSaveLayerRdms(rsa));
  PetscCall(ResultsCommit(&rsa->res));
  PetscCall(CommTimes(o->ctx.comm, MPI_Wtime() - rsa->t0, &tmax, &tmin, &tmean));
  PetscCall(ContextPrintf(&o->ctx, "rsa: wrote %s in %.1f s\n", o->ctx.out, tmax));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode NetDestroy(Rsa *rsa, RsaNet *nt)
{
  PetscFunctionBegin;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(PetscFree(nt->st.counts[roi]));
    PetscCall(PetscFree(nt->st.goal[roi]));
    PetscCall(PetscFree(nt->st.maxnull[roi]));
  }
  if (nt->rdm)
    for (PetscInt l = 0; l < rsa->nl; l++)
      PetscCall(PetscFree(nt->rdm[l]));
  PetscCall(PetscFree(nt->rdm));
  if (nt->pt) PetscCall(PermTestDestroy(&nt->pt));
  if (nt->path) PetscCall(NetworkClose(&nt->net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RsaDestroy(Rsa *rsa)
{
  PetscFunctionBegin;
  for (int roi = 0; roi < BA_NROIS; roi++)
    PetscCall(PetscFree(rsa->noise[roi]));
  PetscCall(NetDestroy(rsa, &rsa->trained));
  PetscCall(NetDestroy(rsa, &rsa->control));
  PetscCall(PetscFree(rsa->res.area));
  PetscCall(AtlasClose(&rsa->atlas));
  PetscCall(PetscFree(rsa->layer_corr));
  PetscCall(PetscFree3(rsa->area_index, rsa->responsive, rsa->resp));
  PetscCall(CohortClose(&rsa->c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageRsa(void)
{
  Rsa rsa;
  RoiWork w;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&rsa, sizeof(rsa)));
  PetscCall(RsaSetFromOptions(&rsa.o));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogStagePush(BaLogIds.rsa));
  PetscCall(RsaSetUp(&rsa));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(RoiBegin(&rsa, roi, &w));
    PetscCall(RsaSaveChannelRdms(&rsa, &w));
    PetscCall(RoiPermute(&rsa, &w));
    PetscCall(RoiCorrect(&rsa, &w));
    PetscCall(RoiWriteRows(&rsa, &w));
    PetscCall(RoiAlign(&rsa, &w));
    if (rsa.o.control[0]) { /* the same channels against the untrained network */
      RoiWork wc;
      PetscCall(RoiBeginControl(&rsa, &w, &wc));
      PetscCall(RoiPermute(&rsa, &wc));
      PetscCall(RoiCorrect(&rsa, &wc));
      PetscCall(RoiAlignControl(&rsa, &wc));
      PetscCall(RoiEnd(&wc));
    }
    PetscCall(RoiEnd(&w));
  }
  PetscCall(RsaFinish(&rsa));
  PetscCall(RsaDestroy(&rsa));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageRsaOptions(void)
{
  RsaOptions o;

  PetscFunctionBegin;
  PetscCall(RsaSetFromOptions(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}
