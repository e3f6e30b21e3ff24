/* report.h: what a results file says, for people: tables, figures, an HTML page, and the
   check of a synthetic run against its planted truth. */
#ifndef BANDALIGN_REPORT_H
#define BANDALIGN_REPORT_H

#include <bandalign/results.h>

/* The study's threshold for an aligned ROI: p < 0.005 / 15. */
#define REPORT_ALIGNED_P (0.005 / BA_NROIS)
#define REPORT_RIVAL_P   0.05 /* a window's alignment counts towards "best aligned" only below this p */

/* How well a run recovered the truth planted by simulate. */
typedef struct {
  int hierarchy_band;              /* band index of the planted hierarchy, -1 = none */
  double q;                        /* the results' FDR level, the FDP bound */
  double mean_rho[BA_NBANDS];      /* alignment rho averaged over the three windows */
  double score[BA_NBANDS];         /* the same average counting only windows with alignment p < REPORT_RIVAL_P */
  int best_window[BA_NBANDS];      /* window of the highest alignment rho */
  PetscBool aligned[BA_NBANDS];    /* some window has alignment p < REPORT_ALIGNED_P */
  PetscInt nsig[BA_NBANDS];        /* significant pairs over the band's three ROIs */
  PetscInt nfalse[BA_NBANDS];      /* ... whose channel has no planted encoding in the band */
  double fdp[BA_NBANDS];           /* nfalse / nsig, 0 when nsig is 0 */
  double planted_layer[BA_NAREAS]; /* mean planted layer of the area's planted channels (NaN: none) */
  double found_layer[BA_NAREAS];   /* mean layer of the area's significant pairs (NaN: none) */
  PetscInt nplanted[BA_NAREAS], nfound[BA_NAREAS];
  PetscBool pass;     /* the verdict */
  char verdict[1024]; /* one line saying why */
} ReportRecovery;

/* Reads a bandalign-truth file on the calling rank alone, matches its channels to the
   results' channels by (patient, name) and fills rec with ReportRecoveryCompute. A missing
   file, dataset or channel is an input error naming the file. Not collective. */
PetscErrorCode ReportRecoveryFromTruth(const Results *res, const char *truth_path, ReportRecovery *rec);

/* The recovery verdict from the planted band and layer of each results channel (-1 = none).
   With a planted hierarchy, the run passes when the planted band has the highest alignment
   score (strictly: alignment rho averaged over the three windows, a window counting only when
   its alignment p < REPORT_RIVAL_P; the verdict names the next band by the same score, ties
   going to the higher mean rho), passes alignment p < 0.005/15 in at least
   one window, and its false discovery proportion over the significant pairs of its three
   ROIs is at most q. Without one, it passes when no band passes the alignment threshold.
   Not collective. */
PetscErrorCode ReportRecoveryCompute(const Results *res, int hierarchy_band, const int *planted_band,
                                     const int *planted_layer, ReportRecovery *rec);

/* Writes into folder dir (created if missing): summary.csv, pairs.csv, area_layer_<roi>.csv
   for each ROI, control.csv (with a control network), the PNG figures (through gnuplot) and
   report.html, each under a temporary name renamed when complete. rec may be NULL (no
   recovery section). results_path is shown in the page. atlas is the label volume whose
   ventral areas are drawn behind the electrodes ("" or NULL: none; an unreadable file is an
   input error). A results file of protocol kuzovkin2018 gets the study's published figures
   beside its own (embedded at build time). A gnuplot failure is an error naming the figure.
   Not collective: call on one rank. */
PetscErrorCode ReportWrite(Results *res, const char *results_path, const char *dir, const ReportRecovery *rec,
                           const char *atlas);

/* Prints the summary table to stdout. Not collective. */
PetscErrorCode ReportPrintSummary(const Results *res);

#endif
