/* cohort.c: several features files read as one cohort (the parts of a job array). */
#include <bandalign/cohort.h>
#include <bandalign/comm.h>

/* Channels in (patient, name) order, for finding one channel given twice. */
static const Cohort *SortCohort;

static int ChannelCompare(const void *x, const void *y)
{
  const PetscInt a = *(const PetscInt *)x, b = *(const PetscInt *)y;
  int d = strcmp(SortCohort->patient[a], SortCohort->patient[b]);
  if (!d) d = strcmp(SortCohort->name[a], SortCohort->name[b]);
  return d ? d : (a > b) - (a < b);
}

const char *CohortFileOf(const Cohort *c, PetscInt g)
{
  PetscInt f = 0;
  while (f + 1 < c->nfiles && g >= c->first[f + 1])
    f++;
  return c->file[f].file.path;
}

/* A channel (patient and name) in the cohort twice, from a file given twice or array parts
   with overlapping -patients, would count twice in every statistic: an input error naming
   both places. Every rank sees the same names, so every rank agrees. */
static PetscErrorCode CheckDuplicates(MPI_Comm comm, const Cohort *c)
{
  PetscInt *order;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c->n, &order));
  for (PetscInt g = 0; g < c->n; g++)
    order[g] = g;
  SortCohort = c;
  qsort(order, (size_t)c->n, sizeof(*order), ChannelCompare);
  for (PetscInt k = 1; k < c->n; k++) {
    const PetscInt a = order[k - 1], b = order[k];
    if (strcmp(c->patient[a], c->patient[b]) || strcmp(c->name[a], c->name[b])) continue;
    PetscCall(PetscFree(order));
    SETERRQ(comm, BA_ERR_INPUT,
            "-features: channel %s of patient %s is in the cohort twice (%s and %s: a file given twice, or array "
            "parts with overlapping -patients?)",
            c->name[b], c->patient[b], CohortFileOf(c, a), CohortFileOf(c, b));
  }
  PetscCall(PetscFree(order));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Opens the files of the comma-separated list (a copy of it is cut up). */
static PetscErrorCode OpenFiles(MPI_Comm comm, char *copy, Cohort *c)
{
  char *save = NULL;

  PetscFunctionBegin;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscCheck(c->nfiles < BA_MAX_FEATURE_FILES, comm, BA_ERR_INPUT, "-features: more than %d files",
               BA_MAX_FEATURE_FILES);
    PetscCall(FeaturesOpen(comm, tok, &c->file[c->nfiles]));
    c->nfiles++;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* CohortOpen's checks of the open files and the cohort's channel arrays. */
static PetscErrorCode Load(MPI_Comm comm, const char *list, Cohort *c)
{
  PetscInt g = 0;

  PetscFunctionBegin;
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
  PetscCall(CheckDuplicates(comm, c));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CohortOpen(MPI_Comm comm, const char *list, Cohort *c)
{
  char *copy;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  PetscCall(PetscStrallocpy(list, &copy));
  ierr = OpenFiles(comm, copy, c);
  PetscCall(PetscFree(copy));
  if (!ierr) ierr = Load(comm, list, c);
  if (ierr) PetscCall(CohortClose(c)); /* nothing is left to the caller on error */
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rows [lo, hi) of responsive_p must be p-values in [0, 1] (a NaN would pass BH as no
   rejection, a p above 1 or below 0 shift every rank's q-values): the first that is not is
   named with its file and channel, agreed by every rank (each reads its own rows). */
static PetscErrorCode CheckP(const Cohort *c, int roi, PetscInt lo, PetscInt hi, const double *p)
{
  char err[BA_COMM_ERR_LEN] = "", name[64];

  PetscFunctionBegin;
  for (PetscInt g = lo; g < hi && !err[0]; g++) {
    if (p[g - lo] >= 0 && p[g - lo] <= 1) continue;
    RoiName(roi, name, sizeof(name));
    snprintf(err, sizeof(err), "%s: /roi/%s/responsive_p of channel %s of patient %s is %g, not a p-value in [0, 1]",
             CohortFileOf(c, g), name, c->name[g], c->patient[g], p[g - lo]);
  }
  PetscCall(CommAgreeError(c->file[0].file.comm, err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CohortReadRoi(Cohort *c, int roi, PetscInt lo, PetscInt hi, float *feature, double *resp_p,
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
  if (resp_p) PetscCall(CheckP(c, roi, lo, hi, resp_p));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CohortClose(Cohort *c)
{
  PetscFunctionBegin;
  for (PetscInt f = 0; f < c->nfiles; f++)
    PetscCall(FeaturesClose(&c->file[f]));
  PetscCall(PetscFree3(c->patient, c->name, c->mni));
  PetscFunctionReturn(PETSC_SUCCESS);
}
