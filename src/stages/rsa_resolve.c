/* rsa_resolve.c: resolution of small p-values, the rounds of the rsa stage beyond the first
 * m permutations of a ROI.
 *
 * The rule (docs/methods.md, "Resolution of small p-values"): after the first m
 * permutations of a ROI, a pair is a candidate if it was not stopped early, has b < h
 * (-sequential; 10 with -sequential 0), has used < M (-permutations_max) and does not pass
 * the correction now. Its next level is g = min(M, 10 used), and its best outcome there (b
 * + 1) / (g + 1) (b / g under kuzovkin2018): no exceedance in the new permutations. The
 * correction is run once more on the ROI's p-values with every candidate at its best; the
 * candidates that pass it are taken to g. BH and BY reject more when any p-value falls
 * (step-up on sorted p-values), so no pair left out could pass even if every candidate did
 * its best, and a pair only goes on while more permutations could still change its
 * decision. Rounds repeat until no pair is selected; each round is decided from the
 * gathered counts of the whole ROI, so on every rank alike. maxstat has no rounds: its
 * floor 1 / (m + 1) is that of the maximum null.
 *
 * The work of a round is spread evenly over the ranks by channel, whoever owns it: the
 * features of the channels with pending pairs travel (a few hundred floats each), and the
 * counts come back to their owners. */

#include "rsa.h"
#include <bandalign/progress.h>
#include <bandalign/stage.h>

