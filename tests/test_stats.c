/* test_stats.c: unit tests of the statistics kernels, and (with arguments) the driver of
   tests/t_stats.sh, which compares them with scipy and statsmodels.

   Driver: test_stats CASES OUT reads one case per line of CASES and writes one result line
   to OUT, doubles as %.17g:
     rank n v[n]                 -> rank[n] tie_term
     spearman n x[n] y[n]        -> rho p
     wilcoxon n x[n] y[n]        -> p
     mannwhitney nx ny x[] y[]   -> U p
     fdr bh|by q m p[m]          -> qvalue[m] reject[m] (NaN entries written as nan) */
#include <bandalign/stats.h>
#include <check.h>

static PetscErrorCode ReadDoubles(FILE *f, PetscInt n, double *v)
{
  char tok[64];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(fscanf(f, "%63s", tok) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cases file: truncated");
    v[i] = strtod(tok, NULL);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Driver(const char *in, const char *out)
{
  FILE *f = fopen(in, "r"), *g = fopen(out, "w");
  char kind[32];
  PetscInt n, n2;
  double *x, *y, *r, a, b;

  PetscFunctionBegin;
  PetscCheck(f && g, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s or %s", in, out);
  while (fscanf(f, "%31s", kind) == 1) {
    if (!strcmp(kind, "rank")) {
      PetscCheck(fscanf(f, "%" PetscInt_FMT, &n) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "rank: size");
      PetscCall(PetscMalloc2(n, &x, n, &r));
      PetscCall(ReadDoubles(f, n, x));
      PetscCall(StatsRank(n, x, r, &a));
      for (PetscInt i = 0; i < n; i++)
        fprintf(g, "%.17g ", r[i]);
      fprintf(g, "%.17g\n", a);
      PetscCall(PetscFree2(x, r));
    } else if (!strcmp(kind, "spearman") || !strcmp(kind, "wilcoxon")) {
      PetscCheck(fscanf(f, "%" PetscInt_FMT, &n) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: size", kind);
      PetscCall(PetscMalloc2(n, &x, n, &y));
      PetscCall(ReadDoubles(f, n, x));
      PetscCall(ReadDoubles(f, n, y));
      if (kind[0] == 's') {
        PetscCall(StatsSpearman(n, x, y, &a, &b));
        fprintf(g, "%.17g %.17g\n", a, b);
      } else {
        PetscCall(StatsWilcoxon(n, x, y, &b));
        fprintf(g, "%.17g\n", b);
      }
      PetscCall(PetscFree2(x, y));
    } else if (!strcmp(kind, "mannwhitney")) {
      PetscCheck(fscanf(f, "%" PetscInt_FMT " %" PetscInt_FMT, &n, &n2) == 2, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
                 "mannwhitney: sizes");
      PetscCall(PetscMalloc2(n, &x, n2, &y));
      PetscCall(ReadDoubles(f, n, x));
      PetscCall(ReadDoubles(f, n2, y));
      PetscCall(StatsMannWhitney(n, x, n2, y, &a, &b));
      fprintf(g, "%.17g %.17g\n", a, b);
      PetscCall(PetscFree2(x, y));
    } else if (!strcmp(kind, "fdr")) {
      char method[8];
      PetscBool *rej;
      PetscCheck(fscanf(f, "%7s %lf %" PetscInt_FMT, method, &a, &n) == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
                 "fdr: header");
      PetscCall(PetscMalloc3(n, &x, n, &r, n, &rej));
      PetscCall(ReadDoubles(f, n, x));
      PetscCall(StatsFdr(n, x, strcmp(method, "by") ? BA_FDR_BH : BA_FDR_BY, a, r, rej));
      for (PetscInt i = 0; i < n; i++)
        fprintf(g, "%.17g ", r[i]);
      for (PetscInt i = 0; i < n; i++)
        fprintf(g, "%d ", (int)rej[i]);
      fprintf(g, "\n");
      PetscCall(PetscFree3(x, r, rej));
    } else
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "cases file: unknown case %s", kind);
  }
  fclose(f);
  fclose(g);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode UnitTests(void)
{
  double r[8], tie, rho, p, U;
  PetscBool rej[5];

  PetscFunctionBegin;
  {
    const double x[5] = {3, 1, 4, 1, 5};
    PetscCall(StatsRank(5, x, r, &tie));
    CHECK(r[0] == 3 && r[1] == 1.5 && r[2] == 4 && r[3] == 1.5 && r[4] == 5,
          "ranks of {3,1,4,1,5} are {3,1.5,4,1.5,5}");
    CHECK(tie == 6, "tie term of one pair is 2^3 - 2 = 6 (got %g)", tie);
  }
  {
    const double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {1, 8, 27, 64, 125, 216}, z[6] = {6, 5, 4, 3, 2, 1},
                 c[6] = {2, 2, 2, 2, 2, 2};
    PetscCall(StatsSpearman(6, x, y, &rho, &p));
    CHECK(rho == 1 && p == 0, "Spearman of a monotone transform: rho 1, p 0 (got %g, %g)", rho, p);
    PetscCall(StatsSpearman(6, x, z, &rho, &p));
    CHECK(rho == -1, "Spearman of a reversal is -1 (got %g)", rho);
    PetscCall(StatsSpearman(6, x, c, &rho, &p));
    CHECK(isnan(rho) && isnan(p), "Spearman with a constant input is NaN");
  }
  {
    /* 3 points, rho = 0.5: t^2 = 1 * 0.25 / 0.75 = 1/3; the t distribution with 1 degree of
       freedom is Cauchy, so p = 2 (1/2 - atan(t) / pi) = 1 - 2 atan(1/sqrt 3) / pi = 2/3 */
    const double x[3] = {1, 2, 3}, y[3] = {1, 3, 2};
    PetscCall(StatsSpearman(3, x, y, &rho, &p));
    CHECK(fabs(rho - 0.5) < 1e-15 && fabs(p - 2.0 / 3.0) < 1e-14,
          "Spearman p with 1 dof is the Cauchy tail (got rho %g, p %.17g)", rho, p);
  }
  {
    const double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {2, 1, 4, 3, 6, 5};
    PetscCall(StatsWilcoxon(6, x, x, &p));
    CHECK(p == 1, "Wilcoxon with no non-zero difference gives p = 1");
    PetscCall(StatsWilcoxon(6, x, y, &p));
    CHECK(p == 1, "Wilcoxon with balanced differences (T = mean) gives p = 1 (got %g)", p);
  }
  {
    const double x[4] = {1, 2, 3, 4};
    PetscCall(StatsMannWhitney(4, x, 4, x, &U, &p));
    CHECK(U == 8 && p > 0.5 && p < 1, "Mann-Whitney of equal samples: U = n1 n2 / 2, p just above 1/2 (got %g, %g)", U,
          p);
  }
  {
    const double pv[5] = {0.01, 0.01, 0.01, 0.01, 0.01};
    double q[5];
    PetscCall(StatsFdr(5, pv, BA_FDR_BH, 0.05, q, rej));
    CHECK(q[0] == 0.01 && q[4] == 0.01 && rej[0] && rej[4], "BH of equal p-values keeps them and rejects all");
    PetscCall(StatsFdr(5, pv, BA_FDR_BY, 0.05, q, rej));
    /* c_5 = 1 + 1/2 + 1/3 + 1/4 + 1/5 = 137/60 */
    CHECK(fabs(q[2] - 0.01 * 137.0 / 60.0) < 1e-15 && rej[2], "BY scales q-values by c_m = 137/60");
  }
  {
    const double pv[4] = {NAN, 0.04, 0.5, 0.001};
    double q[4];
    PetscCall(StatsFdr(4, pv, BA_FDR_BH, 0.05, q, rej));
    CHECK(isnan(q[0]) && !rej[0], "a NaN p-value stays out of the family");
    CHECK(fabs(q[3] - 0.003) < 1e-15 && fabs(q[1] - 0.06) < 1e-15 && q[2] == 0.5 && rej[3] && !rej[1],
          "BH over the 3 others: q = 0.003, 0.06, 0.5");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc == 3)
    PetscCall(Driver(argv[1], argv[2]));
  else {
    CheckPlan(13);
    PetscCall(UnitTests());
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
