/* bench/rsa.c: throughput of the RSA permutation kernel against the machine's dgemm peak and
   its theoretical FMA peak.

   Usage: rsa [nimages nch nlayers m threads h kernel refs]  (defaults 250 256 9 1000 2 0 best 1)
   Random channel features and layer RDMs (Euclidean distances of random activations); the
   canonical test, with sequential stopping at h (0: none) and the product kernel given
   (blas, avx2, avx512, avx2_f32, avx512_f32, best: the rsa stage's -permtest_kernel; the
   float32 kernels also report the share of comparisons decided on exact dot products, and
   their peak is twice the double one: twice the lanes per FMA). The kernel's rate counts 2 nch npairs m
   nlayers flops (the matrix products; ranking, gathers and counting are overhead; with
   h > 0 the flops a test without stopping would need, so the rate is an effective one).
   The references measured in the same run: OpenBLAS dgemm on 2000 x 2000 x 2000 with the
   same thread count, a loop of independent FMAs in registers (the FMA units' throughput),
   and the clock, from a chain of dependent 64-bit multiplies (3 cycles each on Intel and AMD
   cores since 2011); FMA loop / clock gives the flops per cycle, rounded to a power of two,
   and the theoretical peak per core is that times the clock.

   On a shared machine wall-clock rates move with the load, so rates are also given per
   CPU-second of the process, which time-sharing with other processes hardly affects. The
   last line is machine-readable for bench/rsa.sh. */
#include <bandalign/permtest.h>
#include <bandalign/permkernel.h>
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <time.h>

static double Clock(clockid_t id)
{
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  double wall; /* best wall-clock rate, GFLOP/s */
  double cpu;  /* best rate per CPU-second of the process, GFLOP/s */
} Rate;

/* Five timed 2000^3 dgemm runs after a warm-up; keeps the best rates in r. */
static void DgemmPeak(Rate *r)
{
  const int n = 2000;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n),
         f = 2.0 * n * n * n * 1e-9;

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
    r->cpu  = fmax(r->cpu, f / cp);
  }
  free(a);
  free(b);
  free(c);
}