PetscErrorCode ResolveSelect(const RsaOptions *o, PetscInt nall, const double *p, const PermCount *count,
                             const PetscBool *reject, int64_t *goal, PetscInt *nsel)
{
  const double H = o->sequential_h > 0 ? (double)o->sequential_h : 10, M = (double)o->permutations_max;
  double *best, *qv;
  PetscBool *pass, *cand;

  PetscFunctionBegin;
  *nsel = 0;
  PetscCall(PetscMalloc4(nall + 1, &best, nall + 1, &qv, nall + 1, &pass, nall + 1, &cand));
  for (PetscInt k = 0; k < nall; k++) {
    const double b = (double)count[k].b, used = (double)count[k].used, g = PetscMin(M, 10 * used);
    cand[k] = !isnan(p[k]) && count[k].done == 0 && used < M && b < H && !reject[k] ? PETSC_TRUE : PETSC_FALSE;
    best[k] = !cand[k] ? p[k] : o->ctx.protocol == BA_PROTOCOL_KUZOVKIN2018 ? b / g : (b + 1) / (g + 1);
  }
  PetscCall(RsaCorrect(o, nall, best, qv, pass));
  for (PetscInt k = 0; k < nall; k++)
    if (cand[k] && pass[k]) {
      goal[k] = (int64_t)PetscMin(M, 10 * (double)count[k].used);
      (*nsel)++;
    }
  PetscCall(PetscFree4(best, qv, pass, cand));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The work of one round: the channels (indices into the ROI's responsive list) with a pair
   below its goal, this rank's share [s0, s1) of them, their features and counts. */
typedef struct {
  PetscInt S, *W;  /* work channels W[S], ascending */
  PetscInt npend;  /* pending pairs */
  PetscInt s0, s1; /* my share of W */
  float *xw;       /* [S][n] the work channels' features, on every rank */
  PermCount *cw;   /* [(s1 - s0) nl] my share's counts */
  int64_t *gw;     /* [(s1 - s0) nl] their goals */
  int64_t *start;  /* [(s1 - s0) nl] their counts at the start of the round */
  double total;    /* permutations of my share to run */
} Round;

static PetscErrorCode RoundCreate(Rsa *rsa, const RoiWork *w, Round *r)
{
  const PetscInt nl = rsa->nl, n = rsa->n, nresp = w->split.nresp;
  const RoiSplit *sp = &w->split;
  PetscInt q         = 0, nx;
  float *mine;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  PetscCall(PetscMalloc1(nresp + 1, &r->W));
  for (PetscInt j = 0; j < nresp; j++) {
    PetscBool pending = PETSC_FALSE;
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt k = j * nl + l;
      if (w->all_count[k].done == 0 && w->all_count[k].used < w->all_goal[k]) {
        pending = PETSC_TRUE;
        r->npend++;
      }
    }
    if (pending) r->W[r->S++] = j;
  }
  if (r->S == 0) PetscFunctionReturn(PETSC_SUCCESS);
  /* every rank gets the features of the work channels (owners send theirs, in order) */
  PetscCall(PetscMalloc1((size_t)r->S * n + 1, &mine));
  for (PetscInt s = 0; s < r->S; s++)
    if (r->W[s] >= sp->rlo && r->W[s] < sp->rhi)
      PetscCall(PetscArraycpy(mine + (size_t)(q++) * n, w->x + (size_t)(r->W[s] - sp->rlo) * n, n));
  PetscCall(CommGatherAll(rsa->o.ctx.comm, MPI_FLOAT, q * n, mine, &nx, &r->xw));
  PetscCall(PetscFree(mine));
  /* my share of the work channels */
  CommEvenSplit(r->S, rsa->o.ctx.rank, rsa->o.ctx.size, &r->s0, &r->s1);
  PetscCall(PetscMalloc3((r->s1 - r->s0) * nl + 1, &r->cw, (r->s1 - r->s0) * nl + 1, &r->gw, (r->s1 - r->s0) * nl + 1,
                         &r->start));
  for (PetscInt s = r->s0; s < r->s1; s++)
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt k = r->W[s] * nl + l, i = (s - r->s0) * nl + l;
      r->cw[i]    = w->all_count[k];
      r->gw[i]    = w->all_goal[k];
      r->start[i] = r->cw[i].used;
      if (!r->cw[i].done && r->cw[i].used < r->gw[i]) r->total += (double)(r->gw[i] - r->cw[i].used);
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode RoundDestroy(Round *r)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(r->W));
  PetscCall(PetscFree(r->xw));
  PetscCall(PetscFree3(r->cw, r->gw, r->start));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The counts of every work channel gathered from their workers, and copied into their
   owners' counts. Collective. */
static PetscErrorCode RoundSync(Rsa *rsa, const RoiWork *w, const Round *r)
{
  const PetscInt nl = rsa->nl;
  PermCount *all;
  PetscInt nall;

  PetscFunctionBegin;
  PetscCall(RsaGatherCounts(rsa->o.ctx.comm, (r->s1 - r->s0) * nl, r->cw, &nall, &all));
  for (PetscInt s = 0; s < r->S; s++) {
    if (r->W[s] < w->split.rlo || r->W[s] >= w->split.rhi) continue;
    for (PetscInt l = 0; l < nl; l++)
      w->net->st.counts[w->roi][(r->W[s] - w->split.rlo) * nl + l] = all[s * nl + l];
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Permutations done in the round so far by my share, for the progress line. */
static double RoundProgress(const Round *r, PetscInt nl)
{
  double done = 0;
  for (PetscInt k = 0; k < (r->s1 - r->s0) * nl; k++)
    if (r->start[k] < r->gw[k])
      done += (double)((r->cw[k].done ? r->gw[k] : PetscMin(r->cw[k].used, r->gw[k])) - r->start[k]);
  return done;
}

/* One chunk [c0, c1) of my share to its goals in steps of -perm_chunk, in lockstep with the
   other ranks, with progress and checkpoints between steps. */
static PetscErrorCode RoundChunk(Rsa *rsa, RoiWork *w, Round *r, PetscInt c0, PetscInt c1, double *rho, Progress *prog)
{
  const RsaOptions *o = &rsa->o;
  const PetscInt nl   = rsa->nl;
  PermCount *cnt      = r->cw + c0 * nl;
  int64_t *g          = r->gw + c0 * nl;

  PetscFunctionBegin;
  if (c1 > c0) {
    PetscCall(PetscLogEventBegin(BaLogIds.ranks, 0, 0, 0, 0));
    PetscCall(PermTestObserve(w->net->pt, c1 - c0, r->xw + (size_t)(r->s0 + c0) * rsa->n, rho));
    PetscCall(PetscLogEventEnd(BaLogIds.ranks, 0, 0, 0, 0));
  }
  while (1) {
    PetscBool active = PETSC_FALSE, any, save, stop;
    int64_t first    = INT64_MAX;

    for (PetscInt k = 0; k < (c1 - c0) * nl; k++)
      if (!cnt[k].done && cnt[k].used < g[k]) {
        active = PETSC_TRUE;
        first  = PetscMin(first, cnt[k].used);
      }
    PetscCall(CommAny(o->ctx.comm, active, &any));
    if (!any) break;
    if (active) {
      PetscCall(PetscLogEventBegin(BaLogIds.permutation, 0, 0, 0, 0));
      PetscCall(PermTestExtend(w->net->pt, g, first + o->perm_chunk, cnt));
      PetscCall(PetscLogEventEnd(BaLogIds.permutation, 0, 0, 0, 0));
    }
    ProgressUpdate(prog, RoundProgress(r, nl));
    save = stop = PETSC_FALSE;
    if (w->net->checkpointed) PetscCall(CheckpointDue(&o->ctx, &o->checkpoint, &w->net->st, &save, &stop));
    if (save) {
      PetscCall(RoundSync(rsa, w, r));
      PetscCall(CheckpointSave(&o->ctx, &o->checkpoint, w->roi + 1, &w->net->st));
      w->net->st.extension_saves++;
      PetscCheck(w->net->st.extension_saves != o->stop_extension, o->ctx.comm, BA_ERR_INPUT,
                 "-checkpoint_stop_extension: stopped after checkpoint %" PetscInt_FMT " of the extension rounds",
                 w->net->st.extension_saves);
    }
    if (stop) PetscCall(RsaStopped(rsa));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Takes every pair of the ROI with used < goal (and not stopped) to its goal; each rank's
   share goes in chunks of -channel_chunk. On return every owner holds its pairs' counts.
   Collective. */
PetscErrorCode ResolveRun(Rsa *rsa, RoiWork *w)
{
  const RsaOptions *o = &rsa->o;
  PetscInt nchunks;
  double *rho;
  Round r;
  Progress prog;
  char what[96];

  PetscFunctionBegin;
  PetscCall(RoundCreate(rsa, w, &r));
  if (r.S == 0) {
    PetscCall(RoundDestroy(&r));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc1(o->channel_chunk * rsa->nl, &rho));
  PetscCall(PetscSNPrintf(what, sizeof(what), "rsa %s, resolving %" PetscInt_FMT " pairs", w->name, r.npend));
  ProgressBegin(&prog, o->ctx.comm, what, r.total, o->ctx.quiet);
  PetscCall(CommRounds(o->ctx.comm, (r.s1 - r.s0 + o->channel_chunk - 1) / o->channel_chunk, &nchunks));
  for (PetscInt ch = 0; ch < nchunks; ch++) {
    const PetscInt c0 = PetscMin(ch * o->channel_chunk, r.s1 - r.s0), c1 = PetscMin(c0 + o->channel_chunk, r.s1 - r.s0);
    PetscCall(RoundChunk(rsa, w, &r, c0, c1, rho, &prog));
  }
  ProgressEnd(&prog);
  PetscCall(RoundSync(rsa, w, &r));
  PetscCall(PetscFree(rho));
  PetscCall(RoundDestroy(&r));
  PetscFunctionReturn(PETSC_SUCCESS);
}
