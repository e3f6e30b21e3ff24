/* spectral_corr.h: the local-correlation sums of spectral.c (CorrLanes), written once and
 * included by spectral.c once per instruction set. The includer defines:
 *
 *   CORR_NAME(f)     the name of function f in this instance (f##Avx512, ...)
 *   CORR_TARGET      the instance's function attribute (target ISA), or nothing
 *   LV, LV_WIDTH     the vector type and its number of doubles (lanes)
 *   LV_LOAD(p), LV_STORE(p, v), LV_SPLAT(x), LV_ZERO
 *   LV_FMA(a, b, c)  a b + c, rounded once
 *   LV_FNMA(a, b, c) c - a b, rounded once
 *   LV_KEEP(v)       keeps v in a register (else the compiler folds one load into every
 *                    FMA that uses it, and the loads, not the FMAs, set the pace)
 *
 * Every instance does, lane by lane, the same FMAs in the same order, so all give the same
 * bits; they differ only in how many lanes one instruction carries. Data are laid out
 * [position][CORR_LANES] doubles and an instance takes the lanes o .. o + LV_WIDTH - 1. */

/* Row u = -H of the tile, lags d0 + j, j < dn, for the range lo..hi: t[j] = sum_{n = lo..hi}
   x(n - H) x(n - H + d0 + j), x(n - H) vanishing for n < H; lags in blocks of 8 held in
   registers (the block reads up to 7 samples past the last lag: xp has room). */
CORR_TARGET static void CORR_NAME(CorrFirstRow)(int H, int lo, int hi, int d0, int dn, const double *xp, double *t)
{
  for (int j0 = 0; j0 < dn; j0 += 8) {
    LV r0 = LV_ZERO, r1 = LV_ZERO, r2 = LV_ZERO, r3 = LV_ZERO, r4 = LV_ZERO, r5 = LV_ZERO, r6 = LV_ZERO, r7 = LV_ZERO;

    for (int n = PetscMax(lo, H); n <= hi; n++) {
      const LV a       = LV_LOAD(xp + (n - H) * CORR_LANES);
      const double *xs = xp + (n - H + d0 + j0) * CORR_LANES;
      r0               = LV_FMA(a, LV_LOAD(xs), r0);
      r1               = LV_FMA(a, LV_LOAD(xs + CORR_LANES), r1);
      r2               = LV_FMA(a, LV_LOAD(xs + 2 * CORR_LANES), r2);
      r3               = LV_FMA(a, LV_LOAD(xs + 3 * CORR_LANES), r3);
      r4               = LV_FMA(a, LV_LOAD(xs + 4 * CORR_LANES), r4);
      r5               = LV_FMA(a, LV_LOAD(xs + 5 * CORR_LANES), r5);
      r6               = LV_FMA(a, LV_LOAD(xs + 6 * CORR_LANES), r6);
      r7               = LV_FMA(a, LV_LOAD(xs + 7 * CORR_LANES), r7);
    }
    {
      const LV r[8] = {r0, r1, r2, r3, r4, r5, r6, r7};
      for (int j = 0; j < 8 && j0 + j < dn; j++)
        LV_STORE(t + (j0 + j) * BA_NSUMS * CORR_LANES, r[j]);
    }
  }
}

/* acc[b][s] += sum_{j0 <= j < j1} k[b][j] t_s[j] for nb <= 4 sub-bins b (a constant where
   it is inlined) over the tile's four rows t_s. */
