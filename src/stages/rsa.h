/* rsa.h: the rsa stage's own types, shared by its three files (not a public header):
 *   stage_rsa.c    options, prolog (inputs, layer RDMs, results file), the loop over ROIs, epilog
 *   rsa_roi.c      the steps of one ROI on a RoiWork
 *   rsa_adaptive.c the first m permutations under -permutation_strategy adaptive
 *   rsa_resolve.c  resolution of small p-values (rounds beyond the first m permutations)
 *   rsa_rdms.c     -save_rdms: the layer and channel RDMs as rsatoolbox files */
#ifndef BANDALIGN_STAGE_RSA_H
#define BANDALIGN_STAGE_RSA_H

#include <bandalign/alignment.h>
#include <bandalign/atlas.h>
#include <bandalign/checkpoint.h>
#include <bandalign/cohort.h>
#include <bandalign/comm.h>
#include <bandalign/network.h>
#include <bandalign/permtest.h>
#include <bandalign/results.h>

typedef enum { CORRECTION_BH, CORRECTION_BY, CORRECTION_MAXSTAT, CORRECTION_NONE } Correction;
extern const char *const CorrectionNames[];
typedef enum { STRATEGY_FULL, STRATEGY_ADAPTIVE } PermStrategy;
extern const char *const StrategyNames[];

typedef struct {
  BaContext ctx;                          /* common options */
  char features[16 * PETSC_MAX_PATH_LEN]; /* -features F[,F...] */
  char network[PETSC_MAX_PATH_LEN];       /* -network F */
  char control[PETSC_MAX_PATH_LEN];       /* -control_network F: the same network untrained ("" = none) */
  char atlas[PETSC_MAX_PATH_LEN];         /* -atlas F: label volume in MNI space */
  char save_rdms[PETSC_MAX_PATH_LEN];     /* -save_rdms DIR: layer and channel RDMs as rsatoolbox files */
  CheckpointSettings checkpoint;          /* -checkpoint F, -checkpoint_interval; the settings it is valid for */
  PetscBool resume;                       /* -resume: continue from the checkpoint */
  PetscInt permutations;                  /* -permutations m */
  PetscInt permutations_max;              /* -permutations_max M: resolution limit of small p (m = off) */
  int kernel;                             /* -permtest_kernel: PermKernelType */
  PetscInt stop_extension; /* -checkpoint_stop_extension N: fail after N checkpoints in extension (tests) */
  PetscInt sequential_h;   /* -sequential h: Besag-Clifford stop (0 = off) */
  int strategy;            /* -permutation_strategy: PermStrategy */
  PetscReal adaptive_delta; /* -adaptive_delta: chance that any discovery differs from full */
  PetscInt perm_chunk;     /* -perm_chunk: permutations between progress/checkpoints */
  PetscInt channel_chunk;  /* -channel_chunk: channels ranked and permuted together */
  int correction;          /* -correction */
  PetscReal q;             /* -q: FDR (or FWER) level */
  PetscReal alpha;         /* -alpha: level of -correction none */
  PetscReal responsive_q;  /* -responsive_q: BH level of the responsiveness test */
  int distance;            /* -distance */
  PetscInt noise_splits;   /* -noise_splits */
  PetscInt blas_threads;   /* -blas_threads: OpenBLAS threads per rank (0 = cores / ranks) */
} RsaOptions;

/* A network the ROIs are tested against: the trained one (-network) or its control
   (-control_network), each with its own layer RDMs, permutation engine and counts. */
typedef struct {
  const char *path;
  Network net;
  double **rdm;           /* [nl][n * n] layer RDMs in analysis image order */
  PermTest pt;            /* ranks of the layer RDMs and the permutation stream */
  RsaState st;            /* counts of every ROI so far */
  PetscBool checkpointed; /* its counts go to -checkpoint (the trained network's only) */
} RsaNet;

/* What the whole run shares: inputs, the networks, the output. Set up by the prolog, read
   by every ROI. */
typedef struct {
  RsaOptions o;
  Cohort c;
  RsaNet trained, control; /* control used when o.control[0] */
  Atlas atlas;
  Results res;
  PetscInt n, nl;                /* images, layers */
  double *layer_corr;            /* [nl * nl] of the trained network */
  int *area_index;               /* [c.n] ventral area index 0..4 or -1 */
  uint8_t *responsive;           /* [c.n] of the ROI being worked on */
  PetscInt *resp;                /* [c.n] scratch: the ROI's responsive channels */
  double *noise[BA_NROIS];       /* [noise_splits] split-half alignment of each ROI */
  double t0;                     /* start of the stage */
} Rsa;

