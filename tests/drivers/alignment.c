/* drivers/alignment.c: runs the alignment kernel on the cases of tests/ref/alignment.py.
   Usage: alignment CASES OUT. CASES holds the number of cases, then per case "nch nl npat",
   area index [nch], responsive [nch], patient index [nch], significant [nch*nl], rho [nch*nl],
   and the patients' in-half flags [npat]. OUT gets one line per case: rho p volume specificity
   n_responsive n_significant_pairs area_layer[5*nl] area_significant[5] area_responsive[5]
   half_rho. */
#include <bandalign/alignment.h>

int main(int argc, char **argv)
{
  FILE *in, *out;
  int ncases;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc == 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: alignment CASES OUT");
  in  = fopen(argv[1], "r");
  out = fopen(argv[2], "w");
  PetscCheck(in && out, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s or %s", argv[1], argv[2]);
  PetscCheck(fscanf(in, "%d", &ncases) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad header");
  for (int k = 0; k < ncases; k++) {
    int nch, nl, npat, *area, *patient, v;
    uint8_t *resp, *sig, *half;
    double *rho, hrho;
    ResultsRoiSummary s;

    PetscCheck(fscanf(in, "%d %d %d", &nch, &nl, &npat) == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad case %d", k);
    PetscCall(PetscMalloc6(nch + 1, &area, nch + 1, &patient, nch + 1, &resp, nch * nl + 1, &sig, nch * nl + 1, &rho,
                           npat + 1, &half));
    for (int c = 0; c < nch; c++)
      PetscCheck(fscanf(in, "%d", &area[c]) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "area");
    for (int c = 0; c < nch; c++) {
      PetscCheck(fscanf(in, "%d", &v) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "responsive");
      resp[c] = (uint8_t)v;
    }
    for (int c = 0; c < nch; c++)
      PetscCheck(fscanf(in, "%d", &patient[c]) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "patient");
    for (int i = 0; i < nch * nl; i++) {
      PetscCheck(fscanf(in, "%d", &v) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "significant");
      sig[i] = (uint8_t)v;
    }
    for (int i = 0; i < nch * nl; i++)
      PetscCheck(fscanf(in, "%lf", &rho[i]) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "rho");
    for (int p = 0; p < npat; p++) {
      PetscCheck(fscanf(in, "%d", &v) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "half");
      half[p] = (uint8_t)v;
    }
    PetscCall(AlignmentCompute(nch, nl, area, sig, rho, resp, &s));
    PetscCall(AlignmentHalf(nch, nl, area, patient, half, sig, &hrho));
    fprintf(out, "%.17g %.17g %.17g %.17g %d %d", s.alignment_rho, s.alignment_p, s.volume, s.specificity,
            (int)s.n_responsive, (int)s.n_significant_pairs);
    for (int i = 0; i < BA_NAREAS * nl; i++)
      fprintf(out, " %.17g", s.area_layer[i]);
    for (int a = 0; a < BA_NAREAS; a++)
      fprintf(out, " %d", s.area_significant[a]);
    for (int a = 0; a < BA_NAREAS; a++)
      fprintf(out, " %d", s.area_responsive[a]);
    fprintf(out, " %.17g\n", hrho);
    PetscCall(PetscFree6(area, patient, resp, sig, rho, half));
  }
  fclose(in);
  fclose(out);
  PetscCall(PetscFinalize());
  return 0;
}
