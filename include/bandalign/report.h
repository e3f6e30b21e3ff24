/* report.h: what a results file says, for people: tables, figures, an HTML page, and the
   check of a synthetic run against its planted truth. */
#ifndef BANDALIGN_REPORT_H
#define BANDALIGN_REPORT_H

#include <bandalign/results.h>

/* The study's threshold for an aligned ROI: p < 0.005 / 15. */
#define REPORT_ALIGNED_P BA_ALIGNED_P
#define REPORT_RIVAL_P   0.05 /* a window's alignment counts towards "best aligned" only below this p */

#define REPORT_RHO_TOLERANCE        0.1  /* a profile's alignment rho is met within this */
#define REPORT_RESPONSIVE_TOLERANCE 0.25 /* a profile's responsive count is met within this share */

/* The per-ROI profile of a truth file (truth.h, /rois): what simulate planted in each ROI and
   what the profile expects of it, compared with the run ROI by ROI. */
typedef struct {
  char name[32];                        /* "single" or "kuzovkin2018" */
  int planted_responsive[BA_NROIS];     /* channels that respond in the band */
  int planted_encoding[BA_NROIS];       /* ventral encoding channels whose code covers half the window */
  int planted_hierarchy[BA_NROIS];      /* of those, the ones whose layer follows the area */
  int expected_aligned[BA_NROIS];       /* 1, 0, or -1: no expectation */
  double expected_rho[BA_NROIS];        /* NaN: none */
  double expected_responsive[BA_NROIS]; /* NaN: none */
} ReportProfile;

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
  PetscBool has_profile;              /* the truth has a per-ROI profile */
  ReportProfile profile;              /* ... and this is it */
  PetscInt nexpected, nagree;         /* ROIs with an expected verdict, and those whose verdict agrees */
  PetscInt nrho, nrho_within;         /* ROIs with an expected rho, and those within REPORT_RHO_TOLERANCE */
  PetscInt nresponsive, nresp_within; /* ROIs with an expected responsive count, and those within tolerance */
  PetscBool pass;                     /* the verdict */
  char verdict[1024];                 /* one line saying why */
} ReportRecovery;

/* Reads a bandalign-truth file on the calling rank alone, matches its channels to the
   results' channels by (patient, name) and fills rec with ReportRecoveryCompute. A missing
   file, dataset or channel is an input error naming the file. Not collective. */
PetscErrorCode ReportRecoveryFromTruth(const Results *res, const char *truth_path, ReportRecovery *rec);

/* The recovery verdict from the planted band and layer of each results channel (-1 = none)
   and the truth's per-ROI profile (NULL: none). With a planted hierarchy, the run passes when
   the planted band has the highest alignment score (strictly: alignment rho averaged over the
   three windows, a window counting only when its alignment p < REPORT_RIVAL_P; the verdict
   names the next band by the same score, ties going to the higher mean rho), passes alignment
   p < 0.005/15 in at least one window, its false discovery proportion over the significant
   pairs of its three ROIs is at most q, and every ROI for which the profile expects a verdict
   (aligned or not) has that verdict. Without one, it passes when no band passes the
   alignment threshold. The profile's expected rho and responsive counts are compared and
   counted (within REPORT_RHO_TOLERANCE, REPORT_RESPONSIVE_TOLERANCE), not judged. Not
   collective. */
PetscErrorCode ReportRecoveryCompute(const Results *res, int hierarchy_band, const int *planted_band,
                                     const int *planted_layer, const ReportProfile *profile, ReportRecovery *rec);

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
