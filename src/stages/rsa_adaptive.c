/* rsa_adaptive.c: the first m permutations of a ROI under -permutation_strategy adaptive.
 *
 * The full strategy runs every pair to m permutations (or until b reaches h). The
 * discoveries depend only on which pairs pass the correction, and for most significant
 * pairs that is settled long before m: after t permutations a pair's final p-value under
 * the full strategy is at most a bound U (adaptive.h; h / (t + 1) with sequential stopping,
 * exactly; a Chernoff bound on the rest of the stream with probability 1 - delta_i). The
 * pairs of a ROI are looked at together at fixed levels t (128, 192, 256, ... m): every
 * undecided pair is taken to t, the counts are gathered, and the correction is run on
 * V = max(U, p reported), identically on every rank. A pair it rejects is a discovery of
 * the full strategy too (step-up corrections are monotone: V is at least both the full
 * strategy's p and the reported one, so every pair rejected on V stays rejected with either;
 * methods.md has the argument), so it stops there, marked done = 2, with its p from the
 * permutations it ran. Every other pair goes on as under full, and the resolution rounds
 * that follow (rsa_resolve.c) see the same candidates. The discoveries are those of the full
 * strategy exactly where only the exact bound decided, and with probability at least
 * 1 - delta (-adaptive_delta) over the whole run otherwise; the number of decisions that
 * needed the probabilistic bound is counted and printed.
 *
 * The levels depend on m only and each decision on the gathered counts at a level, so the
 * outcome does not depend on the ranks; a checkpoint records the levels a ROI has passed,
 * and a run resumed part way through a level finishes it first. */
#include "rsa.h"
#include <bandalign/adaptive.h>
#include <bandalign/progress.h>
#include <bandalign/stage.h>

/* What a level's chunks share. */
typedef struct {
  Rsa *rsa;
  RoiWork *w;
  int64_t t;           /* the level the pairs are taken to */
  PetscInt *idx;       /* [nloc] my channels with pairs still below t */
  PetscInt nlive;      /* entries of idx */
  float *x;            /* [channel_chunk][n] their features */
  double *rho;         /* [channel_chunk][nl] */
  PermCount *cnt;      /* [channel_chunk][nl] their counts */
  int64_t *goal;       /* [channel_chunk][nl] t everywhere */
  PetscBool *observed; /* [nloc] rho of my channel computed */
  PetscInt *obs;       /* [channel_chunk] the channels ranked in the engine now, in its order */
  PetscInt nobs;
  PetscBool *inobs; /* [nloc] channel in obs */
  PetscInt nrun;    /* channels of obs the current chunk runs (nobs or 0) */
  Progress *prog;
  int64_t t0;         /* the level before (0 for the first) */
  double done_before; /* progress (channels x permutations, of nloc m at most) before this chunk */
} Level;

/* Is the pair below the level, undecided and testable? */
static inline PetscBool Below(const PermCount *c, int64_t t)
{
  return c->done == 0 && c->used < t ? PETSC_TRUE : PETSC_FALSE;
}

/* Copies the engine's counts back into the ROI's state (before any checkpoint). */
static void ScatterCounts(const Level *lv)
{
  const PetscInt nl = lv->rsa->nl;
  PermCount *all    = lv->w->net->st.counts[lv->w->roi];

  for (PetscInt j = 0; j < lv->nrun; j++)
    for (PetscInt l = 0; l < nl; l++)
      all[lv->obs[j] * nl + l] = lv->cnt[j * nl + l];
}

/* Ranks the channels list[nc] in the engine, unless the engine holds them already (the
   live channels of a level are a subset of the last level's: ranking again would cost
   more than the permutations of the later levels). */