CORR_TARGET static inline __attribute__((always_inline)) void
CORR_NAME(CorrBlock)(const double *tile, int j0, int j1, int nb, const double *const *k, double *const *acc)
{
  LV a[4][BA_NSUMS];

  for (int b = 0; b < nb; b++)
    for (int s = 0; s < BA_NSUMS; s++)
      a[b][s] = LV_LOAD(acc[b] + s * CORR_LANES);
  for (int j = j0; j < j1; j++) {
    const double *tj = tile + j * BA_NSUMS * CORR_LANES;
    LV t0 = LV_LOAD(tj), t1 = LV_LOAD(tj + CORR_LANES), t2 = LV_LOAD(tj + 2 * CORR_LANES),
       t3 = LV_LOAD(tj + 3 * CORR_LANES);

    if (nb > 1) {
      LV_KEEP(t0);
      LV_KEEP(t1);
      LV_KEEP(t2);
      LV_KEEP(t3);
    }
    for (int b = 0; b < nb; b++) {
      const LV kj = LV_SPLAT(k[b][j]);
      a[b][0]     = LV_FMA(kj, t0, a[b][0]);
      a[b][1]     = LV_FMA(kj, t1, a[b][1]);
      a[b][2]     = LV_FMA(kj, t2, a[b][2]);
      a[b][3]     = LV_FMA(kj, t3, a[b][3]);
    }
  }
  for (int b = 0; b < nb; b++)
    for (int s = 0; s < BA_NSUMS; s++)
      LV_STORE(acc[b] + s * CORR_LANES, a[b][s]);
}

/* acc[b][s] += sum_{j < len[b]} k[b][j] t_s[j] for nb <= 4 sub-bins, len[] not increasing:
   the lags all of them reach four at a time, then those fewer reach. */
CORR_TARGET static void CORR_NAME(CorrProducts)(const double *tile, int nb, const int *len, const double *const *k,
                                                double *const *acc)
{
  int j = 0;

  for (int m = nb; m > 0; m--) {
    switch (m) {
    case 4:
      CORR_NAME(CorrBlock)(tile, j, len[3], 4, k, acc);
      break;
    case 3:
      CORR_NAME(CorrBlock)(tile, j, len[2], 3, k, acc);
      break;
    case 2:
      CORR_NAME(CorrBlock)(tile, j, len[1], 2, k, acc);
      break;
    default:
      CORR_NAME(CorrBlock)(tile, j, len[0], 1, k, acc);
    }
    j = PetscMax(j, len[m - 1]);
  }
}

/* The tile's four rows from row u to row u + 1 over their first len lags, t_s[j] += x(hi_s + 1
   + u) x(hi_s + 1 + u + d0 + j) - x(lo_s + u) x(lo_s + u + d0 + j), and the new rows taken
   against k (acc) and over the first len2 <= len lags against k2 (acc2). */
CORR_TARGET static void CORR_NAME(CorrStep)(const int *lo, const int *hi, int u, int d0, const double *xp, double *tile,
                                            int len, const double *k, double *acc, int len2, const double *k2,
                                            double *acc2)
{
  LV a[BA_NSUMS], b[BA_NSUMS], p[BA_NSUMS], q[BA_NSUMS];
  const double *xa[BA_NSUMS], *xb[BA_NSUMS];

  for (int s = 0; s < BA_NSUMS; s++) {
    a[s]  = LV_LOAD(xp + (lo[s] + u) * CORR_LANES);
    b[s]  = LV_LOAD(xp + (hi[s] + 1 + u) * CORR_LANES);
    xa[s] = xp + (lo[s] + u + d0) * CORR_LANES;
    xb[s] = xp + (hi[s] + 1 + u + d0) * CORR_LANES;
    p[s]  = LV_LOAD(acc + s * CORR_LANES);
    q[s]  = len2 > 0 ? LV_LOAD(acc2 + s * CORR_LANES) : LV_ZERO;
  }
  for (int j = 0; j < len2; j++) {
    const LV kj = LV_SPLAT(k[j]), qj = LV_SPLAT(k2[j]);
    for (int s = 0; s < BA_NSUMS; s++) {
      double *ts = tile + (j * BA_NSUMS + s) * CORR_LANES;
      LV t       = LV_FMA(b[s], LV_LOAD(xb[s] + j * CORR_LANES), LV_LOAD(ts));
      t          = LV_FNMA(a[s], LV_LOAD(xa[s] + j * CORR_LANES), t);
      LV_STORE(ts, t);
      p[s] = LV_FMA(kj, t, p[s]);
      q[s] = LV_FMA(qj, t, q[s]);
    }
  }
  for (int j = PetscMax(len2, 0); j < len; j++) {
    const LV kj = LV_SPLAT(k[j]);
    for (int s = 0; s < BA_NSUMS; s++) {
      double *ts = tile + (j * BA_NSUMS + s) * CORR_LANES;
      LV t       = LV_FMA(b[s], LV_LOAD(xb[s] + j * CORR_LANES), LV_LOAD(ts));
      t          = LV_FNMA(a[s], LV_LOAD(xa[s] + j * CORR_LANES), t);
      LV_STORE(ts, t);
      p[s] = LV_FMA(kj, t, p[s]);
    }
  }
  for (int s = 0; s < BA_NSUMS; s++) {
    LV_STORE(acc + s * CORR_LANES, p[s]);
    if (len2 > 0) LV_STORE(acc2 + s * CORR_LANES, q[s]);
  }
}

