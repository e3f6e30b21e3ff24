/* test_permtest.c: unit tests of the permutation test, and (with arguments) the driver of
   tests/t_permtest.sh, which compares it with a brute-force Python reference.

   Driver: test_permtest X RDM NIMAGES NCH NLAYERS PROTOCOL SEED M RUNS OUT
   reads channel features float32 [NCH][NIMAGES] from X and layer RDMs float64
   [NLAYERS][NIMAGES][NIMAGES] from RDM; PROTOCOL is 0 (canonical) or 1 (kuzovkin2018).
   RUNS is a comma-separated list of H:CALLS:GROUPS; run r uses the sequential limit H,
   splits the channels into GROUPS groups (each with its own PermTest, as on different
   ranks) and [0, M) into CALLS uneven calls of PermTestRun, and writes float64 to OUT.r:
   rho, p, b, used, done (each [NCH * NLAYERS]) then, when H = 0, maxnull [M].
   With an 11th argument GOALS, a file of int64 [R][NCH * NLAYERS]: after [0, M), each group
   takes its pairs further with PermTestExtend, round r to goal GOALS[r] (pairs whose goal
   is not beyond where they stand stay), each round cut into CALLS uneven calls, and the
   maxnull part is left out. */
#include <bandalign/permtest.h>
#include <bandalign/permkernel.h>
#include <Random123/philox.h>
#include <check.h>