/* Independent FMAs on 24 registers, one thread: GFLOP/s per CPU-second, best of 5. */
__attribute__((target("avx512f,fma"))) static double FmaLoop512(long iters)
{
  __m512d acc[24], x = _mm512_set1_pd(1.0 - 1e-12), y = _mm512_set1_pd(1e-12), s;
  double best = 0;
  for (int r = 0; r < 5; r++) {
    double c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < 24; i++)
      acc[i] = _mm512_set1_pd(i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 24
      for (int i = 0; i < 24; i++)
        acc[i] = _mm512_fmadd_pd(acc[i], x, y);
    }
    s = acc[0];
    for (int i = 1; i < 24; i++)
      s = _mm512_add_pd(s, acc[i]);
    if (_mm512_reduce_add_pd(s) == 42) printf("\n"); /* keep the result alive */
    best = fmax(best, 24.0 * 16 * (double)iters / (Clock(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e-9);
  }
  return best;
}

__attribute__((target("avx2,fma"))) static double FmaLoop256(long iters)
{
  __m256d acc[12], x = _mm256_set1_pd(1.0 - 1e-12), y = _mm256_set1_pd(1e-12), s;
  double best = 0;
  for (int r = 0; r < 5; r++) {
    double c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < 12; i++)
      acc[i] = _mm256_set1_pd(i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++)
        acc[i] = _mm256_fmadd_pd(acc[i], x, y);
    }
    s = acc[0];
    for (int i = 1; i < 12; i++)
      s = _mm256_add_pd(s, acc[i]);
    if (s[0] + s[1] + s[2] + s[3] == 42) printf("\n");
    best = fmax(best, 12.0 * 8 * (double)iters / (Clock(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e-9);
  }
  return best;
}

/* Core clock in GHz from dependent 64-bit multiplies (latency 3 cycles), best of 5. */
static double ClockGHz(void)
{
  double best = 0;
  for (int r = 0; r < 5; r++) {
    long n = 50000000, x = 3;
    double c0 = Clock(CLOCK_PROCESS_CPUTIME_ID);
    __asm__ volatile("1: imul %0, %0\n imul %0, %0\n imul %0, %0\n imul %0, %0\n"
                     " sub $1, %1\n jnz 1b"
                     : "+r"(x), "+r"(n));
    best = fmax(best, 4.0 * 3 * 50000000 / (Clock(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e-9);
  }
  return best;
}

int main(int argc, char **argv)
{
  PetscInt n = 250, nch = 256, L = 9, m = 1000, threads = 2, dim = 50, h = 0, refs = 1;
  const char *kname = "best";
  PermKernelType ktype, kused;
  PermKernel kprobe;
  PetscBool kfound, f32;
  double fma = 0, ghz, fpc, used = 0;
  float *x;
  double *rdm, *rho, *act, t0, tobs, wall = 0, cpu = 0, flops, best = 0, npairs;
  double **layers;
  PermCount *count;
  PermTest pt;
  Rate peak      = {0, 0};
  uint64_t state = 88172645463325252ULL;
  int64_t compared, recomputed;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc > 1) n = atoi(argv[1]);
  if (argc > 2) nch = atoi(argv[2]);
  if (argc > 3) L = atoi(argv[3]);
  if (argc > 4) m = atoi(argv[4]);
  if (argc > 5) threads = atoi(argv[5]);
  if (argc > 6) h = atoi(argv[6]);
  if (argc > 7) kname = argv[7];
  if (argc > 8) refs = atoi(argv[8]);
  PetscCall(PetscEnumFind(PermKernelTypeNames, kname, (PetscEnum *)&ktype, &kfound));
  PetscCheck(kfound, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "unknown kernel %s (blas, avx2, avx512, avx2_f32, avx512_f32, best)", kname);
  openblas_set_num_threads((int)threads);
  PetscCall(PermKernelCreate(ktype, n, PETSC_TRUE, 1, &kprobe)); /* the kernel best resolves to */
  kused = PermKernelGetType(kprobe);
  f32   = kused == PERM_KERNEL_AVX512_F32 || kused == PERM_KERNEL_AVX2_F32 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PermKernelDestroy(&kprobe));
  npairs = n * (n - 1) / 2.0;
  PetscCall(PetscMalloc5((size_t)nch * n, &x, (size_t)L * n * n, &rdm, (size_t)nch * L, &rho, (size_t)n * dim, &act, L,
                         &layers));
  PetscCall(PetscCalloc1((size_t)nch * L, &count));
  /* xorshift64 uniforms: features and activations */
#define UNIFORM()                                                                                                      \
  (state ^= state << 13, state ^= state >> 7, state ^= state << 17, (double)(state >> 11) / 9007199254740992.0)
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
  if (refs) DgemmPeak(&peak);
  PetscCall(PermTestCreate(n, L, (const double *const *)layers, BA_PROTOCOL_CANONICAL, 1, h, ktype, &pt));
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
  if (refs) DgemmPeak(&peak);
  if (!refs)
    fma = 0;
  else if (PermKernelAvailable(PERM_KERNEL_AVX512))
    fma = FmaLoop512(20000000);
  else if (PermKernelAvailable(PERM_KERNEL_AVX2))
    fma = FmaLoop256(40000000);
  ghz = refs ? ClockGHz() : 0;
  fpc = fma > 0 ? exp2(round(log2(fma / ghz))) * (f32 ? 2 : 1) : 0;
  for (PetscInt k = 0; k < nch * L; k++)
    used += (double)count[k].used / (nch * L);
  PermTestScreening(pt, &compared, &recomputed);
  flops = 2.0 * nch * npairs * m * L * 1e-9;
  printf("images %d, channels %d, layers %d, permutations %d, sequential h %d, kernel %s (%s), "
         "threads %d\n",
         (int)n, (int)nch, (int)L, (int)m, (int)h, kname, PermKernelTypeNames[kused], (int)threads);
  printf("observe (rank %d channels, observed rho): %.3f s\n", (int)nch, tobs);
  printf("permutations: %.3f s (%.3f CPU-s), %.2f ms per permutation (%.2f CPU-ms), %.0f used per pair; "
         "%.1f GFLOP/s overall, %.1f best call of 128, %.1f per CPU-second\n",
         wall, cpu, 1e3 * wall / m, 1e3 * cpu / m, used, flops / wall, best, flops / cpu);
  printf("screening: %lld of %lld comparisons (%.3f%%) decided on exact dot products\n", (long long)recomputed,
         (long long)compared, compared ? 100.0 * (double)recomputed / (double)compared : 0.0);
  if (refs) {
    printf("dgemm 2000^3: %.1f GFLOP/s best, %.1f per CPU-second\n", peak.wall, peak.cpu);
    printf("kernel / dgemm: %.0f%% overall, %.0f%% best call, %.0f%% per CPU-second\n", 100 * flops / wall / peak.wall,
           100 * best / peak.wall, 100 * flops / cpu / peak.cpu);
  }
  if (fma > 0)
    printf("core: clock %.2f GHz, FMA loop %.1f GFLOP/s per CPU-second = %.1f flops/cycle "
           "(%.0f%s); theoretical peak %.1f GFLOP/s per core; kernel per CPU-second / peak: "
           "%.0f%%\n",
           ghz, fma, fma / ghz, fpc, f32 ? ", float32: twice the double" : "", fpc * ghz,
           100 * flops / cpu / (fpc * ghz));
  printf("RESULT %d %d %d %d %d %.6f %.6f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %d %.5f %s\n", (int)n, (int)nch,
         (int)L, (int)m, (int)threads, tobs, wall, flops / wall, best, flops / cpu, peak.wall, peak.cpu, cpu, ghz, fma,
         fpc, (int)h, compared ? 100.0 * (double)recomputed / (double)compared : 0.0, PermKernelTypeNames[kused]);
  PetscCall(PermTestDestroy(&pt));
  PetscCall(PetscFree5(x, rdm, rho, act, layers));
  PetscCall(PetscFree(count));
  PetscCall(PetscFinalize());
  return 0;
}
