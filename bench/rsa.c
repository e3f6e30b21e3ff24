/* bench/rsa.c: throughput of the RSA permutation kernel against the machine's dgemm peak.

   Usage: rsa [nimages nch nlayers m threads]  (defaults 250 256 9 1000 2)
   Random channel features and layer RDMs (Euclidean distances of random activations); the
   canonical test without sequential stopping. Prints the kernel's GFLOP/s, counted as
   2 nch npairs m nlayers (the matrix products; ranking, gathers and counting are overhead),
   the OpenBLAS dgemm rate on 2000 x 2000 x 2000 with the same thread count, and their
   ratio. The last line is machine-readable for bench/rsa.sh. */
#include <bandalign/permtest.h>
#include <cblas.h>
#include <time.h>

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best of three 2000^3 dgemm runs, in GFLOP/s. */
static double DgemmPeak(void) {
  const int n = 2000;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
         *c = malloc(sizeof(double) * n * n);
  double best = 0;

  for (long i = 0; i < (long)n * n; i++) {
    a[i] = (double)(i % 7) - 3;
    b[i] = (double)(i % 5) - 2;
  }
  for (int r = 0; r < 4; r++) {
    double t0 = Now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    double g = 2.0 * n * n * n / (Now() - t0) * 1e-9;
    if (r > 0 && g > best) best = g; /* the first run warms up the threads */
  }
  free(a);
  free(b);
  free(c);
  return best;
}

int main(int argc, char **argv) {
  PetscInt n = 250, nch = 256, L = 9, m = 1000, threads = 2, dim = 50;
  float *x;
  double *rdm, *rho, *act, peak, t0, tobs, trun, flops;
  double **layers;
  PermCount *count;
  PermTest pt;
  uint64_t state = 88172645463325252ULL;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 1) n = atoi(argv[1]);
  if (argc > 2) nch = atoi(argv[2]);
  if (argc > 3) L = atoi(argv[3]);
  if (argc > 4) m = atoi(argv[4]);
  if (argc > 5) threads = atoi(argv[5]);
  openblas_set_num_threads((int)threads);
  PetscCall(PetscMalloc5((size_t)nch * n, &x, (size_t)L * n * n, &rdm, (size_t)nch * L, &rho,
                         (size_t)n * dim, &act, L, &layers));
  PetscCall(PetscCalloc1((size_t)nch * L, &count));
  /* xorshift64 uniforms: features and activations */
#define UNIFORM()                                                                                  \
  (state ^= state << 13, state ^= state >> 7, state ^= state << 17,                                \
   (double)(state >> 11) / 9007199254740992.0)
  for (PetscInt i = 0; i < nch * n; i++)
    x[i] = (float)UNIFORM();
  for (PetscInt l = 0; l < L; l++) {
    layers[l] = rdm + (size_t)l * n * n;
    for (PetscInt i = 0; i < n * dim; i++)
      act[i] = UNIFORM();
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = 0; j < n; j++) {
        double s = 0;
        for (PetscInt k = 0; k < dim; k++)
          s += (act[i * dim + k] - act[j * dim + k]) * (act[i * dim + k] - act[j * dim + k]);
        layers[l][i * n + j] = sqrt(s);
      }
  }
  peak = DgemmPeak();
  PetscCall(PermTestCreate(n, L, (const double *const *)layers, BA_PROTOCOL_CANONICAL, 1, 0, &pt));
  t0 = Now();
  PetscCall(PermTestObserve(pt, nch, x, rho));
  tobs = Now() - t0;
  t0 = Now();
  PetscCall(PermTestRun(pt, 0, m, count, NULL));
  trun = Now() - t0;
  flops = 2.0 * nch * (n * (n - 1) / 2.0) * m * L;
  printf("images %d, channels %d, layers %d, permutations %d, OpenBLAS threads %d\n", (int)n,
         (int)nch, (int)L, (int)m, (int)threads);
  printf("observe (rank %d channels, observed rho): %.3f s\n", (int)nch, tobs);
  printf("permutations: %.3f s, %.2f ms per permutation, %.1f GFLOP/s\n", trun, 1e3 * trun / m,
         flops / trun * 1e-9);
  printf("dgemm 2000^3 peak: %.1f GFLOP/s; kernel at %.0f%% of it\n", peak,
         100 * flops / trun * 1e-9 / peak);
  printf("RESULT %d %d %d %d %d %.6f %.6f %.3f %.3f\n", (int)n, (int)nch, (int)L, (int)m,
         (int)threads, tobs, trun, flops / trun * 1e-9, peak);
  PetscCall(PermTestDestroy(&pt));
  PetscCall(PetscFree5(x, rdm, rho, act, layers));
  PetscCall(PetscFree(count));
  PetscCall(PetscFinalize());
  return 0;
}