static PetscErrorCode ReadFile(const char *path, size_t size, size_t count, void *buf)
{
  FILE *f = fopen(path, "rb");

  PetscFunctionBegin;
  PetscCheck(f && fread(buf, size, count, f) == count, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read", path);
  fclose(f);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The product kernel of the driver's runs: -permtest_kernel (the engine no longer reads
   options; the rsa stage does, this driver the same way). */
static PermKernelType DriverKernel(void)
{
  PermKernelType t = PERM_KERNEL_BEST;
  if (PetscOptionsGetEnum(NULL, NULL, "-permtest_kernel", PermKernelTypeNames, (PetscEnum *)&t, NULL))
    return PERM_KERNEL_BEST;
  return t;
}

static PetscErrorCode DriverRun(PetscInt n, PetscInt nch, PetscInt L, BaProtocol protocol, uint64_t seed, PetscInt m,
                                PetscInt h, PetscInt calls, PetscInt groups, const float *x, const double *rdm,
                                PetscInt rounds, const int64_t *goals, const char *path)
{
  double *out, *maxg;
  PermCount *count;
  FILE *f;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3((size_t)5 * nch * L + m, &out, (size_t)nch * L, &count, m, &maxg));
  PetscCall(PetscMemzero(count, sizeof(*count) * nch * L));
  for (PetscInt i = 0; i < m; i++)
    out[5 * nch * L + i] = NAN;
  for (PetscInt g = 0; g < groups; g++) {
    PetscInt c0 = nch * g / groups, c1 = nch * (g + 1) / groups;
    const double **layers;
    PermTest pt;
    PetscCall(PetscMalloc1(L, &layers));
    for (PetscInt l = 0; l < L; l++)
      layers[l] = rdm + (size_t)l * n * n;
    PetscCall(PermTestCreate(n, L, layers, protocol, seed, h, DriverKernel(), &pt));
    PetscCall(PermTestObserve(pt, c1 - c0, x + (size_t)c0 * n, out + c0 * L));
    for (PetscInt k = 0; k < calls; k++) {
      PetscInt first = m * k * k / (calls * calls), last = m * (k + 1) * (k + 1) / (calls * calls);
      PetscCall(PermTestRun(pt, first, last, count + c0 * L, h ? NULL : maxg + first));
    }
    for (PetscInt r = 0; r < rounds; r++) {
      const int64_t *goal = goals + (size_t)r * nch * L + c0 * L;
      int64_t lo = INT64_MAX, hi = 0;
      for (PetscInt k = 0; k < (c1 - c0) * L; k++) {
        lo = PetscMin(lo, count[c0 * L + k].used);
        hi = PetscMax(hi, goal[k]);
      }
      for (PetscInt k = 1; k <= calls; k++)
        PetscCall(PermTestExtend(pt, goal, k == calls ? hi : lo + (hi - lo) * k * k / (calls * calls), count + c0 * L));
    }
    for (PetscInt i = 0; i < m && !h; i++)
      out[5 * nch * L + i] = fmax(out[5 * nch * L + i], maxg[i]);
    for (PetscInt k = c0 * L; k < c1 * L; k++) {
      out[nch * L + k]     = PermTestPValue(pt, &count[k]);
      out[2 * nch * L + k] = (double)count[k].b;
      out[3 * nch * L + k] = (double)count[k].used;
      out[4 * nch * L + k] = (double)count[k].done;
    }
    PetscCall(PermTestDestroy(&pt));
    PetscCall(PetscFree(layers));
  }
  f = fopen(path, "wb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open", path);
  fwrite(out, sizeof(double), (size_t)5 * nch * L + (h || rounds ? 0 : m), f);
  fclose(f);
  PetscCall(PetscFree3(out, count, maxg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Driver(char **argv)
{
  PetscInt n = atoi(argv[3]), nch = atoi(argv[4]), L = atoi(argv[5]), m = atoi(argv[8]), r = 0, rounds = 0;
  BaProtocol protocol = atoi(argv[6]) ? BA_PROTOCOL_KUZOVKIN2018 : BA_PROTOCOL_CANONICAL;
  uint64_t seed       = strtoull(argv[7], NULL, 10);
  float *x;
  double *rdm;
  int64_t *goals = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2((size_t)nch * n, &x, (size_t)L * n * n, &rdm));
  PetscCall(ReadFile(argv[1], sizeof(float), (size_t)nch * n, x));
  PetscCall(ReadFile(argv[2], sizeof(double), (size_t)L * n * n, rdm));
  if (argv[11]) {
    FILE *f = fopen(argv[11], "rb");
    long size;
    PetscCheck(f && !fseek(f, 0, SEEK_END), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read", argv[11]);
    size = ftell(f);
    fclose(f);
    rounds = (PetscInt)(size / (long)(sizeof(int64_t) * nch * L));
    PetscCall(PetscMalloc1((size_t)rounds * nch * L + 1, &goals));
    PetscCall(ReadFile(argv[11], sizeof(int64_t), (size_t)rounds * nch * L, goals));
  }
  for (char *run = strtok(argv[9], ","); run; run = strtok(NULL, ","), r++) {
    int h, calls, groups;
    char path[PETSC_MAX_PATH_LEN];
    PetscCheck(sscanf(run, "%d:%d:%d", &h, &calls, &groups) == 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "run %s is not H:CALLS:GROUPS", run);
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s.%d", argv[10], (int)r));
    PetscCall(DriverRun(n, nch, L, protocol, seed, m, h, calls, groups, x, rdm, rounds, goals, path));
  }
  PetscCall(PetscFree2(x, rdm));
  PetscCall(PetscFree(goals));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Random123's known-answer vectors of philox4x32 with 10 rounds (kat_vectors). */
static void TestPhiloxKat(void)
{
  const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
       0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
       0x24126ea1},
  };
  for (int t = 0; t < 3; t++) {
    philox4x32_ctr_t c = {{kat[t][0], kat[t][1], kat[t][2], kat[t][3]}};
    philox4x32_key_t k = {{kat[t][4], kat[t][5]}};
    philox4x32_ctr_t r = philox4x32(c, k);
    CHECK(r.v[0] == kat[t][6] && r.v[1] == kat[t][7] && r.v[2] == kat[t][8] && r.v[3] == kat[t][9],
          "philox4x32-10 known-answer vector %d", t);
  }
}

static void TestDraw(void)
{
  PetscInt n = 250, perm[250], perm2[250], seen[250], valid = 1, same = 1, diffseed = 0, diffindex = 0, firstword = 1;
  PetscInt counts[6] = {0}, ok = 1;

  for (uint64_t i = 0; i < 200; i++) {
    PermutationDraw(12345, i, n, perm);
    PetscArrayzero(seen, n);
    for (PetscInt k = 0; k < n; k++)
      if (perm[k] >= 0 && perm[k] < n) seen[perm[k]]++;
    for (PetscInt k = 0; k < n; k++)
      valid &= seen[k] == 1;
    PermutationDraw(12345, i, n, perm2);
    for (PetscInt k = 0; k < n; k++)
      same &= perm[k] == perm2[k];
    PermutationDraw(12346, i, n, perm2);
    for (PetscInt k = 0; k < n; k++)
      diffseed |= perm[k] != perm2[k];
    PermutationDraw(12345, i + 1, n, perm2);
    for (PetscInt k = 0; k < n; k++)
      diffindex |= perm[k] != perm2[k];
  }
  CHECK(valid, "200 draws of 250 labels are permutations");
  CHECK(same, "a draw is a function of (seed, index)");
  CHECK(diffseed && diffindex, "other seeds and other indices give other permutations");
  /* n = 2: Fisher-Yates swaps labels 1 and j = (u * 2) >> 32, u the first word of
     philox({index, 0, 0, 0}, {seed lo, seed hi}) */
  for (uint64_t i = 0; i < 64; i++) {
    uint64_t seed      = 0x123456789abcdefULL;
    philox4x32_ctr_t c = {{(uint32_t)i, 0, 0, 0}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    uint32_t u         = philox4x32(c, k).v[0];
    PermutationDraw(seed, i, 2, perm);
    firstword &= (u >> 31) ? (perm[0] == 0 && perm[1] == 1) : (perm[0] == 1 && perm[1] == 0);
  }
  CHECK(firstword, "the first swap follows the first Philox word of counter (index, 0, 0, 0)");
  /* 6000 draws of 3 labels: each of the 6 orders about 1000 times (sd 29) */
  for (uint64_t i = 0; i < 6000; i++) {
    PermutationDraw(7, i, 3, perm);
    counts[perm[0] * 2 + (perm[1] > perm[2])]++;
  }
  for (int k = 0; k < 6; k++)
    ok &= counts[k] > 850 && counts[k] < 1150;
  CHECK(ok, "permutations of 3 labels are uniform (counts %d %d %d %d %d %d)", (int)counts[0], (int)counts[1],
        (int)counts[2], (int)counts[3], (int)counts[4], (int)counts[5]);
}

static PetscErrorCode TestEngine(BaProtocol protocol)
{
  const char *name = BaProtocolNames[protocol];
  PetscInt n = 30, nch = 4, m = 300;
  float x[4 * 30];
  double z[30], rdm[30 * 30], rho[4], maxall[300], maxone[4][300], rho1;
  const double *layers[1] = {rdm};
  PermCount count[4], one;
  PermTest pt;
  PetscErrorCode ierr;
  int ok = 1;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    z[i] = sin(1.3 * i) + 0.1 * i;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < n; j++)
      rdm[i * n + j] = fabs(z[i] - z[j]);
  for (PetscInt i = 0; i < n; i++) {
    x[i]         = (float)z[i];         /* channel 0 is the layer's own feature */
    x[n + i]     = (float)cos(2.9 * i); /* channel 1 unrelated */
    x[2 * n + i] = (float)(i % 3);      /* channel 2 with many ties */
    x[3 * n + i] = 1.5f;                /* channel 3 constant */
  }
  PetscCall(PermTestCreate(n, 1, layers, protocol, 99, 0, PERM_KERNEL_BEST, &pt));
  PetscCall(PermTestObserve(pt, nch, x, rho));
  CHECK(fabs(rho[0] - 1) < 1e-15 && isnan(rho[3]) && rho[2] > -1 && rho[2] < 1,
        "%s: rho of a channel against its own RDM is 1, of a constant channel NaN", name);
  PetscCall(PetscMemzero(count, sizeof(count)));
  PetscCall(PermTestRun(pt, 0, m, count, maxall));
  CHECK(count[0].b == 0 && count[0].used == m && PermTestPValue(pt, &count[0]) == (protocol ? 0.0 : 1.0 / (m + 1)),
        "%s: nothing beats a perfect match: p = %s", name, protocol ? "0 / m" : "1 / (m + 1)");
  CHECK(count[3].done == -1 && isnan(PermTestPValue(pt, &count[3])), "%s: a constant channel has p NaN", name);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PermTestRun(pt, 10, 20, count, NULL);
  PetscCall(PetscPopErrorHandler());
  CHECK(ierr != 0, "%s: a call that skips permutations is refused", name);
  /* each channel alone: its maxnull is its own null rho; the max over channels is maxall */
  for (PetscInt c = 0; c < 3; c++) {
    PetscCall(PermTestObserve(pt, 1, x + c * n, &rho1));
    PetscCall(PetscMemzero(&one, sizeof(one)));
    PetscCall(PermTestRun(pt, 0, m, &one, maxone[c]));
    ok &= one.b == count[c].b;
  }
  CHECK(ok, "%s: counts of a channel do not depend on the other channels", name);
  ok = 1;
  for (PetscInt i = 0; i < m; i++) {
    double mx = fmax(fmax(maxone[0][i], maxone[1][i]), maxone[2][i]);
    ok &= maxall[i] == mx && maxall[i] >= maxone[1][i] && maxall[i] <= 1 + 1e-15;
  }
  CHECK(ok, "%s: maxnull is the largest null rho of every channel, exactly", name);
  PetscCall(PermTestDestroy(&pt));
  CHECK(pt == NULL, "%s: destroy clears the handle", name);

  /* sequential: an unrelated channel (rho near 0) is beaten by about half the permutations,
     so h = 3 stops it within a few of them */
  PetscCall(PermTestCreate(n, 1, layers, protocol, 5, 3, PERM_KERNEL_BEST, &pt));
  PetscCall(PermTestObserve(pt, 1, x + n, rho));
  PetscCall(PetscMemzero(&one, sizeof(one)));
  PetscCall(PermTestRun(pt, 0, m, &one, NULL));
  CHECK(one.done == 1 && one.b == 3 && one.used >= 3 && one.used < 50 &&
            PermTestPValue(pt, &one) == 3.0 / (double)one.used,
        "%s: sequential test stops at b = h = 3 after %d permutations, p = h / used", name, (int)one.used);
  PetscCall(PermTestDestroy(&pt));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Sequential stopping on 45 channels (several register blocks of every kernel) against 4
   layers: pairs stop at different permutations, so the products skip blocks of channels done
   with a layer and repack as channels retire. Every kernel, and each channel run alone
   through the BLAS kernel, gives the same counts. */
static PetscErrorCode TestKernels(void)
{
  enum { N = 30, NCH = 45, L = 4, M = 700, H = 6 };
  float x[NCH * N];
  double z[L][N], rdm[L][N * N], rho[NCH * L], rho1[L];
  const double *layers[L];
  PermCount count[PERM_KERNEL_AVX512_F32 + 1][NCH * L], one[L];
  int have[PERM_KERNEL_AVX512_F32 + 1] = {0}, same = 1, alone = 1, stopped = 0, running = 0;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < L; l++) {
    for (PetscInt i = 0; i < N; i++)
      z[l][i] = sin(0.7 * (l + 1) * i) + 0.05 * i * l;
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++)
        rdm[l][i * N + j] = fabs(z[l][i] - z[l][j]);
    layers[l] = rdm[l];
  }
  /* channels: layer features plus noise of growing size, so some pairs stop early and
     others run to the end */
  for (PetscInt c = 0; c < NCH; c++)
    for (PetscInt i = 0; i < N; i++)
      x[c * N + i] = (float)(z[c % L][i] + 0.02 * c * cos(3.1 * i * (c + 1)));
  for (int t = PERM_KERNEL_BLAS; t <= PERM_KERNEL_AVX512_F32; t++) {
    PermTest pt;
    if (t == PERM_KERNEL_BEST || !PermKernelAvailable((PermKernelType)t)) continue;
    PetscCall(PermTestCreate(N, L, layers, BA_PROTOCOL_CANONICAL, 3, H, (PermKernelType)t, &pt));
    PetscCall(PermTestObserve(pt, NCH, x, rho));
    PetscCall(PetscMemzero(count[t], sizeof(count[t])));
    PetscCall(PermTestRun(pt, 0, 300, count[t], NULL));
    PetscCall(PermTestRun(pt, 300, M, count[t], NULL));
    PetscCall(PermTestDestroy(&pt));
    have[t] = 1;
  }
  for (PetscInt c = 0; c < NCH; c++) {
    PermTest pt;
    PetscCall(PermTestCreate(N, L, layers, BA_PROTOCOL_CANONICAL, 3, H, PERM_KERNEL_BLAS, &pt));
    PetscCall(PermTestObserve(pt, 1, x + c * N, rho1));
    PetscCall(PetscMemzero(one, sizeof(one)));
    PetscCall(PermTestRun(pt, 0, M, one, NULL));
    PetscCall(PermTestDestroy(&pt));
    alone &= memcmp(one, count[0] + c * L, sizeof(one)) == 0;
  }
  for (int t = 1; t <= PERM_KERNEL_AVX512_F32; t++)
    if (have[t]) same &= memcmp(count[t], count[0], sizeof(count[0])) == 0;
  for (PetscInt k = 0; k < NCH * L; k++) {
    stopped += count[0][k].done == 1;
    running += count[0][k].done == 0;
  }
  CHECK(stopped > 20 && running > 20, "kernels: %d pairs stopped early and %d ran all %d permutations", stopped,
        running, M);
  CHECK(same, "kernels: blas%s%s%s%s give the same counts with sequential stopping", have[1] ? ", avx2" : "",
        have[2] ? ", avx512" : "", have[PERM_KERNEL_AVX2_F32] ? ", avx2_f32" : "",
        have[PERM_KERNEL_AVX512_F32] ? ", avx512_f32" : "");
  CHECK(alone, "kernels: counts do not depend on the other channels in the product");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One run of [0, M) in two calls with the given kernel: counts, maxnull (h = 0) and how many
   comparisons were decided on exact dot products. */
static PetscErrorCode ScreenRun(PetscInt n, PetscInt nch, PetscInt L, const double *const *layers, const float *x,
                                BaProtocol protocol, PetscInt h, PetscInt m, PermKernelType type, PermCount *count,
                                double *maxnull, int64_t *compared, int64_t *recomputed)
{
  PermTest pt;
  double *rho;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nch * L, &rho));
  PetscCall(PermTestCreate(n, L, layers, protocol, 17, h, type, &pt));
  PetscCall(PermTestObserve(pt, nch, x, rho));
  PetscCall(PetscMemzero(count, sizeof(*count) * nch * L));
  PetscCall(PermTestRun(pt, 0, m / 3, count, h ? NULL : maxnull));
  PetscCall(PermTestRun(pt, m / 3, m, count, h ? NULL : maxnull + m / 3));
  PermTestScreening(pt, compared, recomputed);
  PetscCall(PermTestDestroy(&pt));
  PetscCall(PetscFree(rho));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The float32-screened kernels against an exact double kernel where screening is hardest, at
   250 images, where the float32 sums do round: features with two or three levels (channels and layers), so that the
   null dot products take few values and land on the observed one again and again (ties at the threshold, which only an
   exact recomputation decides), channels that are a layer's own features (the observed rho in the far tail, maxnull
   reached by several pairs at once), and plain random channels. Both protocols, with and without sequential stopping:
   counts and maxnull bit for bit. */