/* Products of row u of the tile with the rows of K of the sub-bins first, first + 1, ...
   that reach it, four at a time. */
CORR_TARGET static void CORR_NAME(CorrRow)(const Corr *c, int first, int u, int d0, int dn, const double *tile,
                                           double *acc)
{
  const int au = u < 0 ? -u : u;

  for (int i = first; i < c->nbin; i += 4) {
    int len[4], nb = 0;
    const double *k[4];
    double *a[4];

    for (; nb < 4 && i + nb < c->nbin && c->half[i + nb] >= au; nb++) {
      const int h = c->half[i + nb];

      len[nb] = PetscMin(dn, h - u + 1 - d0);
      if (len[nb] <= 0) break;
      k[nb] = c->K[i + nb] + CorrRowStart(h, u) + d0;
      a[nb] = acc + (i + nb) * BA_NSUMS * CORR_LANES;
    }
    if (!nb) break;
    CORR_NAME(CorrProducts)(tile, nb, len, k, a);
  }
}

/* The sums of lanes o .. o + LV_WIDTH - 1 (CorrLanes in spectral.c): acc[(i BA_NSUMS + s)
   CORR_LANES + l] = <K_i, C_s> of lane l. */
CORR_TARGET static void CORR_NAME(CorrLanes)(const Corr *c, const int *lo, const int *hi, int o, const double *xp,
                                             double *tile, double *acc)
{
  const int H = c->H;

  xp += o;
  tile += o;
  acc += o;
  for (int i = 0; i < c->nbin * BA_NSUMS; i++)
    LV_STORE(acc + i * CORR_LANES, LV_ZERO);
  for (int d0 = 0; d0 <= 2 * H; d0 += CORR_TILE) {
    const int dn = PetscMin(CORR_TILE, 2 * H + 1 - d0);

    for (int s = 0; s < BA_NSUMS; s++)
      CORR_NAME(CorrFirstRow)(H, lo[s], hi[s], d0, dn, xp, tile + s * CORR_LANES);
    CORR_NAME(CorrRow)(c, 0, -H, d0, dn, tile, acc);
    /* row u + 1 from row u: its lags d < H - u; the longest sub-bin (half H) takes all of
       them, the next one those it reaches */
    for (int u = -H; u < H - d0; u++) {
      const int v = u + 1, len = PetscMin(dn, H - u - d0);
      const double *k0 = c->K[0] + CorrRowStart(H, v) + d0, *k1 = NULL;
      int len2 = 0;

      if (c->nbin > 1 && c->half[1] >= (v < 0 ? -v : v)) len2 = PetscMax(0, PetscMin(dn, c->half[1] - v + 1 - d0));
      if (len2) k1 = c->K[1] + CorrRowStart(c->half[1], v) + d0;
      CORR_NAME(CorrStep)(lo, hi, u, d0, xp, tile, len, k0, acc, len2, k1, acc + BA_NSUMS * CORR_LANES);
      CORR_NAME(CorrRow)(c, 2, v, d0, dn, tile, acc);
    }
  }
}
