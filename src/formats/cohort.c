/* cohort.c: several features files read as one cohort (the parts of a job array). */
#include <bandalign/cohort.h>

PetscErrorCode CohortOpen(MPI_Comm comm, const char *list, Cohort *c)
{
  char *copy, *tok, *save = NULL;
  PetscInt g = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof(*c)));
  PetscCall(PetscStrallocpy(list, &copy));
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscCheck(c->nfiles < BA_MAX_FEATURE_FILES, comm, BA_ERR_INPUT, "-features: more than %d files",
               BA_MAX_FEATURE_FILES);
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
