/* bench/rsa.c: throughput of the RSA permutation kernel against the machine's dgemm peak.

   Usage: rsa [nimages nch nlayers m threads]  (defaults 250 256 9 1000 2)
   Random channel features and layer RDMs (Euclidean distances of random activations); the
   canonical test without sequential stopping. The kernel's rate counts 2 nch npairs m
   nlayers flops (the matrix products; ranking, gathers and counting are overhead); the
   peak is OpenBLAS dgemm on 2000 x 2000 x 2000 with the same thread count.

   On a shared machine wall-clock rates move with the load, so three ratios are printed:
   overall wall-clock rate over the best dgemm; best call (the permutations run in calls
   of 128) over the best dgemm; and flops per CPU-second of the process, kernel over
   dgemm, which time-sharing with other processes hardly affects. The last line is
   machine-readable for bench/rsa.sh. */
#include <bandalign/permtest.h>
#include <cblas.h>
#include <math.h>
#include <time.h>

static double Clock(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  double wall; /* best wall-clock rate, GFLOP/s */
  double cpu;  /* best rate per CPU-second of the process, GFLOP/s */
} Rate;

/* Five timed 2000^3 dgemm runs after a warm-up; keeps the best rates in r. */
static void DgemmPeak(Rate *r) {
  const int n = 2000;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n),
         *c = malloc(sizeof(double) * n * n), f = 2.0 * n * n * n * 1e-9;

  for (long i = 0; i < (long)n * n; i++) {
    a[i] = (double)(i % 7) - 3;
    b[i] = (double)(i % 5) - 2;
  }
  for (int k = 0; k < 6; k++) {
    double w0 = Clock(CLOCK_MONOTONIC), c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    double w = Clock(CLOCK_MONOTONIC) - w0, cp = Clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (k == 0) continue; /* the first run starts the threads */
    r->wall = fmax(r->wall, f / w);
    r->cpu = fmax(r->cpu, f / cp);
  }
  free(a);
  free(b);
  free(c);
}

int main(int argc, char **argv) {
  PetscInt n = 250, nch = 256, L = 9, m = 1000, threads = 2, dim = 50;
  float *x;
  double *rdm, *rho, *act, t0, tobs, wall = 0, cpu = 0, flops, best = 0, npairs;
  double **layers;
  PermCount *count;
  PermTest pt;
  Rate peak = {0, 0};
  uint64_t state = 88172645463325252ULL;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 1) n = atoi(argv[1]);
  if (argc > 2) nch = atoi(argv[2]);
  if (argc > 3) L = atoi(argv[3]);
  if (argc > 4) m = atoi(argv[4]);
  if (argc > 5) threads = atoi(argv[5]);
  openblas_set_num_threads((int)threads);
  npairs = n * (n - 1) / 2.0;
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
  DgemmPeak(&peak);
  PetscCall(PermTestCreate(n, L, (const double *const *)layers, BA_PROTOCOL_CANONICAL, 1, 0, &pt));
  t0 = Clock(CLOCK_MONOTONIC);
  PetscCall(PermTestObserve(pt, nch, x, rho));
  tobs = Clock(CLOCK_MONOTONIC) - t0;
  for (PetscInt first = 0; first < m; first += 128) {
    PetscInt last = first + 128 < m ? first + 128 : m;
    double w0 = Clock(CLOCK_MONOTONIC), c0 = Clock(CLOCK_PROCESS_CPUTIME_ID), w;
    PetscCall(PermTestRun(pt, first, last, count, NULL));
    w = Clock(CLOCK_MONOTONIC) - w0;
    wall += w;
    cpu += Clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    best = fmax(best, 2.0 * nch * npairs * (last - first) * L / w * 1e-9);
  }
  DgemmPeak(&peak);
  flops = 2.0 * nch * npairs * m * L * 1e-9;
  printf("images %d, channels %d, layers %d, permutations %d, OpenBLAS threads %d\n", (int)n,
         (int)nch, (int)L, (int)m, (int)threads);
  printf("observe (rank %d channels, observed rho): %.3f s\n", (int)nch, tobs);
  printf("permutations: %.3f s, %.2f ms per permutation; %.1f GFLOP/s overall, %.1f best call of "
         "128, %.1f per CPU-second\n",
         wall, 1e3 * wall / m, flops / wall, best, flops / cpu);
  printf("dgemm 2000^3: %.1f GFLOP/s best, %.1f per CPU-second\n", peak.wall, peak.cpu);
  printf("kernel / dgemm: %.0f%% overall, %.0f%% best call, %.0f%% per CPU-second\n",
         100 * flops / wall / peak.wall, 100 * best / peak.wall, 100 * flops / cpu / peak.cpu);
  printf("RESULT %d %d %d %d %d %.6f %.6f %.3f %.3f %.3f %.3f %.3f\n", (int)n, (int)nch, (int)L,
         (int)m, (int)threads, tobs, wall, flops / wall, best, flops / cpu, peak.wall, peak.cpu);
  PetscCall(PermTestDestroy(&pt));
  PetscCall(PetscFree5(x, rdm, rho, act, layers));
  PetscCall(PetscFree(count));
  PetscCall(PetscFinalize());
  return 0;
}
