/* results.c: reading and writing bandalign-results files.
 *
 * The per-channel datasets are written by the ranks that own the channels, as hyperslabs;
 * the per-ROI summaries are small and identical on every rank, so they go out as attributes
 * and whole datasets from rank 0. */
#include <bandalign/atlas.h>
#include <bandalign/results.h>

static const char Format[] = "bandalign-results";

static void GroupPath(const char *top, int roi, const char *what, char *buf, size_t len)
{
  char name[64];

  RoiName(roi, name, sizeof(name));
  if (what)
    snprintf(buf, len, "/%s/%s/%s", top, name, what);
  else
    snprintf(buf, len, "/%s/%s", top, name);
}

static void RoiPath(int roi, const char *what, char *buf, size_t len)
{
  GroupPath("roi", roi, what, buf, len);
}

/* The summary attributes of a ROI's group (the trained network's or the control's). */
static PetscErrorCode SummaryWrite(BaH5File *f, const char *obj, const ResultsRoiSummary *s)
{
  PetscFunctionBegin;
  PetscCall(BaH5AttrWriteDouble(f, obj, "alignment_rho", s->alignment_rho));
  PetscCall(BaH5AttrWriteDouble(f, obj, "alignment_p", s->alignment_p));
  PetscCall(BaH5AttrWriteDouble(f, obj, "volume", s->volume));
  PetscCall(BaH5AttrWriteDouble(f, obj, "specificity", s->specificity));
  PetscCall(BaH5AttrWriteInt(f, obj, "n_responsive", s->n_responsive));
  PetscCall(BaH5AttrWriteInt(f, obj, "n_significant_pairs", s->n_significant_pairs));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SummaryRead(BaH5File *f, const char *obj, ResultsRoiSummary *s)
{
  PetscInt64 i64;

  PetscFunctionBegin;
  PetscCall(BaH5AttrReadDouble(f, obj, "alignment_rho", &s->alignment_rho));
  PetscCall(BaH5AttrReadDouble(f, obj, "alignment_p", &s->alignment_p));
  PetscCall(BaH5AttrReadDouble(f, obj, "volume", &s->volume));
  PetscCall(BaH5AttrReadDouble(f, obj, "specificity", &s->specificity));
  PetscCall(BaH5AttrReadInt(f, obj, "n_responsive", &i64));
  s->n_responsive = (PetscInt)i64;
  PetscCall(BaH5AttrReadInt(f, obj, "n_significant_pairs", &i64));
  s->n_significant_pairs = (PetscInt)i64;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsCreate(const BaContext *ctx, const char *path, Results *res)
{
  BaH5File *f = &res->file;
  hsize_t dims[2];
  char name[128];

  PetscFunctionBegin;
  PetscCall(BaH5FileCreate(ctx->comm, path, Format, f));
  PetscCall(BaH5WriteProvenance(f, ctx));
  PetscCall(BaH5AttrWriteInt(f, "/", "permutations", res->permutations));
  PetscCall(BaH5AttrWriteInt(f, "/", "permutations_max", res->permutations_max));
  PetscCall(BaH5AttrWriteString(f, "/", "permutation_strategy", res->strategy));
  if (!strcmp(res->strategy, "adaptive")) PetscCall(BaH5AttrWriteDouble(f, "/", "adaptive_delta", res->adaptive_delta));
  PetscCall(BaH5AttrWriteString(f, "/", "correction", res->correction));
  PetscCall(BaH5AttrWriteDouble(f, "/", "q", res->q));
  PetscCall(BaH5AttrWriteInt(f, "/", "noise_splits", res->nsplits));
  if (res->has_control) PetscCall(BaH5AttrWriteString(f, "/", "control_network", res->control_network));
  PetscCall(BaH5WriteStrings(f, "/stimuli/name", res->nimages, res->image_name));
  PetscCall(BaH5WriteStrings(f, "/layers/name", res->nlayers, res->layer_name));
  PetscCall(BaH5WriteStrings(f, "/channels/patient", res->nchannels, res->patient));
  PetscCall(BaH5WriteStrings(f, "/channels/name", res->nchannels, res->channel_name));
  dims[0] = (hsize_t)res->nchannels;
  dims[1] = 3;
  PetscCall(BaH5WriteNew(f, "/channels/mni", H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, res->mni));
  PetscCall(BaH5WriteNew(f, "/channels/area", H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, res->area));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    dims[1] = (hsize_t)res->nlayers;
    RoiPath(roi, "responsive", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_STD_U8LE, 1, dims));
    RoiPath(roi, "rho", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_IEEE_F64LE, 2, dims));
    RoiPath(roi, "pvalue", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_IEEE_F64LE, 2, dims));
    RoiPath(roi, "qvalue", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_IEEE_F64LE, 2, dims));
    RoiPath(roi, "significant", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_STD_U8LE, 2, dims));
    RoiPath(roi, "permutations_used", name, sizeof(name));
    PetscCall(BaH5CreateDataset(f, name, H5T_STD_I64LE, 2, dims));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsWriteRoiRows(Results *res, int roi, PetscInt lo, PetscInt hi, const uint8_t *responsive,
                                   const double *rho, const double *pvalue, const double *qvalue,
                                   const uint8_t *significant, const int64_t *permutations_used)
{
  BaH5File *f     = &res->file;
  const hsize_t a = (hsize_t)lo, z = (hsize_t)hi;
  char name[128];

  PetscFunctionBegin;
  RoiPath(roi, "responsive", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_UINT8, a, z, responsive));
  RoiPath(roi, "rho", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_DOUBLE, a, z, rho));
  RoiPath(roi, "pvalue", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_DOUBLE, a, z, pvalue));
  RoiPath(roi, "qvalue", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_DOUBLE, a, z, qvalue));
  RoiPath(roi, "significant", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_UINT8, a, z, significant));
  RoiPath(roi, "permutations_used", name, sizeof(name));
  PetscCall(BaH5WriteRows(f, name, H5T_NATIVE_INT64, a, z, permutations_used));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsWriteRoiSummary(Results *res, int roi, const ResultsRoiSummary *s, const double *noise)
{
  BaH5File *f = &res->file;
  char obj[96], name[128];
  hsize_t dims[2] = {BA_NAREAS, (hsize_t)res->nlayers};

  PetscFunctionBegin;
  RoiPath(roi, NULL, obj, sizeof(obj));
  PetscCall(SummaryWrite(f, obj, s));
  PetscCall(BaH5AttrWriteDouble(f, obj, "noise_median", s->noise_median));
  RoiPath(roi, "area_layer", name, sizeof(name));
  PetscCall(BaH5WriteNew(f, name, H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, s->area_layer));
  dims[1] = 0;
  RoiPath(roi, "area_significant", name, sizeof(name));
  PetscCall(BaH5WriteNew(f, name, H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, s->area_significant));
  RoiPath(roi, "area_responsive", name, sizeof(name));
  PetscCall(BaH5WriteNew(f, name, H5T_STD_I32LE, 1, dims, H5T_NATIVE_INT, s->area_responsive));
  if (res->nsplits > 0) {
    dims[0] = (hsize_t)res->nsplits;
    RoiPath(roi, "noise_alignment", name, sizeof(name));
    PetscCall(BaH5WriteNew(f, name, H5T_IEEE_F64LE, 1, dims, H5T_NATIVE_DOUBLE, noise));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsWriteControlSummary(Results *res, int roi, const ResultsRoiSummary *s)
{
  BaH5File *f = &res->file;
  char obj[96], name[128];
  hsize_t dims[2] = {BA_NAREAS, (hsize_t)res->nlayers};

  PetscFunctionBegin;
  GroupPath("control", roi, "area_layer", name, sizeof(name));
  PetscCall(BaH5WriteNew(f, name, H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, s->area_layer));
  GroupPath("control", roi, NULL, obj, sizeof(obj));
  PetscCall(SummaryWrite(f, obj, s));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The control's summaries, if the file has them. */
static PetscErrorCode ReadControl(Results *res)
{
  BaH5File *f = &res->file;
  char obj[96], name[128];

  PetscFunctionBegin;
  PetscCall(BaH5AttrExists(f, "/", "control_network", &res->has_control));
  if (!res->has_control) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(BaH5AttrReadString(f, "/", "control_network", res->control_network, sizeof(res->control_network)));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    ResultsRoiSummary *s = &res->control[roi];
    GroupPath("control", roi, NULL, obj, sizeof(obj));
    PetscCall(SummaryRead(f, obj, s));
    s->noise_median = NAN;
    GroupPath("control", roi, "area_layer", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)BA_NAREAS * res->nlayers, s->area_layer));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsWriteComparisons(Results *res, const double *compare_p)
{
  hsize_t dims[2] = {BA_NROIS, BA_NROIS};

  PetscFunctionBegin;
  PetscCall(
      BaH5WriteNew(&res->file, "/comparisons/mannwhitney_p", H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, compare_p));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsWriteLayerCorrelation(Results *res, const double *corr)
{
  hsize_t dims[2] = {(hsize_t)res->nlayers, (hsize_t)res->nlayers};

  PetscFunctionBegin;
  PetscCall(BaH5WriteNew(&res->file, "/layers/rdm_correlation", H5T_IEEE_F64LE, 2, dims, H5T_NATIVE_DOUBLE, corr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsCommit(Results *res)
{
  PetscFunctionBegin;
  PetscCall(BaH5FileCommit(&res->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Is v NaN (not computed) or in [lo, hi]? Correlations may pass 1 by rounding. */
static PetscBool InRange(double v, double lo, double hi)
{
  return (PetscBool)(isnan(v) || (v >= lo && v <= hi));
}

#define RHO_MAX (1 + 1e-9)

/* v[0..n) each NaN or in [lo, hi]; the first that is not is an input error naming the
   file, what, and the index. (Numbers through snprintf: PETSc's %g writes "2." for 2.) */
static PetscErrorCode CheckRange(const Results *res, const char *what, PetscInt n, const double *v, double lo,
                                 double hi)
{
  char msg[PETSC_MAX_PATH_LEN + 256];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    if (InRange(v[i], lo, hi)) continue;
    snprintf(msg, sizeof(msg), "%s: %s[%" PetscInt_FMT "] is %g, outside [%g, %g]", res->file.path, what, i, v[i], lo,
             hi);
    SETERRQ(res->file.comm, BA_ERR_INPUT, "%s", msg);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One ROI's per-channel values: rho in [-1, 1], p and q in [0, 1], all three NaN together
   (where not computed: channels that are not responsive, a constant RDM), a significant
   pair responsive and computed, permutations_used not negative. */
static PetscErrorCode CheckRoiData(const Results *res, int roi, const ResultsRoiData *d)
{
  const PetscInt nl = res->nlayers;
  char name[64];

  PetscFunctionBegin;
  RoiName(roi, name, sizeof(name));
  for (PetscInt g = 0; g < res->nchannels; g++)
    for (PetscInt l = 0; l < nl; l++) {
      const PetscInt k  = g * nl + l;
      const int nan     = isnan(d->rho[k]) != 0;
      const char *wrong = !InRange(d->rho[k], -RHO_MAX, RHO_MAX) ? "rho is not in [-1, 1]"
                          : !InRange(d->pvalue[k], 0, 1)         ? "pvalue is not in [0, 1]"
                          : !InRange(d->qvalue[k], 0, 1)         ? "qvalue is not in [0, 1]"
                          : (isnan(d->pvalue[k]) != 0) != nan || (isnan(d->qvalue[k]) != 0) != nan
                              ? "rho, pvalue and qvalue are not all numbers or all NaN"
                          : d->significant[k] && (!d->responsive[g] || nan)     ? "significant but not tested"
                          : d->permutations_used && d->permutations_used[k] < 0 ? "permutations_used is negative"
                                                                                : NULL;
      char msg[PETSC_MAX_PATH_LEN + 512];
      if (!wrong) continue;
      snprintf(msg, sizeof(msg),
               "%s: /roi/%s: channel %.64s of patient %.64s, layer %.64s: %s (rho %g, pvalue %g, qvalue %g)",
               res->file.path, name, res->channel_name[g], res->patient[g], res->layer_name[l], wrong, d->rho[k],
               d->pvalue[k], d->qvalue[k]);
      SETERRQ(res->file.comm, BA_ERR_INPUT, "%s", msg);
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A ROI's summary (the trained network's or the control's): numbers in their ranges. */
static PetscErrorCode CheckSummary(const Results *res, const char *obj, const ResultsRoiSummary *s)
{
  const PetscInt n = res->nchannels;
  char what[160];

  PetscFunctionBegin;
  PetscCheck(InRange(s->alignment_rho, -RHO_MAX, RHO_MAX) && InRange(s->alignment_p, 0, 1) &&
                 InRange(s->noise_median, -RHO_MAX, RHO_MAX) && InRange(s->specificity, 0, 1) && !isinf(s->volume) &&
                 s->n_responsive >= 0 && s->n_responsive <= n && s->n_significant_pairs >= 0 &&
                 s->n_significant_pairs <= n * res->nlayers,
             res->file.comm, BA_ERR_INPUT,
             "%s: %s: a summary attribute out of range (alignment_rho %g, alignment_p %g, noise_median %g, specificity "
             "%g, volume %g, n_responsive %" PetscInt_FMT ", n_significant_pairs %" PetscInt_FMT ")",
             res->file.path, obj, s->alignment_rho, s->alignment_p, s->noise_median, s->specificity, s->volume,
             s->n_responsive, s->n_significant_pairs);
  for (int a = 0; a < BA_NAREAS; a++)
    PetscCheck(s->area_significant[a] >= 0 && s->area_significant[a] <= s->area_responsive[a] &&
                   s->area_responsive[a] <= n,
               res->file.comm, BA_ERR_INPUT,
               "%s: %s: area %d has %d significant of %d responsive channels (of %" PetscInt_FMT ")", res->file.path,
               obj, BaVentralAreas[a], s->area_significant[a], s->area_responsive[a], n);
  PetscCall(PetscSNPrintf(what, sizeof(what), "%s/area_layer", obj));
  PetscCall(CheckRange(res, what, BA_NAREAS * res->nlayers, s->area_layer, -1e300, 1e300));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Everything ResultsOpen read, against what rsa can write: a hand-edited or corrupt file is
   refused with the place named, instead of a report of numbers that cannot be. */
static PetscErrorCode ResultsCheck(const Results *res)
{
  const BaH5File *f = &res->file;
  char obj[96];

  PetscFunctionBegin;
  PetscCheck(res->permutations >= 1 && res->permutations_max >= res->permutations && res->nsplits >= 0, f->comm,
             BA_ERR_INPUT,
             "%s: permutations %" PetscInt_FMT ", permutations_max %" PetscInt_FMT ", noise_splits %" PetscInt_FMT
             ": not what rsa writes (1 <= permutations <= permutations_max, noise_splits >= 0)",
             f->path, res->permutations, res->permutations_max, res->nsplits);
  PetscCheck(res->q > 0 && res->q <= 1, f->comm, BA_ERR_INPUT, "%s: q is %.6g, not in (0, 1]", f->path, res->q);
  PetscCall(CheckRange(res, "/comparisons/mannwhitney_p", BA_NROIS * BA_NROIS, res->compare_p, 0, 1));
  if (res->layer_corr)
    PetscCall(
        CheckRange(res, "/layers/rdm_correlation", res->nlayers * res->nlayers, res->layer_corr, -RHO_MAX, RHO_MAX));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    PetscCall(CheckRoiData(res, roi, &res->data[roi]));
    GroupPath("roi", roi, NULL, obj, sizeof(obj));
    PetscCall(CheckSummary(res, obj, &res->roi[roi]));
    if (res->data[roi].noise) {
      PetscCall(PetscStrlcat(obj, "/noise_alignment", sizeof(obj)));
      PetscCall(CheckRange(res, obj, res->nsplits, res->data[roi].noise, -RHO_MAX, RHO_MAX));
    }
    if (res->has_control) {
      GroupPath("control", roi, NULL, obj, sizeof(obj));
      PetscCall(CheckSummary(res, obj, &res->control[roi]));
    }
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ResultsOpen's work on res, whose file is open; on error ResultsOpen frees what it holds. */
static PetscErrorCode Load(MPI_Comm comm, const char *path, Results *res)
{
  BaH5File *f = &res->file;
  PetscInt n, v;
  PetscInt64 i64;
  char obj[96], name[128], **patient;
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(BaH5AttrReadString(f, "/", "protocol", res->protocol, sizeof(res->protocol)));
  PetscCall(BaH5AttrReadString(f, "/", "correction", res->correction, sizeof(res->correction)));
  PetscCall(BaH5AttrReadString(f, "/", "options", res->options, sizeof(res->options)));
  PetscCall(BaH5AttrReadInt(f, "/", "permutations", &i64));
  res->permutations = (PetscInt)i64;
  { /* files written before the resolution of small p-values have no permutations_max */
    PetscBool has;
    PetscCall(BaH5AttrExists(f, "/", "permutations_max", &has));
    if (has) PetscCall(BaH5AttrReadInt(f, "/", "permutations_max", &i64));
    res->permutations_max = has ? (PetscInt)i64 : res->permutations;
    PetscCall(BaH5AttrExists(f, "/", "permutation_strategy", &has));
    PetscCall(PetscStrncpy(res->strategy, "full", sizeof(res->strategy)));
    if (has) PetscCall(BaH5AttrReadString(f, "/", "permutation_strategy", res->strategy, sizeof(res->strategy)));
    PetscCheck(!strcmp(res->strategy, "full") || !strcmp(res->strategy, "adaptive"), comm, BA_ERR_INPUT,
               "%s: permutation_strategy '%s' is neither full nor adaptive", path, res->strategy);
    res->adaptive_delta = NAN;
    PetscCall(BaH5AttrExists(f, "/", "adaptive_delta", &has));
    if (has) PetscCall(BaH5AttrReadDouble(f, "/", "adaptive_delta", &res->adaptive_delta));
  }
  PetscCall(BaH5AttrReadInt(f, "/", "noise_splits", &i64));
  res->nsplits = (PetscInt)i64;
  PetscCall(BaH5AttrReadDouble(f, "/", "q", &res->q));
  PetscCall(BaH5ReadStrings(f, "/stimuli/name", &res->nimages, &res->image_name));
  PetscCall(BaH5ReadStrings(f, "/layers/name", &res->nlayers, &res->layer_name));
  PetscCheck(res->nlayers > 0 && res->nlayers <= 64, comm, BA_ERR_INPUT,
             "%s: %" PetscInt_FMT " layers (1 to 64 supported)", path, res->nlayers);
  PetscCall(BaH5ReadStrings(f, "/channels/name", &res->nchannels, &res->channel_name));
  PetscCall(BaH5ReadStrings(f, "/channels/patient", &n, &patient));
  if (n != res->nchannels) PetscCall(BaStringsFree(n, &patient));
  PetscCheck(n == res->nchannels, comm, BA_ERR_INPUT,
             "%s: /channels/patient has %" PetscInt_FMT " entries, expected %" PetscInt_FMT, path, n, res->nchannels);
  res->patient = patient;
  n            = res->nchannels;
  v            = res->nlayers;
  PetscCall(PetscMalloc2(3 * n, &res->mni, n, &res->area));
  PetscCall(BaH5ReadAll(f, "/channels/mni", H5T_NATIVE_DOUBLE, (hsize_t)n * 3, res->mni));
  PetscCall(MniCheck(comm, path, "/channels/mni", n, res->mni, res->channel_name, 0));
  PetscCall(BaH5ReadAll(f, "/channels/area", H5T_NATIVE_INT, (hsize_t)n, res->area));
  PetscCall(BaH5Exists(f, "/layers/rdm_correlation", &has));
  if (has) {
    PetscCall(PetscMalloc1(v * v, &res->layer_corr));
    PetscCall(BaH5ReadAll(f, "/layers/rdm_correlation", H5T_NATIVE_DOUBLE, (hsize_t)v * v, res->layer_corr));
  }
  PetscCall(BaH5ReadAll(f, "/comparisons/mannwhitney_p", H5T_NATIVE_DOUBLE, BA_NROIS * BA_NROIS, res->compare_p));
  PetscCall(ReadControl(res));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    ResultsRoiSummary *s = &res->roi[roi];
    ResultsRoiData *d    = &res->data[roi];

    RoiPath(roi, NULL, obj, sizeof(obj));
    PetscCall(SummaryRead(f, obj, s));
    PetscCall(BaH5AttrReadDouble(f, obj, "noise_median", &s->noise_median));
    RoiPath(roi, "area_layer", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)BA_NAREAS * v, s->area_layer));
    RoiPath(roi, "area_significant", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_INT, BA_NAREAS, s->area_significant));
    RoiPath(roi, "area_responsive", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_INT, BA_NAREAS, s->area_responsive));

    PetscCall(
        PetscMalloc5(n, &d->responsive, n * v, &d->rho, n * v, &d->pvalue, n * v, &d->qvalue, n * v, &d->significant));
    RoiPath(roi, "responsive", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_UINT8, (hsize_t)n, d->responsive));
    RoiPath(roi, "rho", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)n * v, d->rho));
    RoiPath(roi, "pvalue", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)n * v, d->pvalue));
    RoiPath(roi, "qvalue", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)n * v, d->qvalue));
    RoiPath(roi, "significant", name, sizeof(name));
    PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_UINT8, (hsize_t)n * v, d->significant));
    RoiPath(roi, "permutations_used", name, sizeof(name));
    PetscCall(BaH5Exists(f, name, &has));
    if (has) {
      PetscCall(PetscMalloc1(n * v, &d->permutations_used));
      PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_INT64, (hsize_t)n * v, d->permutations_used));
    }
    RoiPath(roi, "noise_alignment", name, sizeof(name));
    PetscCall(BaH5Exists(f, name, &has));
    if (has && res->nsplits > 0) {
      PetscCall(PetscMalloc1(res->nsplits, &d->noise));
      PetscCall(BaH5ReadAll(f, name, H5T_NATIVE_DOUBLE, (hsize_t)res->nsplits, d->noise));
    }
  }
  PetscCall(ResultsCheck(res));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsOpen(MPI_Comm comm, const char *path, Results *res)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(res, sizeof(*res)));
  PetscCall(BaH5FileOpen(comm, path, Format, &res->file));
  ierr = Load(comm, path, res);
  if (ierr) PetscCall(ResultsClose(res)); /* nothing is left to the caller on error */
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ResultsClose(Results *res)
{
  PetscFunctionBegin;
  BaH5FileAbandon(&res->file);
  PetscCall(BaStringsFree(res->nimages, &res->image_name));
  PetscCall(BaStringsFree(res->nlayers, &res->layer_name));
  PetscCall(BaStringsFree(res->nchannels, &res->patient));
  PetscCall(BaStringsFree(res->nchannels, &res->channel_name));
  PetscCall(PetscFree2(res->mni, res->area));
  PetscCall(PetscFree(res->layer_corr));
  for (int roi = 0; roi < BA_NROIS; roi++) {
    ResultsRoiData *d = &res->data[roi];
    PetscCall(PetscFree5(d->responsive, d->rho, d->pvalue, d->qvalue, d->significant));
    PetscCall(PetscFree(d->noise));
    PetscCall(PetscFree(d->permutations_used));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