static PetscErrorCode TestScreening(void)
{
  enum { N = 250, NCH = 13, L = 3, M = 160 };
  static float x[NCH * N];
  static double z[L][N], rdm[L][N * N], maxref[M], maxf[M];
  const double *layers[L];
  static PermCount ref[NCH * L], got[NCH * L];
  PermKernelType exact = PermKernelAvailable(PERM_KERNEL_AVX512) ? PERM_KERNEL_AVX512
                         : PermKernelAvailable(PERM_KERNEL_AVX2) ? PERM_KERNEL_AVX2
                                                                 : PERM_KERNEL_BLAS;
  uint64_t st          = 12345;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) {
    z[0][i] = (double)(i % 2);              /* two levels: the RDM is 0 or 1 */
    z[1][i] = (double)((i * 7) % 3);        /* three levels */
    z[2][i] = sin(0.37 * i) + 0.01 * i * i; /* no ties */
  }
  for (PetscInt l = 0; l < L; l++) {
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++)
        rdm[l][i * N + j] = fabs(z[l][i] - z[l][j]);
    layers[l] = rdm[l];
  }
  for (PetscInt c = 0; c < NCH; c++)
    for (PetscInt i = 0; i < N; i++) {
      st ^= st << 13, st ^= st >> 7, st ^= st << 17;
      x[c * N + i] = c < 4    ? (float)((st >> 40) % 2)        /* two levels */
                     : c < 7  ? (float)((st >> 40) % 3)        /* three levels */
                     : c < 10 ? (float)z[c % L][i]             /* a layer's own features */
                              : (float)((st >> 11) * 0x1p-53); /* random */
    }
  for (int protocol = 0; protocol < 2; protocol++)
    for (PetscInt h = 0; h <= 7; h += 7) {
      int64_t cmpref, recref;
      PetscCall(ScreenRun(N, NCH, L, layers, x, (BaProtocol)protocol, h, M, exact, ref, maxref, &cmpref, &recref));
      for (int t = PERM_KERNEL_AVX2_F32; t <= PERM_KERNEL_AVX512_F32; t++) {
        int64_t cmp, rec;
        int same;
        if (!PermKernelAvailable((PermKernelType)t)) continue;
        PetscCall(
            ScreenRun(N, NCH, L, layers, x, (BaProtocol)protocol, h, M, (PermKernelType)t, got, maxf, &cmp, &rec));
        same = memcmp(ref, got, sizeof(ref)) == 0 && (h || memcmp(maxref, maxf, sizeof(maxref)) == 0);
        CHECK(same && rec > 0 && recref == 0 && cmp == cmpref,
              "screening: %s, h = %d: %s gives the %s kernel's counts%s bit for bit, deciding %lld of %lld comparisons "
              "on exact dot products",
              BaProtocolNames[protocol], (int)h, PermKernelTypeNames[t], PermKernelTypeNames[exact],
              h ? "" : " and maxnull", (long long)rec, (long long)cmp);
      }
    }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* PermTestExtend: a subset of pairs taken further, from different counts, in uneven calls,
   gives each pair the counts of one PermTestRun of [0, goal) for its channel alone. */
