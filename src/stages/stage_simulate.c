/* stage_simulate.c: the simulate stage: a synthetic SEEG cohort with planted ground truth.
 *
 * Prolog: options (a preset sets the defaults of every -sim_ option), the atlas, the
 * cohort's geometry and truth (small, built the same on every rank), the stimuli. Then the
 * network: rank 0 builds it and writes network.h5, and broadcasts the few projections per
 * layer that channels encode. Then the signals: each rank owns a contiguous range of
 * channels (the partition module), generates them a block at a time and writes each block
 * with one collective call, so memory per rank is one block whatever the cohort's size.
 * Every patient takes the same number of collective writes on every rank (the largest
 * number of blocks any rank needs), with empty ranges where a rank has nothing left.
 * Epilog: truth.h5 and a summary with the write rate. Output is identical for any number of
 * ranks because every random number comes from a stream keyed by patient and channel. */
#include <bandalign/comm.h>
#include <bandalign/context.h>
#include <bandalign/dataset.h>
#include <bandalign/network.h>
#include <bandalign/partition.h>
#include <bandalign/progress.h>
#include <bandalign/sim.h>
#include <bandalign/stage.h>
#include <bandalign/truth.h>
#include <errno.h>
#include <sys/stat.h>

typedef enum { PRESET_TINY, PRESET_DEMO, PRESET_PAPER } Preset;

#define SIM_MAX_PATIENTS             99999
#define SIM_MAX_CHANNELS_PER_PATIENT 150 /* 15 shafts of up to 15 contacts */
static const char *const PresetNames[] = {"tiny", "demo", "paper", NULL};

/* Defaults of each preset (configs/<preset>.yaml holds the same values). */
static const struct {
  PetscInt npatients, nchannels, nimages;
  double layer_scale, ventral_share;
  int profile;
} PresetDefaults[] = {
    {4, 60, 50, 0.005, 0.4, SIM_PROFILE_SINGLE},
    {8, 400, 250, 0.02, 0.4, SIM_PROFILE_SINGLE},
    {100, 11293, 250, 0.02, 0.0518, SIM_PROFILE_KUZOVKIN2018}, /* the study: 585 of 11,293 channels */
};

typedef struct {
  BaContext ctx;                  /* common options; -out is the output folder */
  SimParams par;                  /* what the cohort looks like */
  int preset;                     /* -preset */
  char atlas[PETSC_MAX_PATH_LEN]; /* -atlas: Brodmann atlas in MNI space */
  PetscInt block;                 /* -sim_block_channels: channels generated per write */
  PetscBool rdm_report;           /* -sim_rdm_report: print the network's layer RDM correlations */
  PetscBool control;              /* -sim_control_network: also write network_control.h5, the untrained network */
} SimulateOptions;