static PetscErrorCode Engine(Level *lv, const PetscInt *list, PetscInt nc)
{
  Rsa *rsa          = lv->rsa;
  RoiWork *w        = lv->w;
  const PetscInt nl = rsa->nl, n = rsa->n;
  PetscBool subset = PETSC_TRUE;

  PetscFunctionBegin;
  for (PetscInt j = 0; j < nc; j++)
    subset = subset && lv->inobs[list[j]] ? PETSC_TRUE : PETSC_FALSE;
  if (subset) PetscFunctionReturn(PETSC_SUCCESS);
  for (PetscInt j = 0; j < lv->nobs; j++)
    lv->inobs[lv->obs[j]] = PETSC_FALSE;
  lv->nobs = nc;
  for (PetscInt j = 0; j < nc; j++) {
    lv->obs[j]         = list[j];
    lv->inobs[list[j]] = PETSC_TRUE;
    PetscCall(PetscArraycpy(lv->x + (size_t)j * n, w->x + (size_t)list[j] * n, n));
  }
  PetscCall(PetscLogEventBegin(BaLogIds.ranks, 0, 0, 0, 0));
  PetscCall(PermTestObserve(w->net->pt, nc, lv->x, lv->rho));
  PetscCall(PetscLogEventEnd(BaLogIds.ranks, 0, 0, 0, 0));
  for (PetscInt j = 0; j < nc; j++) {
    PetscCall(PetscArraycpy(w->rho + list[j] * nl, lv->rho + j * nl, nl));
    lv->observed[list[j]] = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The channels idx[c0, c0 + nc) to the level, in steps of -perm_chunk, in lockstep with
   the other ranks (nc may be 0 on some). */
static PetscErrorCode LevelChunk(Level *lv, PetscInt c0, PetscInt nc)
{
  Rsa *rsa             = lv->rsa;
  RoiWork *w           = lv->w;
  const RsaOptions *o  = &rsa->o;
  const PetscInt nl    = rsa->nl;
  const PermCount *all = w->net->st.counts[w->roi];
  const PetscInt nlive = nc; /* the chunk's live channels (progress counts these) */

  PetscFunctionBegin;
  if (nc > 0) PetscCall(Engine(lv, lv->idx + c0, nc));
  lv->nrun = nc = nc > 0 ? lv->nobs : 0; /* the engine's channels run (the settled ones idle) */
  for (PetscInt j = 0; j < nc; j++)
    for (PetscInt l = 0; l < nl; l++) {
      lv->cnt[j * nl + l]  = all[lv->obs[j] * nl + l];
      lv->goal[j * nl + l] = lv->t;
    }
  while (1) {
    int64_t first = lv->t;
    PetscBool any, save, stop;

    for (PetscInt k = 0; k < nc * nl; k++)
      if (Below(&lv->cnt[k], lv->t) && lv->cnt[k].used < first) first = lv->cnt[k].used;
    PetscCall(CommAny(o->ctx.comm, first < lv->t ? PETSC_TRUE : PETSC_FALSE, &any));
    if (!any) break;
    if (first < lv->t) {
      const int64_t last = PetscMin(first + o->perm_chunk, lv->t);
      PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
      PetscCall(PermTestExtend(w->net->pt, lv->goal, last, lv->cnt));
      PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
      ScatterCounts(lv);
      ProgressUpdate(lv->prog, lv->done_before + (double)c0 * (double)(lv->t - lv->t0) +
                                   (double)nlive * (double)(PetscMax(last, lv->t0) - lv->t0));
    }
    save = stop = PETSC_FALSE;
    if (w->net->checkpointed) PetscCall(CheckpointDue(&o->ctx, &o->checkpoint, &w->net->st, &save, &stop));
    if (save) PetscCall(CheckpointSave(&o->ctx, &o->checkpoint, w->roi + 1, &w->net->st));
    if (stop) PetscCall(RsaStopped(rsa));
  }
  ScatterCounts(lv);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The decision at a level: the correction on the bounds V of every pair of the ROI, the
   rejected pairs still running stop (done 2). Collective; the same on every rank. */
static PetscErrorCode Decide(Rsa *rsa, RoiWork *w, const AdaptiveRule *rule)
{
  const PetscInt nk = w->nloc * rsa->nl, lo = w->net->st.pair_lo[w->roi];
  PermCount *mine = w->net->st.counts[w->roi], *all;
  PetscInt nall;
  double *v, *qv;
  PetscBool *reject, *prob;

  PetscFunctionBegin;
  PetscCall(RsaGatherCounts(rsa->o.ctx.comm, nk, mine, &nall, &all));
  PetscCall(PetscMalloc4(nall + 1, &v, nall + 1, &qv, nall + 1, &reject, nall + 1, &prob));
  for (PetscInt k = 0; k < nall; k++)
    v[k] = AdaptiveUpper(rule, &all[k], &prob[k]);
  PetscCall(RsaCorrect(&rsa->o, nall, v, qv, reject));
  for (PetscInt k = 0; k < nall; k++)
    if (reject[k] && all[k].done == 0 && all[k].used < rule->m) {
      w->nsettled++;
      w->nprobable += prob[k] ? 1 : 0;
      if (k >= lo && k < lo + nk) mine[k - lo].done = 2;
    }
  PetscCall(PetscFree4(v, qv, reject, prob));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The probability budget of one bound: delta shared evenly over every bound the run can
   evaluate (pairs x levels x ROIs x networks), a union bound. */
static void RuleSetUp(const Rsa *rsa, const RoiWork *w, PetscInt nlev, AdaptiveRule *rule)
{
  const RsaOptions *o = &rsa->o;
  const double nets   = o->control[0] ? 2 : 1;
  const double npairs = (double)PetscMax(1, w->net->st.npairs_global[w->roi]);

  rule->m             = o->permutations;
  rule->h             = o->sequential_h;
  rule->protocol      = o->ctx.protocol;
  rule->log_inv_delta = log(nets * BA_NROIS * (double)nlev * npairs / o->adaptive_delta);
}

/* The observed rho of my channels that no level ran (all their pairs settled before a
   resume, or the checkpoint past the last level), in chunks. Not collective. */
static PetscErrorCode ObserveRest(Level *lv)
{
  Rsa *rsa          = lv->rsa;
  RoiWork *w        = lv->w;
  const PetscInt nl = rsa->nl, cc = rsa->o.channel_chunk;
  PetscInt nc = 0;

  PetscFunctionBegin;
  for (PetscInt ch = 0; ch <= w->nloc; ch++) {
    if (ch < w->nloc && !lv->observed[ch]) lv->idx[nc++] = ch;
    if (nc == 0 || (nc < cc && ch < w->nloc)) continue;
    for (PetscInt j = 0; j < nc; j++)
      PetscCall(PetscArraycpy(lv->x + (size_t)j * rsa->n, w->x + (size_t)lv->idx[j] * rsa->n, rsa->n));
    PetscCall(PermTestObserve(w->net->pt, nc, lv->x, lv->rho));
    for (PetscInt j = 0; j < nc; j++)
      PetscCall(PetscArraycpy(w->rho + lv->idx[j] * nl, lv->rho + j * nl, nl));
    nc = 0;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* My channels with a pair still below level t. */
static void LiveChannels(const Rsa *rsa, const RoiWork *w, int64_t t, PetscInt *idx, PetscInt *nlive)
{
  const PermCount *c = w->net->st.counts[w->roi];

  *nlive = 0;
  for (PetscInt ch = 0; ch < w->nloc; ch++) {
    PetscBool below = PETSC_FALSE;
    for (PetscInt l = 0; l < rsa->nl; l++)
      below = below || Below(&c[ch * rsa->nl + l], t) ? PETSC_TRUE : PETSC_FALSE;
    if (below) idx[(*nlive)++] = ch;
  }
}

PetscErrorCode RoiPermuteAdaptive(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  const PetscInt nl = rsa->nl, cc = o->channel_chunk;
  RsaState *st = &w->net->st;
  int64_t levels[ADAPTIVE_MAX_LEVELS];
  const PetscInt nlev = AdaptiveLevels(o->permutations, ADAPTIVE_MAX_LEVELS, levels);
  AdaptiveRule rule;
  Progress prog;
  Level lv = {.rsa = rsa, .w = w, .prog = &prog};
  char what[96];

  PetscFunctionBegin;
  PetscCheck(st->level[w->roi] <= nlev, o->ctx.comm, BA_ERR_INPUT,
             "-resume: the checkpoint has passed %" PetscInt_FMT
             " decision levels of %s, more than -permutations %" PetscInt_FMT " has",
             st->level[w->roi], w->name, o->permutations);
  RuleSetUp(rsa, w, nlev, &rule);
  PetscCall(PetscMalloc5(w->nloc + 1, &lv.idx, (size_t)cc * rsa->n, &lv.x, cc * nl, &lv.rho, cc * nl, &lv.cnt, cc * nl,
                         &lv.goal));
  PetscCall(PetscCalloc3(w->nloc + 1, &lv.observed, w->nloc + 1, &lv.inobs, cc, &lv.obs));
  PetscCall(
      PetscSNPrintf(what, sizeof(what), "rsa %s, %" PetscInt_FMT " responsive (adaptive)", w->name, w->split.nresp));
  /* progress in channels x permutations of the worst case, nloc m: a channel idle at a
     level counts as done there, so settling shows as a jump */
  ProgressBegin(&prog, o->ctx.comm, what, (double)w->nloc * (double)o->permutations, o->ctx.quiet);
  for (PetscInt k = st->level[w->roi]; k < nlev; k++) {
    PetscInt nchunks;

    lv.t           = levels[k];
    lv.t0          = k > 0 ? levels[k - 1] : 0;
    lv.done_before = (double)w->nloc * (double)lv.t0;
    LiveChannels(rsa, w, lv.t, lv.idx, &lv.nlive);
    PetscCall(CommRounds(o->ctx.comm, (lv.nlive + cc - 1) / cc, &nchunks));
    lv.done_before += (double)(w->nloc - lv.nlive) * (double)(lv.t - lv.t0);
    for (PetscInt ch = 0; ch < nchunks; ch++) {
      const PetscInt c0 = PetscMin(ch * cc, lv.nlive), c1 = PetscMin(c0 + cc, lv.nlive);
      PetscCall(LevelChunk(&lv, c0, c1 - c0));
    }
    if (lv.t < o->permutations) PetscCall(Decide(rsa, w, &rule)); /* at m every pair is where full leaves it */
    st->level[w->roi] = k + 1;
    ProgressUpdate(&prog, (double)w->nloc * (double)lv.t);
  }
  ProgressEnd(&prog);
  PetscCall(ObserveRest(&lv));
  PetscCall(PetscFree5(lv.idx, lv.x, lv.rho, lv.cnt, lv.goal));
  PetscCall(PetscFree3(lv.observed, lv.inobs, lv.obs));
  PetscFunctionReturn(PETSC_SUCCESS);
}