/* The responsive channels of a ROI and this rank's share of them. */
typedef struct {
  PetscInt nresp;          /* responsive channels in the cohort */
  PetscInt *resp;          /* [nresp] their global indices, ascending */
  PetscInt rlo, rhi;       /* my responsive channels: resp[rlo..rhi) */
  PetscInt row_lo, row_hi; /* my rows of the output: every channel between my first and the next rank's first */
} RoiSplit;

/* One ROI against one network on its way through the steps of rsa_roi.c. Pair k of a
   channel j is j * nl + l. */
typedef struct {
  int roi;
  char name[64];
  RsaNet *net;                /* the network tested */
  RoiSplit split;
  PetscInt nloc;              /* my responsive channels (rhi - rlo) */
  float *x;                   /* [nloc][n] their features */
  PetscBool borrowed_x;       /* x belongs to the trained network's RoiWork */
  double *rho, *pv;           /* [nloc * nl] my pairs' observed rho and p */
  PetscInt nall;              /* pairs of the ROI */
  double *all_rho, *all_p;    /* [nall] gathered on every rank */
  double *qv;                 /* [nall] corrected */
  PetscBool *reject;          /* [nall] */
  PermCount *all_count;       /* [nall] gathered counts */
  int64_t *all_goal;          /* [nall] gathered extension goals */
  PetscInt nextended, maxused; /* pairs taken beyond m, the most permutations of a pair */
  PetscInt nsettled, nprobable; /* adaptive: pairs settled before m, of them by a probability bound */
  double perms_run;             /* permutations run over the ROI's pairs (sum of used) */
  ResultsRoiSummary sum;
} RoiWork;

/* rsa_roi.c: the steps of one ROI, in order */
PetscErrorCode RoiBegin(Rsa *rsa, int roi, RoiWork *w);       /* responsiveness, split, features, resume */
PetscErrorCode RoiBeginControl(Rsa *rsa, const RoiWork *w, RoiWork *wc); /* the same channels, the control */
PetscErrorCode RoiPermute(Rsa *rsa, RoiWork *w);              /* the first m permutations of my pairs */
PetscErrorCode RoiPermuteAdaptive(Rsa *rsa, RoiWork *w);      /* the same, -permutation_strategy adaptive (rsa_adaptive.c) */
PetscErrorCode RoiCorrect(Rsa *rsa, RoiWork *w);              /* gather, correct, resolve small p */
PetscErrorCode RoiWriteRows(Rsa *rsa, const RoiWork *w);      /* my rows of the results file */
PetscErrorCode RoiAlign(Rsa *rsa, RoiWork *w);                /* anatomy, alignment, noise, summary */
PetscErrorCode RoiAlignControl(Rsa *rsa, RoiWork *wc);        /* the control's alignment and summary */
PetscErrorCode RoiEnd(RoiWork *w);

/* After a checkpoint written on a stop request: the one-line stop, exit BA_EXIT_STOPPED. */
PetscErrorCode RsaStopped(const Rsa *rsa);

/* Every rank's n counts, in rank order, on every rank (*all PetscMalloc'd). Collective. */
PetscErrorCode RsaGatherCounts(MPI_Comm comm, PetscInt n, const PermCount *mine, PetscInt *nall, PermCount **all);

/* Corrected q-values and significance of a ROI family, identical on every rank. */
PetscErrorCode RsaCorrect(const RsaOptions *o, PetscInt n, const double *p, double *qv, PetscBool *reject);

/* rsa_resolve.c: selects the pairs whose decision more permutations could change and sets
   their goals (*nsel selected); takes every pair below its goal there. */
PetscErrorCode ResolveSelect(const RsaOptions *o, PetscInt nall, const double *p, const PermCount *count,
                             const PetscBool *reject, int64_t *goal, PetscInt *nsel);
PetscErrorCode ResolveRun(Rsa *rsa, RoiWork *w);

/* rsa_rdms.c (nothing without -save_rdms): DIR/layers.h5 (epilog) and DIR/channels_<roi>.h5
   (after RoiBegin). Collective. */
PetscErrorCode RsaSaveLayerRdms(Rsa *rsa);
PetscErrorCode RsaSaveChannelRdms(Rsa *rsa, const RoiWork *w);

#endif
