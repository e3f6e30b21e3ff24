/* stats.h: ranks and the classical tests of the analysis, as scipy and statsmodels compute them. */
#ifndef BANDALIGN_STATS_H
#define BANDALIGN_STATS_H

#include <bandalign/bandalign.h>

/* Average ranks (1-based, ties share the mean rank) of x[n], as scipy.stats.rankdata.
   Returns sum over tie groups of (t^3 - t) in *tie_term if not NULL. */
PetscErrorCode StatsRank(PetscInt n, const double *x, double *rank, double *tie_term);

/* Spearman rho of x[n], y[n] (Pearson of average ranks), as scipy.stats.spearmanr; a
   constant input gives NaN. p (may be NULL) is the two-sided p of scipy.stats.spearmanr
   (t distribution with n - 2 degrees of freedom). */
PetscErrorCode StatsSpearman(PetscInt n, const double *x, const double *y, double *rho, double *p);

/* Two-sided Wilcoxon signed-rank p of x - y over n pairs, as scipy.stats.wilcoxon(x, y,
   zero_method='wilcox', correction=False, method='approx'). With no non-zero difference p = 1. */
PetscErrorCode StatsWilcoxon(PetscInt n, const double *x, const double *y, double *p);

/* One-sided Mann-Whitney U of x[nx] against y[ny] (alternative 'greater': x tends to be
   larger), as scipy.stats.mannwhitneyu(x, y, alternative='greater', method='asymptotic',
   use_continuity=True). */
PetscErrorCode StatsMannWhitney(PetscInt nx, const double *x, PetscInt ny, const double *y, double *U, double *p);

typedef enum { BA_FDR_BH, BA_FDR_BY } BaFdrMethod;

/* Benjamini-Hochberg or -Yekutieli over p[m] (NaN entries are left out of the family):
   qvalue[i] as statsmodels multipletests(p, q, 'fdr_bh' | 'fdr_by')[1] (NaN where p is
   NaN), reject[i] where p_i <= k q / (m c_m) for the largest such k. */
PetscErrorCode StatsFdr(PetscInt m, const double *p, BaFdrMethod method, double q, double *qvalue, PetscBool *reject);

#endif
