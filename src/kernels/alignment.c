/* alignment.c: the headline metrics of one ROI and the split-half noise estimate.
 *
 * Everything here is a pure function of the per-channel arrays of one ROI, so the rsa stage
 * can compute it on any rank and the report can check a results file against its own
 * per-channel data. The alignment is a Spearman correlation over a multiset of (area, layer)
 * pairs that is small (at most channels x layers), so it is gathered into two arrays and
 * handed to StatsSpearman rather than computed from a contingency table: one code path, the
 * same tie handling as scipy.
 *
 * The noise estimate needs many random halves of the cohort. Each split is drawn from a
 * counter-based generator (Philox4x32-10) keyed by the run's seed, with the split index and
 * a stream tag in the counter, so split k is the same whichever rank draws it and the
 * stream never overlaps the permutation stream of the RSA test, which uses the same key. */
#include <bandalign/alignment.h>
#include <bandalign/stats.h>
#include <bandalign/rng.h>
#include <math.h>

PetscErrorCode AlignmentRho(PetscInt nchannels, PetscInt nlayers, const int *area_index, const uint8_t *significant,
                            const uint8_t *mask, double *rho, double *p)
{
  PetscInt n = 0, k = 0;
  double *x, *y, r = 0.0, pv = 1.0;
  PetscBool xconst = PETSC_TRUE, yconst = PETSC_TRUE;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < nchannels; c++) {
    if (area_index[c] < 0 || area_index[c] >= BA_NAREAS || (mask && !mask[c])) continue;
    for (PetscInt l = 0; l < nlayers; l++)
      n += significant[c * nlayers + l] ? 1 : 0;
  }
  if (n < 3) {
    *rho = 0.0;
    if (p) *p = 1.0;
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(PetscMalloc2(n, &x, n, &y));
  for (PetscInt c = 0; c < nchannels; c++) {
    if (area_index[c] < 0 || area_index[c] >= BA_NAREAS || (mask && !mask[c])) continue;
    for (PetscInt l = 0; l < nlayers; l++)
      if (significant[c * nlayers + l]) {
        x[k] = area_index[c];
        y[k] = (double)l;
        if (x[k] != x[0]) xconst = PETSC_FALSE;
        if (y[k] != y[0]) yconst = PETSC_FALSE;
        k++;
      }
  }
  if (!xconst && !yconst) {
    PetscCall(StatsSpearman(n, x, y, &r, &pv));
    if (!isfinite(r)) {
      r  = 0.0;
      pv = 1.0;
    }
  }
  PetscCall(PetscFree2(x, y));
  *rho = r;
  if (p) *p = pv;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AlignmentCompute(PetscInt nchannels, PetscInt nlayers, const int *area_index, const uint8_t *significant,
                                const double *rho, const uint8_t *responsive, ResultsRoiSummary *s)
{
  double all = 0.0;

  PetscFunctionBegin;
  PetscCheck(nlayers >= 1 && nlayers <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%" PetscInt_FMT " layers (1 to 64 supported)", nlayers);
  PetscCall(PetscArrayzero(s->area_layer, BA_NAREAS * 64));
  PetscCall(PetscArrayzero(s->area_significant, BA_NAREAS));
  PetscCall(PetscArrayzero(s->area_responsive, BA_NAREAS));
  s->volume              = 0.0;
  s->n_responsive        = 0;
  s->n_significant_pairs = 0;
  for (PetscInt c = 0; c < nchannels; c++) {
    const int a        = area_index[c] >= 0 && area_index[c] < BA_NAREAS ? area_index[c] : -1;
    const uint8_t *sig = significant + c * nlayers;
    const double *r    = rho + c * nlayers;
    PetscInt nsig      = 0;

    if (responsive[c]) {
      s->n_responsive++;
      if (a >= 0) s->area_responsive[a]++;
    }
    for (PetscInt l = 0; l < nlayers; l++) {
      if (!sig[l]) continue;
      nsig++;
      all += r[l];
      if (a >= 0) {
        s->volume += r[l];
        s->area_layer[a * nlayers + l] += r[l];
      }
    }
    s->n_significant_pairs += nsig;
    if (a >= 0 && nsig > 0) s->area_significant[a]++;
  }
  for (int a = 0; a < BA_NAREAS; a++)
    for (PetscInt l = 0; l < nlayers; l++)
      if (s->area_significant[a] > 0) s->area_layer[a * nlayers + l] /= s->area_significant[a];
  s->specificity = all != 0.0 ? s->volume / all : 0.0;
  PetscCall(AlignmentRho(nchannels, nlayers, area_index, significant, NULL, &s->alignment_rho, &s->alignment_p));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AlignmentSplitHalves(PetscInt npatients, const int *patient_area_counts, uint64_t seed, PetscInt split,
                                    uint8_t *in_half)
{
  PetscInt *order;
  long count[2][BA_NAREAS] = {{0}};
  PetscInt members[2]      = {0, 0};

  PetscFunctionBegin;
  PetscCheck(npatients >= 0 && split >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "split %" PetscInt_FMT " of %" PetscInt_FMT " patients", split, npatients);
  PetscCall(PetscMalloc1(npatients, &order));
  for (PetscInt i = 0; i < npatients; i++)
    order[i] = i;
  /* Fisher-Yates; the multiply-shift map of a 32-bit word onto [0, i] has a bias below
     npatients / 2^32, far under anything a cohort of patients can show */
  for (PetscInt i = npatients - 1; i > 0; i--) {
    const uint32_t r = BaRngSplitWord(seed, (uint32_t)split, (uint32_t)i, 0);
    PetscInt j       = (PetscInt)(((uint64_t)r * (uint64_t)(i + 1)) >> 32);
    PetscInt t       = order[i];
    order[i]         = order[j];
    order[j]         = t;
  }
  for (PetscInt k = 0; k < npatients; k++) {
    const PetscInt p = order[k];
    const int *n     = patient_area_counts + p * BA_NAREAS;
    long cost[2]     = {0, 0};
    int h;

    /* imbalance if p joins half h: |(count1 + n) - count0| or |count1 - (count0 + n)| */
    for (int a = 0; a < BA_NAREAS; a++) {
      long d = count[1][a] - count[0][a];
      cost[1] += labs(d + n[a]);
      cost[0] += labs(d - n[a]);
    }
    if (cost[0] != cost[1])
      h = cost[1] < cost[0];
    else if (members[0] != members[1])
      h = members[1] < members[0];
    else
      h = (int)(BaRngSplitWord(seed, (uint32_t)split, (uint32_t)k, 1) & 1u);
    for (int a = 0; a < BA_NAREAS; a++)
      count[h][a] += n[a];
    members[h]++;
    in_half[p] = (uint8_t)h;
  }
  PetscCall(PetscFree(order));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode AlignmentHalf(PetscInt nchannels, PetscInt nlayers, const int *area_index, const int *channel_patient,
                             const uint8_t *in_half, const uint8_t *significant, double *rho)
{
  uint8_t *mask;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nchannels, &mask));
  for (PetscInt c = 0; c < nchannels; c++)
    mask[c] = in_half[channel_patient[c]] ? 1 : 0;
  PetscCall(AlignmentRho(nchannels, nlayers, area_index, significant, mask, rho, NULL));
  PetscCall(PetscFree(mask));
  PetscFunctionReturn(PETSC_SUCCESS);
}
