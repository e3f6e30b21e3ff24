/* rsa_roi.c: the steps of one ROI of the rsa stage, in the order StageRsa calls them.
 *
 * RoiBegin     global responsiveness (BH over every channel of every file), the responsive
 *              channels split evenly over the ranks in global order, their features read
 *              by their owner, counts restored from a checkpoint under -resume
 * RoiPermute   the first m permutations of my pairs, in chunks of -channel_chunk channels
 *              and steps of -perm_chunk permutations (progress, early stops, checkpoints)
 * RoiCorrect   p-values gathered to every rank, the correction over the ROI's family, and
 *              the resolution rounds of small p-values (rsa_resolve.c)
 * RoiWriteRows my rows of the results file
 * RoiAlign     anatomy, alignment and the split-half noise over the whole cohort
 *
 * What crosses ranks is a few numbers per channel or pair (CommGatherAll); features stay
 * with their owner except in resolution rounds. */
#include "rsa.h"
#include <bandalign/progress.h>
#include <bandalign/stage.h>
#include <bandalign/stats.h>

/* Global responsiveness of one ROI: BH over every channel's Wilcoxon p, and an increase. */
static PetscErrorCode Responsiveness(const RsaOptions *o, Cohort *c, int roi, uint8_t *responsive)
{
  PetscInt lo, hi, n;
  double *p, *all_p, *qv;
  uint8_t *incr, *all_inc;
  PetscBool *reject;

  PetscFunctionBegin;
  CommEvenSplit(c->n, o->ctx.rank, o->ctx.size, &lo, &hi);
  PetscCall(PetscMalloc2(hi - lo + 1, &p, hi - lo + 1, &incr));
  PetscCall(CohortReadRoi(c, roi, lo, hi, NULL, p, incr));
  PetscCall(CommGatherAll(o->ctx.comm, MPI_DOUBLE, hi - lo, p, &n, &all_p));
  PetscCall(CommGatherAll(o->ctx.comm, MPI_UINT8_T, hi - lo, incr, &n, &all_inc));
  PetscCall(PetscMalloc2(n, &qv, n, &reject));
  PetscCall(StatsFdr(n, all_p, BA_FDR_BH, o->responsive_q, qv, reject));
  for (PetscInt g = 0; g < n; g++)
    responsive[g] = (uint8_t)(reject[g] && all_inc[g] != 0);
  PetscCall(PetscFree2(qv, reject));
  PetscCall(PetscFree(all_p));
  PetscCall(PetscFree(all_inc));
  PetscCall(PetscFree2(p, incr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void SplitResponsive(const RsaOptions *o, const Cohort *c, const uint8_t *responsive, RoiSplit *s)
{
  s->nresp = 0;
  for (PetscInt g = 0; g < c->n; g++)
    if (responsive[g]) s->resp[s->nresp++] = g;
  CommEvenSplit(s->nresp, o->ctx.rank, o->ctx.size, &s->rlo, &s->rhi);
  s->row_lo = o->ctx.rank == 0 ? 0 : (s->rlo < s->nresp ? s->resp[s->rlo] : c->n);
  s->row_hi = o->ctx.rank == o->ctx.size - 1 ? c->n : (s->rhi < s->nresp ? s->resp[s->rhi] : c->n);
}

/* My responsive channels' features into w->x; a missing (NaN) or infinite feature is an
   error on every rank, naming the file, the channel and the image. */
static PetscErrorCode ReadFeatures(Rsa *rsa, RoiWork *w)
{
  const RoiSplit *sp = &w->split;
  const PetscInt n = rsa->n, rows = sp->row_hi - sp->row_lo;
  Cohort *c                 = &rsa->c;
  char err[BA_COMM_ERR_LEN] = "";
  float *block;
  PetscInt k = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)rows * n + 1, &block));
  PetscCall(PetscMalloc1((size_t)w->nloc * n + 1, &w->x));
  PetscCall(CohortReadRoi(c, w->roi, sp->row_lo, sp->row_hi, block, NULL, NULL));
  for (PetscInt g = sp->row_lo; g < sp->row_hi; g++) {
    if (!rsa->responsive[g]) continue;
    for (PetscInt i = 0; i < n; i++) {
      w->x[k * n + i] = block[(size_t)(g - sp->row_lo) * n + i];
      if (!isfinite(w->x[k * n + i]) && !err[0])
        snprintf(err, sizeof(err),
                 "%s: /roi/%s/feature of channel %s of patient %s is %s for image %s (a responsive channel needs every "
                 "feature)",
                 CohortFileOf(c, g), w->name, c->name[g], c->patient[g],
                 isnan(w->x[k * n + i]) ? "missing (NaN)" : "infinite", c->file[0].image_name[i]);
    }
    k++;
  }
  PetscCall(PetscFree(block));
  PetscCall(CommAgreeError(rsa->o.ctx.comm, err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The per-network state of one ROI: counts, goals, the max-statistic null. */
static PetscErrorCode RoiNetSetUp(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  const PetscInt nl   = rsa->nl;
  RsaState *st        = &w->net->st;
  const int roi       = w->roi;

  PetscFunctionBegin;
  st->npairs_global[roi] = w->split.nresp * nl;
  st->pair_lo[roi]       = w->split.rlo * nl;
  st->pair_hi[roi]       = w->split.rhi * nl;
  PetscCall(PetscMalloc2(w->nloc * nl + 1, &w->rho, w->nloc * nl + 1, &w->pv));
  PetscCall(PetscCalloc1(w->nloc * nl + 1, &st->counts[roi]));
  PetscCall(PetscCalloc1(w->nloc * nl + 1, &st->goal[roi]));
  if (o->correction == CORRECTION_MAXSTAT) {
    PetscCall(PetscMalloc1(o->permutations, &st->maxnull[roi]));
    for (PetscInt i = 0; i < o->permutations; i++)
      st->maxnull[roi][i] = -INFINITY;
  }
  if (o->resume && w->net->checkpointed) {
    PetscBool found;
    PetscCall(CheckpointLoadRoi(&o->ctx, &o->checkpoint, roi, st, &found));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiBegin(Rsa *rsa, int roi, RoiWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  w->roi = roi;
  w->net = &rsa->trained;
  RoiName(roi, w->name, sizeof(w->name));
  PetscCall(Responsiveness(&rsa->o, &rsa->c, roi, rsa->responsive));
  w->split.resp = rsa->resp;
  SplitResponsive(&rsa->o, &rsa->c, rsa->responsive, &w->split);
  w->nloc = w->split.rhi - w->split.rlo;
  PetscCall(ReadFeatures(rsa, w));
  PetscCall(RoiNetSetUp(rsa, w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiBeginControl(Rsa *rsa, const RoiWork *w, RoiWork *wc)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(wc, sizeof(*wc)));
  wc->roi = w->roi;
  wc->net = &rsa->control;
  PetscCall(PetscStrncpy(wc->name, w->name, sizeof(wc->name)));
  wc->split      = w->split;
  wc->nloc       = w->nloc;
  wc->x          = w->x;
  wc->borrowed_x = PETSC_TRUE;
  PetscCall(RoiNetSetUp(rsa, wc));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Where a chunk's running pairs resume. After a resume on another number of ranks a chunk
   can mix channels a checkpoint caught at different counts (earlier chunks of a rank done,
   its current one part way): the ones behind are brought level first (up to m at most), as
   one run of their own would have counted. Returns the first permutation to run. */
static PetscErrorCode ChunkLevel(Rsa *rsa, RoiWork *w, PetscInt npairs, PermCount *cnt, PetscInt *first)
{
  const RsaOptions *o = &rsa->o;
  PetscInt ahead      = 0;
  int64_t *goal;

  PetscFunctionBegin;
  *first = o->permutations;
  for (PetscInt k = 0; k < npairs; k++)
    if (!cnt[k].done) {
      *first = PetscMin(*first, (PetscInt)cnt[k].used);
      /* beyond m only in a resolution round, which follows this phase */
      ahead = PetscMax(ahead, (PetscInt)PetscMin(cnt[k].used, (int64_t)o->permutations));
    }
  if (*first >= ahead) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(!w->net->st.maxnull[w->roi], o->ctx.comm, BA_ERR_INPUT,
             "-resume: the checkpoint's -correction maxstat counts need the same number of ranks and "
             "-channel_chunk as the run that wrote it");
  PetscCall(PetscMalloc1(npairs, &goal));
  for (PetscInt k = 0; k < npairs; k++)
    goal[k] = ahead;
  PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
  PetscCall(PermTestExtend(w->net->pt, goal, ahead, cnt));
  PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
  PetscCall(PetscFree(goal));
  *first = ahead;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsaStopped(const Rsa *rsa)
{
  char what[PETSC_MAX_PATH_LEN + 96];

  PetscFunctionBegin;
  PetscCall(
      PetscSNPrintf(what, sizeof(what), "the checkpoint %s is written; continue with -resume", rsa->o.checkpoint.path));
  PetscCall(ContextStopped(rsa->o.ctx.comm, what));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One chunk [c0, c1) of my channels through the permutations in steps of -perm_chunk, in
   lockstep with the other ranks (which take part in every decision, also when their chunks
   have run out). */
static PetscErrorCode ChunkPermute(Rsa *rsa, RoiWork *w, PetscInt c0, PetscInt c1, double *chunk_max, Progress *prog)
{
  const RsaOptions *o = &rsa->o;
  const PetscInt nl   = rsa->nl;
  PermCount *cnt      = w->net->st.counts[w->roi] + c0 * nl;
  double *maxnull     = w->net->st.maxnull[w->roi];
  PetscInt first;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(BaLogIds.ranks, 0, 0, 0, 0));
  PetscCall(PermTestObserve(w->net->pt, c1 - c0, w->x + (size_t)c0 * rsa->n, w->rho + c0 * nl));
  PetscCall(PetscLogEventEnd(BaLogIds.ranks, 0, 0, 0, 0));
  PetscCall(ChunkLevel(rsa, w, (c1 - c0) * nl, cnt, &first));
  while (1) {
    const PetscInt last = PetscMin(first + o->perm_chunk, o->permutations);
    PetscBool active    = PETSC_FALSE, any, save, stop;

    for (PetscInt k = 0; k < (c1 - c0) * nl && first < o->permutations; k++)
      active = active || !cnt[k].done ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(CommAny(o->ctx.comm, active, &any));
    if (!any) break;
    if (active) {
      PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
      PetscCall(PermTestRun(w->net->pt, first, last, cnt, maxnull ? chunk_max : NULL));
      PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
      if (maxnull)
        for (PetscInt i = first; i < last; i++)
          if (chunk_max[i - first] > maxnull[i]) maxnull[i] = chunk_max[i - first];
      first = last;
    }
    ProgressUpdate(prog, (double)c0 * o->permutations + (double)(c1 - c0) * first);
    save = stop = PETSC_FALSE;
    if (w->net->checkpointed) PetscCall(CheckpointDue(&o->ctx, &o->checkpoint, &w->net->st, &save, &stop));
    if (save) PetscCall(CheckpointSave(&o->ctx, &o->checkpoint, w->roi + 1, &w->net->st));
    if (stop) PetscCall(RsaStopped(rsa));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiPermute(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  double *chunk_max = NULL, *maxnull = w->net->st.maxnull[w->roi];
  PetscInt nchunks;
  Progress prog;
  char what[96];

  PetscFunctionBegin;
  if (o->strategy == STRATEGY_ADAPTIVE) {
    PetscCall(RoiPermuteAdaptive(rsa, w));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  /* chunks of my channels (ranks take 12 x pairs bytes per channel) */
  PetscCall(CommRounds(o->ctx.comm, (w->nloc + o->channel_chunk - 1) / o->channel_chunk, &nchunks));
  PetscCall(PetscSNPrintf(what, sizeof(what), "rsa %s, %" PetscInt_FMT " responsive", w->name, w->split.nresp));
  ProgressBegin(&prog, o->ctx.comm, what, (double)w->nloc * o->permutations, o->ctx.quiet);
  PetscCall(PetscMalloc1(o->perm_chunk, &chunk_max));
  for (PetscInt ch = 0; ch < nchunks; ch++) {
    const PetscInt c0 = PetscMin(ch * o->channel_chunk, w->nloc), c1 = PetscMin(c0 + o->channel_chunk, w->nloc);
    PetscCall(ChunkPermute(rsa, w, c0, c1, chunk_max, &prog));
  }
  ProgressEnd(&prog);
  PetscCall(PetscFree(chunk_max));
  if (maxnull)
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, maxnull, (int)o->permutations, MPI_DOUBLE, MPI_MAX, o->ctx.comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Corrected q-values and significance of the whole ROI family, identical on every rank. */
PetscErrorCode RsaCorrect(const RsaOptions *o, PetscInt n, const double *p, double *qv, PetscBool *reject)
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

PetscErrorCode RsaGatherCounts(MPI_Comm comm, PetscInt n, const PermCount *mine, PetscInt *nall, PermCount **all)
{
  MPI_Datatype count_type; /* PermCount as its int64 words (done and pad share one) */

  PetscFunctionBegin;
  PetscCallMPI(MPI_Type_contiguous((int)(sizeof(PermCount) / sizeof(int64_t)), MPI_INT64_T, &count_type));
  PetscCallMPI(MPI_Type_commit(&count_type));
  PetscCall(CommGatherAll(comm, count_type, n, mine, nall, all));
  PetscCallMPI(MPI_Type_free(&count_type));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The ROI's p-values, counts and goals gathered from my pairs, and its correction. */
static PetscErrorCode GatherAndCorrect(Rsa *rsa, RoiWork *w)
{
  const PetscInt nk = w->nloc * rsa->nl;
  PetscInt nall;

  PetscFunctionBegin;
  LocalPValues(&rsa->o, w->net->pt, nk, w->rho, w->net->st.counts[w->roi], w->net->st.maxnull[w->roi], w->pv);
  PetscCall(PetscFree(w->all_p));
  PetscCall(CommGatherAll(rsa->o.ctx.comm, MPI_DOUBLE, nk, w->pv, &w->nall, &w->all_p));
  PetscCall(RsaCorrect(&rsa->o, w->nall, w->all_p, w->qv, w->reject));
  PetscCall(PetscFree(w->all_count));
  PetscCall(RsaGatherCounts(rsa->o.ctx.comm, nk, w->net->st.counts[w->roi], &nall, &w->all_count));
  PetscCall(PetscFree(w->all_goal));
  PetscCall(CommGatherAll(rsa->o.ctx.comm, MPI_INT64_T, nk, w->net->st.goal[w->roi], &nall, &w->all_goal));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiCorrect(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  RsaState *st        = &w->net->st;

  PetscFunctionBegin;
  PetscCall(CommGatherAll(o->ctx.comm, MPI_DOUBLE, w->nloc * rsa->nl, w->rho, &w->nall, &w->all_rho));
  PetscCall(PetscMalloc2(w->nall + 1, &w->qv, w->nall + 1, &w->reject));
  /* rounds that take the pairs needing it further (ResolveSelect), each followed by the
     correction again, until no pair is selected */
  while (1) {
    PetscBool pending = PETSC_FALSE;
    PetscInt nsel     = 0;

    PetscCall(GatherAndCorrect(rsa, w));
    if (o->permutations_max <= o->permutations) break;
    /* a round interrupted by a kill is finished first (its goals are in the checkpoint) */
    for (PetscInt k = 0; k < w->nall; k++)
      pending |= w->all_count[k].done == 0 && w->all_count[k].used < w->all_goal[k] ? PETSC_TRUE : PETSC_FALSE;
    if (!pending) {
      PetscCall(ResolveSelect(o, w->nall, w->all_p, w->all_count, w->reject, w->all_goal, &nsel));
      if (nsel == 0) break;
      for (PetscInt k = 0; k < w->nloc * rsa->nl; k++)
        st->goal[w->roi][k] = w->all_goal[st->pair_lo[w->roi] + k];
    }
    PetscCall(ResolveRun(rsa, w));
  }
  for (PetscInt k = 0; k < w->nall; k++) {
    w->perms_run += (double)w->all_count[k].used;
    w->nextended += w->all_count[k].used > o->permutations;
    w->maxused = PetscMax(w->maxused, (PetscInt)w->all_count[k].used);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Is gathered pair k significant (rejected with a positive rho)? */
static inline PetscBool Significant(const RoiWork *w, PetscInt k)
{
  return w->reject[k] && w->all_rho[k] > 0 ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode RoiWriteRows(Rsa *rsa, const RoiWork *w)
{
  const PetscInt nl = rsa->nl, lo = w->split.row_lo, hi = w->split.row_hi, rows = hi - lo;
  const uint8_t *responsive = rsa->responsive;
  double *out_rho, *out_p, *out_q;
  uint8_t *out_sig, *out_resp;
  int64_t *out_used;

  PetscFunctionBegin;
  PetscCall(PetscMalloc6(rows * nl + 1, &out_rho, rows * nl + 1, &out_p, rows * nl + 1, &out_q, rows * nl + 1, &out_sig,
                         rows + 1, &out_resp, rows * nl + 1, &out_used));
  for (PetscInt g = lo, k = w->split.rlo; g < hi; g++) {
    const PetscInt r = g - lo;
    out_resp[r]      = responsive[g];
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt kk    = k * nl + l;
      out_rho[r * nl + l]  = responsive[g] ? w->all_rho[kk] : NAN;
      out_p[r * nl + l]    = responsive[g] ? w->all_p[kk] : NAN;
      out_q[r * nl + l]    = responsive[g] ? w->qv[kk] : NAN;
      out_sig[r * nl + l]  = (uint8_t)(responsive[g] && Significant(w, kk));
      out_used[r * nl + l] = responsive[g] ? w->all_count[kk].used : 0;
    }
    if (responsive[g]) k++;
  }
  PetscCall(PetscLogEventBegin(BaLogIds.io_write, 0, 0, 0, 0));
  PetscCall(ResultsWriteRoiRows(&rsa->res, w->roi, lo, hi, out_resp, out_rho, out_p, out_q, out_sig, out_used));
  PetscCall(PetscLogEventEnd(BaLogIds.io_write, 0, 0, 0, 0));
  PetscCall(PetscFree6(out_rho, out_p, out_q, out_sig, out_resp, out_used));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static int CompareDouble(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Noise estimate: the alignment of random half-cohorts, the splits shared evenly over the
   ranks and gathered. Patients are balanced by all their channels in the five areas. */
static PetscErrorCode NoiseSplits(const RsaOptions *o, const Cohort *c, const int *area_index, PetscInt nl,
                                  const uint8_t *sig, double **noise)
{
  PetscInt npat = 0, s0, s1, ns;
  int *pat_of, *counts;
  uint8_t *in_half;
  double *mine;

  PetscFunctionBegin;
  /* patient index of every channel, patients numbered in order of first appearance */
  PetscCall(PetscMalloc1(c->n, &pat_of));
  for (PetscInt g = 0; g < c->n; g++) {
    pat_of[g] = g > 0 && !strcmp(c->patient[g - 1], c->patient[g]) ? pat_of[g - 1] : -1;
    for (PetscInt h = g - 1; pat_of[g] < 0 && h >= 0; h--)
      if (!strcmp(c->patient[h], c->patient[g])) pat_of[g] = pat_of[h];
    if (pat_of[g] < 0) pat_of[g] = (int)npat++;
  }
  CommEvenSplit(o->noise_splits, o->ctx.rank, o->ctx.size, &s0, &s1);
  PetscCall(PetscCalloc3((size_t)npat * BA_NAREAS, &counts, npat, &in_half, s1 - s0 + 1, &mine));
  for (PetscInt g = 0; g < c->n; g++)
    if (area_index[g] >= 0) counts[pat_of[g] * BA_NAREAS + area_index[g]]++;
  for (PetscInt s = s0; s < s1; s++) {
    PetscCall(AlignmentSplitHalves(npat, counts, (uint64_t)o->ctx.seed, s, in_half));
    PetscCall(AlignmentHalf(c->n, nl, area_index, pat_of, in_half, sig, &mine[s - s0]));
  }
  PetscCall(CommGatherAll(o->ctx.comm, MPI_DOUBLE, s1 - s0, mine, &ns, noise));
  PetscCall(PetscFree3(counts, in_half, mine));
  PetscCall(PetscFree(pat_of));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static double Median(PetscInt n, const double *v, double *scratch)
{
  if (n == 0) return NAN;
  for (PetscInt i = 0; i < n; i++)
    scratch[i] = v[i];
  qsort(scratch, (size_t)n, sizeof(double), CompareDouble);
  return n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
}

/* The ROI's significant pairs over the whole cohort into its summary (not the noise). */
static PetscErrorCode RoiSummary(Rsa *rsa, RoiWork *w, uint8_t **sig_full)
{
  const PetscInt nl = rsa->nl, n = rsa->c.n;
  double *rho_full;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * nl, &rho_full));
  PetscCall(PetscMalloc1(n * nl, sig_full));
  for (PetscInt g = 0, k = 0; g < n; g++) {
    for (PetscInt l = 0; l < nl; l++) {
      rho_full[g * nl + l]    = rsa->responsive[g] ? w->all_rho[k * nl + l] : NAN;
      (*sig_full)[g * nl + l] = (uint8_t)(rsa->responsive[g] && Significant(w, k * nl + l));
    }
    if (rsa->responsive[g]) k++;
  }
  PetscCall(AlignmentCompute(n, nl, rsa->area_index, *sig_full, rho_full, rsa->responsive, &w->sum));
  PetscCall(PetscFree(rho_full));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiAlign(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  double *scratch;
  uint8_t *sig_full;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(BaLogIds.alignment, 0, 0, 0, 0));
  PetscCall(RoiSummary(rsa, w, &sig_full));
  PetscCall(NoiseSplits(o, &rsa->c, rsa->area_index, rsa->nl, sig_full, &rsa->noise[w->roi]));
  PetscCall(PetscMalloc1(o->noise_splits + 1, &scratch));
  w->sum.noise_median = Median(o->noise_splits, rsa->noise[w->roi], scratch);
  PetscCall(PetscFree(scratch));
  PetscCall(PetscLogEventEnd(BaLogIds.alignment, 0, 0, 0, 0));
  PetscCall(ResultsWriteRoiSummary(&rsa->res, w->roi, &w->sum, rsa->noise[w->roi]));
  PetscCall(ContextPrintf(
      &o->ctx,
      "rsa %-18s responsive %5" PetscInt_FMT "  significant pairs %6" PetscInt_FMT "  alignment rho %7.4f p %.3g\n",
      w->name, w->sum.n_responsive, w->sum.n_significant_pairs, w->sum.alignment_rho, w->sum.alignment_p));
  if (w->nextended)
    PetscCall(ContextPrintf(&o->ctx,
                            "rsa %-18s %" PetscInt_FMT " pairs resolved beyond %" PetscInt_FMT
                            " permutations (up to %" PetscInt_FMT ")\n",
                            w->name, w->nextended, o->permutations, w->maxused));
  if (o->strategy == STRATEGY_ADAPTIVE)
    PetscCall(ContextPrintf(&o->ctx,
                            "rsa %-18s adaptive: %" PetscInt_FMT " pairs settled before %" PetscInt_FMT
                            " permutations (%" PetscInt_FMT " by a probability bound), %.0f permutations per pair\n",
                            w->name, w->nsettled, o->permutations, w->nprobable,
                            w->nall ? w->perms_run / (double)w->nall : 0.0));
  PetscCall(PetscFree(sig_full));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiAlignControl(Rsa *rsa, RoiWork *wc)
{
  uint8_t *sig_full;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(BaLogIds.alignment, 0, 0, 0, 0));
  PetscCall(RoiSummary(rsa, wc, &sig_full));
  wc->sum.noise_median = NAN;
  PetscCall(PetscLogEventEnd(BaLogIds.alignment, 0, 0, 0, 0));
  PetscCall(ResultsWriteControlSummary(&rsa->res, wc->roi, &wc->sum));
  PetscCall(ContextPrintf(
      &rsa->o.ctx, "rsa %-18s control:         significant pairs %6" PetscInt_FMT "  alignment rho %7.4f p %.3g\n",
      wc->name, wc->sum.n_significant_pairs, wc->sum.alignment_rho, wc->sum.alignment_p));
  PetscCall(PetscFree(sig_full));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RoiEnd(RoiWork *w)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(w->all_count));
  PetscCall(PetscFree(w->all_goal));
  PetscCall(PetscFree2(w->qv, w->reject));
  PetscCall(PetscFree(w->all_p));
  PetscCall(PetscFree(w->all_rho));
  PetscCall(PetscFree2(w->rho, w->pv));
  if (!w->borrowed_x) PetscCall(PetscFree(w->x));
  PetscFunctionReturn(PETSC_SUCCESS);
}