static PetscErrorCode SimulateSetFromOptions(SimulateOptions *o, PetscBool *help)
{
  int band = 3, preset = PRESET_DEMO, profile;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(o, sizeof(*o)));
  PetscCall(PetscStrncpy(o->atlas, BA_DEFAULT_ATLAS, sizeof(o->atlas)));
  o->block = 16;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bandalign simulate options", NULL);
  PetscCall(ContextSetFromOptions(PetscOptionsObject, &o->ctx, "Output folder (dataset.h5, network.h5, truth.h5)",
                                  "sim-out"));
  PetscCall(OptionsChoice(PetscOptionsObject, "-preset", "Size of the cohort; sets the defaults below", PresetNames,
                          PRESET_DEMO, &preset));
  o->preset            = preset;
  o->par.npatients     = PresetDefaults[preset].npatients;
  o->par.nchannels     = PresetDefaults[preset].nchannels;
  o->par.nimages       = PresetDefaults[preset].nimages;
  o->par.layer_scale   = PresetDefaults[preset].layer_scale;
  o->par.ventral_share = PresetDefaults[preset].ventral_share;
  o->par.gain_min      = 0.4;
  o->par.gain_max      = 1.2;
  o->par.target_share  = 0.04;
  PetscCall(OptionsInt(PetscOptionsObject, "-sim_patients", "Patients", o->par.npatients, 1, SIM_MAX_PATIENTS,
                       &o->par.npatients, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-sim_channels",
                       "Bipolar channels in all, split over patients (8-15 shafts of 8-15 contacts where that fits; "
                       "1 to 150 per patient)",
                       o->par.nchannels, 1, SIM_MAX_CHANNELS_PER_PATIENT * SIM_MAX_PATIENTS, &o->par.nchannels, NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-sim_images", "Images, a multiple of 5 (250: the study's names and order)",
                       o->par.nimages, 5, 4995, &o->par.nimages, NULL));
  profile = PresetDefaults[preset].profile;
  PetscCall(OptionsChoice(PetscOptionsObject, "-sim_profile",
                          "What is planted: single (the hierarchy in one band, -sim_hierarchy_band) or kuzovkin2018 "
                          "(every band and window as the study published them)",
                          SimProfileNames, profile, &profile));
  o->par.profile = profile;
  PetscCall(OptionsChoice(PetscOptionsObject, "-sim_hierarchy_band",
                          "Band whose planted layers rise along the ventral stream (profile single; kuzovkin2018's "
                          "principal band is lowgamma)",
                          BaBandNames, 3, &band));
  o->par.hierarchy_band = band;
  PetscCall(OptionsReal(PetscOptionsObject, "-sim_layer_scale",
                        "Network layer widths as a fraction of CaffeNet's (0, 1]", o->par.layer_scale, 0, 1,
                        &o->par.layer_scale, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-sim_ventral_share",
                        "Fraction of channels in BA 17, 18, 19, 37, 20 (the study: 0.052), [0, 1)",
                        o->par.ventral_share, 0, 1, &o->par.ventral_share, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-sim_gain_min", "Smallest encoding gain g (burst amplitude x (1 + g z))",
                        o->par.gain_min, 0, 100, &o->par.gain_min, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-sim_gain_max", "Largest encoding gain g (at least -sim_gain_min)",
                        o->par.gain_max, 0, 100, &o->par.gain_max, NULL));
  PetscCall(OptionsReal(PetscOptionsObject, "-sim_target_share",
                        "Extra target trials (stimulus -1, not analysed) per image", o->par.target_share, 0, 1,
                        &o->par.target_share, NULL));
  PetscCall(OptionsString(PetscOptionsObject, "-atlas", "Brodmann atlas (NIfTI, MNI space)", o->atlas, o->atlas,
                          sizeof(o->atlas), NULL));
  PetscCall(OptionsInt(PetscOptionsObject, "-sim_block_channels",
                       "Channels generated and written per collective write (no patient has more than 150)", o->block,
                       1, SIM_MAX_CHANNELS_PER_PATIENT, &o->block, NULL));
  o->control = PETSC_TRUE;
  PetscCall(OptionsBool(PetscOptionsObject, "-sim_control_network",
                        "Also write network_control.h5: the same network untrained (the study's control)", o->control,
                        &o->control, NULL));
  PetscCall(OptionsBool(PetscOptionsObject, "-sim_rdm_report",
                        "Print the Spearman correlations of the network's layer RDMs", o->rdm_report, &o->rdm_report,
                        NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, help));
  if (*help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OptionsCheckUnknown(o->ctx.comm));

  o->par.seed = (uint32_t)o->ctx.seed; /* 0 .. BA_SEED_MAX */
  {
    const MPI_Comm c   = o->ctx.comm;
    const SimParams *p = &o->par;
    PetscCheck(p->nchannels >= p->npatients, c, BA_ERR_INPUT,
               "-sim_channels: need at least one channel per patient (%" PetscInt_FMT " channels, %" PetscInt_FMT
               " patients)",
               p->nchannels, p->npatients);
    PetscCheck(p->nchannels <= SIM_MAX_CHANNELS_PER_PATIENT * p->npatients, c, BA_ERR_INPUT,
               "-sim_channels: at most 150 per patient (15 shafts of up to 15 contacts), got "
               "%" PetscInt_FMT " for %" PetscInt_FMT " patients",
               p->nchannels, p->npatients);
    PetscCheck(p->nimages % 5 == 0, c, BA_ERR_INPUT,
               "-sim_images: must be a positive multiple of 5 (at most 4995), got %" PetscInt_FMT, p->nimages);
    PetscCheck(p->layer_scale > 0, c, BA_ERR_INPUT, "-sim_layer_scale: must be in (0, 1], got %g", p->layer_scale);
    PetscCheck(p->ventral_share < 1, c, BA_ERR_INPUT, "-sim_ventral_share: must be in [0, 1), got %g",
               p->ventral_share);
    PetscCheck(p->profile != SIM_PROFILE_KUZOVKIN2018 || p->hierarchy_band == 3, c, BA_ERR_INPUT,
               "-sim_hierarchy_band: the kuzovkin2018 profile plants its own hierarchy (principal band lowgamma); "
               "give -sim_profile single to plant it in %s",
               BaBandNames[p->hierarchy_band]);
    PetscCheck(p->gain_max >= p->gain_min, c, BA_ERR_INPUT,
               "-sim_gain_min, -sim_gain_max: need 0 <= min <= max, got %g, %g", p->gain_min, p->gain_max);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode MakeFolder(const BaContext *ctx)
{
  int err = 0;

  PetscFunctionBegin;
  if (ctx->rank == 0 && mkdir(ctx->out, 0755) != 0 && errno != EEXIST) err = errno;
  PetscCall(CommAgreeErrorf(ctx->comm, err != 0, "%s: cannot create the output folder (%s)", ctx->out, strerror(err)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FillNetwork(const SimulateOptions *o, const SimNetwork *net, Network *file)
{
  PetscFunctionBegin;
  PetscCall(BaH5WriteProvenance(&file->file, &o->ctx));
  for (int l = 0; l < SIM_NLAYERS; l++)
    PetscCall(NetworkWriteActivations(file, l, net->nfeatures[l], o->ctx.rank == 0 ? net->act[l] : NULL));
  PetscCall(NetworkCommit(file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A network file from rank 0's model (nfeatures known on every rank); the model is freed. */
static PetscErrorCode NetworkFileWrite(const SimulateOptions *o, const SimStimuli *st, const char *path,
                                       SimNetwork *net)
{
  Network file;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(NetworkCreate(o->ctx.comm, path, st->nimages, st->name, SIM_NLAYERS, (char *const *)SimLayerNames, &file));
  ierr = FillNetwork(o, net, &file);
  if (ierr) BaH5FileAbandon(&file.file);
  PetscCall(ierr);
  if (o->ctx.rank == 0) PetscCall(SimNetworkDestroy(net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* network.h5 from rank 0's model; every rank receives the projections. */
static PetscErrorCode WriteNetwork(const SimulateOptions *o, const SimStimuli *st, const char *path, double *proj)
{
  SimNetwork net;
  const PetscInt n = st->nimages;
  double t0        = MPI_Wtime();

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&net, sizeof(net)));
  if (o->ctx.rank == 0) {
    PetscCall(SimNetworkCreate(&o->par, st, &net));
    PetscCall(PetscArraycpy(proj, net.proj, (size_t)SIM_NLAYERS * SIM_NPROJ * n));
  }
  PetscCallMPI(MPI_Bcast(net.nfeatures, SIM_NLAYERS, MPIU_INT, 0, o->ctx.comm));
  PetscCallMPI(MPI_Bcast(proj, SIM_NLAYERS * SIM_NPROJ * (int)n, MPI_DOUBLE, 0, o->ctx.comm));
  PetscCall(ContextPrintf(
      &o->ctx, "simulate: network of %d layers (%" PetscInt_FMT " .. %" PetscInt_FMT " units) built in %.1f s\n",
      SIM_NLAYERS, net.nfeatures[0], net.nfeatures[SIM_NLAYERS - 1], MPI_Wtime() - t0));
  if (o->rdm_report && o->ctx.rank == 0) {
    double corr[SIM_NLAYERS * SIM_NLAYERS], cat[SIM_NLAYERS];
    PetscCall(SimNetworkRdmCorrelation(&net, st, corr, cat));
    printf("simulate: Spearman correlation of the layer RDMs (Euclidean)\n%8s", "");
    for (int b = 0; b < SIM_NLAYERS; b++)
      printf(" %6s", SimLayerNames[b]);
    printf("\n");
    for (int a = 0; a < SIM_NLAYERS; a++) {
      printf("%8s", SimLayerNames[a]);
      for (int b = 0; b < SIM_NLAYERS; b++)
        printf(" %6.3f", corr[a * SIM_NLAYERS + b]);
      printf("\n");
    }
    printf("%8s", "cat.idx");
    for (int b = 0; b < SIM_NLAYERS; b++)
      printf(" %6.3f", cat[b]);
    printf("\n");
    fflush(stdout);
  }
  PetscCall(NetworkFileWrite(o, st, path, &net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* network_control.h5: the untrained network, built on rank 0. */
static PetscErrorCode WriteControlNetwork(const SimulateOptions *o, const SimStimuli *st, const char *path)
{
  SimNetwork net;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&net, sizeof(net)));
  if (o->ctx.rank == 0) PetscCall(SimNetworkCreateUntrained(&o->par, st, &net));
  PetscCallMPI(MPI_Bcast(net.nfeatures, SIM_NLAYERS, MPIU_INT, 0, o->ctx.comm));
  PetscCall(NetworkFileWrite(o, st, path, &net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The patients of dataset.h5, each rank its own channels a block at a time. */
static PetscErrorCode FillDataset(const SimulateOptions *o, const SimStimuli *st, const SimCohort *co,
                                  const double *proj, const Partition *part, SimSignal sig, float *buf, Dataset *ds)
{
  const PetscInt ntrials = st->ntrials, per = ntrials * SIM_NSAMPLES;
  PetscInt done = 0;
  Progress pr;

  PetscFunctionBegin;
  PetscCall(BaH5WriteProvenance(&ds->file, &o->ctx));
  ProgressBegin(&pr, o->ctx.comm, "simulate: channels",
                (double)(part->rank_lo[o->ctx.rank + 1] - part->rank_lo[o->ctx.rank]), o->ctx.quiet);
  for (PetscInt p = 0; p < co->npatients; p++) {
    const SimChannel *ch = co->ch + co->first[p];
    const PetscInt nch   = co->first[p + 1] - co->first[p];
    char **names;
    double *mni;
    PetscInt lo, hi, nblocks = 0;

    PetscCall(PetscMalloc2(nch, &names, 3 * nch, &mni));
    for (PetscInt c = 0; c < nch; c++) {
      names[c] = (char *)ch[c].name;
      for (int e = 0; e < 3; e++)
        mni[3 * c + e] = ch[c].mni[e];
    }
    PetscCall(DatasetAddPatient(ds, co->patient_id[p], nch, ntrials, SIM_NSAMPLES, names, mni, st->stimulus));
    PetscCall(PetscFree2(names, mni));
    /* as many collective writes on every rank as the rank with the most blocks needs */
    for (PetscMPIInt r = 0; r < o->ctx.size; r++) {
      PetscInt a, b;
      PartitionPatientRange(part, r, p, &a, &b);
      nblocks = PetscMax(nblocks, (b - a + o->block - 1) / o->block);
    }
    PartitionPatientRange(part, o->ctx.rank, p, &lo, &hi);
    if (hi <= lo) lo = hi = 0; /* an empty range may lie past the patient's rows */
    for (PetscInt k = 0; k < nblocks; k++) {
      const PetscInt b0 = PetscMin(lo + k * o->block, hi), b1 = PetscMin(b0 + o->block, hi);
      PetscCall(PetscLogEventBegin(BaLogIds.simulate_signal, 0, 0, 0, 0));
      for (PetscInt c = b0; c < b1; c++)
        PetscCall(SimSignalChannel(sig, &o->par, st, &ch[c], proj, buf + (size_t)(c - b0) * per));
      PetscCall(PetscLogEventEnd(BaLogIds.simulate_signal, 0, 0, 0, 0));
      PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
      PetscCall(DatasetWriteChannels(ds, co->patient_id[p], b0, b1, buf));
      PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));
      done += b1 - b0;
      if (b1 > b0) ProgressUpdate(&pr, (double)done);
    }
  }
  PetscCall(DatasetCommit(ds));
  ProgressEnd(&pr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* dataset.h5: a partial file is removed on any error. */
static PetscErrorCode WriteDataset(const SimulateOptions *o, const SimStimuli *st, const SimCohort *co,
                                   const double *proj, const char *path, double *seconds)
{
  const PetscInt per = st->ntrials * SIM_NSAMPLES;
  Dataset ds;
  Partition part;
  PetscInt *nch;
  double *work, t0;
  float *buf;
  SimSignal sig;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(co->npatients, &nch, co->npatients, &work));
  for (PetscInt p = 0; p < co->npatients; p++) {
    nch[p]  = co->first[p + 1] - co->first[p];
    work[p] = (double)per;
  }
  PetscCall(PartitionCreate(o->ctx.comm, co->npatients, nch, work, &part));
  PetscCall(PetscMalloc1((size_t)o->block * per, &buf));
  PetscCall(SimSignalCreate(&sig));
  PetscCallMPI(MPI_Barrier(o->ctx.comm));
  t0 = MPI_Wtime();
  PetscCall(DatasetCreate(o->ctx.comm, path, SIM_SFREQ, SIM_ONSET, BA_MONTAGE_BIPOLAR, st->nimages, st->name,
                          st->category, &ds));
  ierr = FillDataset(o, st, co, proj, &part, sig, buf, &ds);
  if (ierr) BaH5FileAbandon(&ds.file);
  PetscCall(ierr);
  *seconds = MPI_Wtime() - t0;
  PetscCall(SimSignalDestroy(&sig));
  PetscCall(PetscFree(buf));
  PetscCall(PartitionDestroy(&part));
  PetscCall(PetscFree2(nch, work));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* truth.h5: the planted band, layer and gain of every channel (rank 0 holds them all). */
static PetscErrorCode WriteTruth(const SimulateOptions *o, const SimCohort *co, const char *path)
{
  const PetscInt N = co->nchannels;
  Truth t;
  SimRoiPlan plan[BA_NROIS];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&t, sizeof(t)));
  t.hierarchy_band = o->par.hierarchy_band < BA_NBANDS ? o->par.hierarchy_band : -1;
  t.nchannels      = N;
  PetscCall(PetscMalloc4(N, &t.patient, N, &t.name, N, &t.planted_band, N, &t.planted_layer));
  PetscCall(PetscMalloc4(N, &t.area, N, &t.gain, N, &t.power_increase, 3 * N, &t.mni));
  PetscCall(PetscMalloc3(N, &t.hierarchy, N, &t.course, N, &t.outer_layer));
  PetscCall(PetscStrncpy(t.profile, SimProfileNames[o->par.profile], sizeof(t.profile)));
  SimRoiPlanCompute(&o->par, co, plan);
  t.has_rois = PETSC_TRUE;
  for (int r = 0; r < BA_NROIS; r++) {
    t.roi_responsive[r]          = plan[r].responsive;
    t.roi_encoding[r]            = plan[r].encoding;
    t.roi_hierarchy[r]           = plan[r].hierarchy;
    t.roi_expected_aligned[r]    = plan[r].expected_aligned;
    t.roi_expected_rho[r]        = plan[r].expected_rho;
    t.roi_expected_responsive[r] = plan[r].expected_responsive;
  }
  for (PetscInt c = 0; c < N; c++) {
    const SimChannel *ch = &co->ch[c];
    t.patient[c]         = co->patient_id[ch->patient];
    t.name[c]            = (char *)ch->name;
    t.planted_band[c]    = ch->band;
    t.planted_layer[c]   = ch->layer;
    t.area[c]            = ch->area;
    t.gain[c]            = ch->gain;
    t.power_increase[c]  = ch->power_increase;
    t.hierarchy[c]       = ch->hierarchy;
    t.course[c]          = ch->course;
    t.outer_layer[c]     = ch->outer_layer;
    for (int e = 0; e < 3; e++)
      t.mni[3 * c + e] = ch->mni[e];
  }
  PetscCall(TruthWrite(o->ctx.comm, path, &o->ctx, &t));
  PetscCall(PetscFree4(t.patient, t.name, t.planted_band, t.planted_layer));
  PetscCall(PetscFree4(t.area, t.gain, t.power_increase, t.mni));
  PetscCall(PetscFree3(t.hierarchy, t.course, t.outer_layer));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode PrintSummary(const SimulateOptions *o, const SimCohort *co, const SimStimuli *st, double seconds)
{
  PetscInt resp = 0, enc = 0, in_band[BA_NBANDS] = {0};
  double mb = (double)co->nchannels * st->ntrials * SIM_NSAMPLES * sizeof(float) / 1e6, tmin, tmax, tmean;

  PetscFunctionBegin;
  PetscCall(CommTimes(o->ctx.comm, seconds, &tmax, &tmin, &tmean));
  for (PetscInt c = 0; c < co->nchannels; c++) {
    if (co->ch[c].band >= 0) resp++, in_band[co->ch[c].band]++;
    if (co->ch[c].layer >= 0) enc++;
  }
  PetscCall(ContextPrintf(&o->ctx,
                          "simulate: %" PetscInt_FMT " patients, %" PetscInt_FMT
                          " channels (BA 17/18/19/37/20: %" PetscInt_FMT "/%" PetscInt_FMT "/%" PetscInt_FMT
                          "/%" PetscInt_FMT "/%" PetscInt_FMT "), %" PetscInt_FMT " images, %" PetscInt_FMT " trials\n",
                          co->npatients, co->nchannels, co->area_count[0], co->area_count[1], co->area_count[2],
                          co->area_count[3], co->area_count[4], st->nimages, st->ntrials));
  PetscCall(ContextPrintf(
      &o->ctx,
      "simulate: %" PetscInt_FMT " responsive channels (theta/alpha/beta/lowgamma/highgamma %" PetscInt_FMT
      "/%" PetscInt_FMT "/%" PetscInt_FMT "/%" PetscInt_FMT "/%" PetscInt_FMT "), %" PetscInt_FMT
      " encoding; profile %s, hierarchy in %s\n",
      resp, in_band[0], in_band[1], in_band[2], in_band[3], in_band[4], enc, SimProfileNames[o->par.profile],
      o->par.profile == SIM_PROFILE_KUZOVKIN2018 ? "every band (principal: lowgamma)"
                                                 : BaBandNames[o->par.hierarchy_band]));
  PetscCall(ContextPrintf(&o->ctx,
                          "simulate: dataset %.1f MB generated and written in %.2f s (min %.2f, "
                          "mean %.2f over %d ranks): %.1f MB/s\n",
                          mb, tmax, tmin, tmean, o->ctx.size, mb / tmax));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageSimulate(void)
{
  SimulateOptions o;
  PetscBool help;
  Atlas atlas;
  SimCohort co;
  SimStimuli st;
  double *proj, seconds = 0, t0;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(SimulateSetFromOptions(&o, &help));
  if (help) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscLogStagePush(BaLogIds.simulate));
  t0 = MPI_Wtime();
  PetscCall(MakeFolder(&o.ctx));
  {
    /* every rank reads the atlas; a failure on any rank stops all of them */
    PetscErrorCode ierr = AtlasOpen(o.atlas, &atlas);
    PetscCall(CommAgreeErrorf(o.ctx.comm, ierr != 0, "%s: cannot read the atlas", o.atlas));
  }
  PetscCall(SimCohortCreate(&o.par, atlas, &co));
  PetscCall(AtlasClose(&atlas));
  PetscCall(SimStimuliCreate(&o.par, &st));
  PetscCall(ContextPrintf(&o.ctx, "simulate: cohort placed in %.1f s\n", MPI_Wtime() - t0));

  PetscCall(PetscMalloc1((size_t)SIM_NLAYERS * SIM_NPROJ * st.nimages, &proj));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/network.h5", o.ctx.out));
  PetscCall(WriteNetwork(&o, &st, path, proj));
  if (o.control) {
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/network_control.h5", o.ctx.out));
    PetscCall(WriteControlNetwork(&o, &st, path));
  }
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/dataset.h5", o.ctx.out));
  PetscCall(WriteDataset(&o, &st, &co, proj, path, &seconds));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/truth.h5", o.ctx.out));
  PetscCall(WriteTruth(&o, &co, path));
  PetscCall(PrintSummary(&o, &co, &st, seconds));
  PetscCall(ContextPrintf(&o.ctx, "simulate: wrote %s/{dataset,network%s,truth}.h5 in %.1f s\n", o.ctx.out,
                          o.control ? ",network_control" : "", MPI_Wtime() - t0));

  PetscCall(PetscFree(proj));
  PetscCall(SimStimuliDestroy(&st));
  PetscCall(SimCohortDestroy(&co));
  PetscCall(PetscLogStagePop());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode StageSimulateOptions(void)
{
  SimulateOptions o;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(SimulateSetFromOptions(&o, &help));
  PetscFunctionReturn(PETSC_SUCCESS);
}