static PetscErrorCode TestExtend(void)
{
  enum { N = 30, NCH = 20, L = 3, M0 = 150, H = 5 };
  float x[NCH * N];
  double z[L][N], rdm[L][N * N], rho[NCH * L], rho1[L];
  const double *layers[L];
  PermCount count[NCH * L], one[L];
  int64_t goal[NCH * L], hi = 0;
  PermTest pt;
  int same = 1, nstep = 0, nfar = 0;

  PetscFunctionBegin;
  for (PetscInt l = 0; l < L; l++) {
    for (PetscInt i = 0; i < N; i++)
      z[l][i] = cos(0.9 * (l + 1) * i) + 0.03 * i;
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++)
        rdm[l][i * N + j] = fabs(z[l][i] - z[l][j]);
    layers[l] = rdm[l];
  }
  for (PetscInt c = 0; c < NCH; c++)
    for (PetscInt i = 0; i < N; i++)
      x[c * N + i] = (float)(z[c % L][i] + 0.04 * c * sin(2.3 * i * (c + 1)));
  PetscCall(PermTestCreate(N, L, layers, BA_PROTOCOL_CANONICAL, 11, H, PERM_KERNEL_BEST, &pt));
  PetscCall(PermTestObserve(pt, NCH, x, rho));
  PetscCall(PetscMemzero(count, sizeof(count)));
  PetscCall(PermTestRun(pt, 0, M0, count, NULL));
  /* first round: every other pair to a goal of its own; second round: some of those further */
  for (PetscInt k = 0; k < NCH * L; k++)
    goal[k] = k % 2 ? 0 : M0 + 40 * (k % 7) + 3;
  PetscCall(PermTestExtend(pt, goal, M0 + 100, count));
  PetscCall(PermTestExtend(pt, goal, M0 + 1000, count));
  for (PetscInt k = 0; k < NCH * L; k++) {
    if (k % 3 == 0 && goal[k]) goal[k] = 900 + 13 * k;
    hi = PetscMax(hi, goal[k]);
  }
  for (PetscInt c = 1; c <= 4; c++)
    PetscCall(PermTestExtend(pt, goal, M0 + (hi - M0) * c / 4, count));
  PetscCall(PermTestDestroy(&pt));
  for (PetscInt k = 0; k < NCH * L; k++) {
    PetscInt c = k / L, l = k % L, g = (PetscInt)PetscMax((int64_t)M0, goal[k]);
    PetscCall(PermTestCreate(N, L, layers, BA_PROTOCOL_CANONICAL, 11, H, PERM_KERNEL_BLAS, &pt));
    PetscCall(PermTestObserve(pt, 1, x + c * N, rho1));
    PetscCall(PetscMemzero(one, sizeof(one)));
    PetscCall(PermTestRun(pt, 0, g, one, NULL));
    PetscCall(PermTestDestroy(&pt));
    same &= memcmp(&one[l], &count[k], sizeof(one[l])) == 0;
    nstep += count[k].done == 0 && goal[k] > M0;
    nfar += count[k].used > 900;
  }
  CHECK(same && nstep > 3 && nfar > 3,
        "extend: %d pairs taken from %d permutations to goals of their own (%d past 900) in uneven calls have the "
        "counts of one run of [0, goal) alone",
        nstep, (int)M0, nfar);
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc == 11 || argc == 12)
    PetscCall(Driver(argv));
  else {
    int nscreen =
        (PermKernelAvailable(PERM_KERNEL_AVX2_F32) ? 4 : 0) + (PermKernelAvailable(PERM_KERNEL_AVX512_F32) ? 4 : 0);
    CheckPlan(28 + nscreen);
    TestPhiloxKat();
    TestDraw();
    PetscCall(TestEngine(BA_PROTOCOL_CANONICAL));
    PetscCall(TestEngine(BA_PROTOCOL_KUZOVKIN2018));
    PetscCall(TestKernels());
    PetscCall(TestExtend());
    PetscCall(TestScreening());
  }
  PetscCall(PetscFinalize());
  return CheckDone();
}
