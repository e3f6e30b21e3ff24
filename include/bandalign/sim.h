/* sim.h: the synthetic SEEG cohort: stimuli, electrode geometry with planted truth, a
   hierarchical network model and the signals of every channel (docs/simulator.md). */
#ifndef BANDALIGN_SIM_H
#define BANDALIGN_SIM_H

#include <bandalign/atlas.h>
#include <bandalign/rng.h>
#include <bandalign/roi.h>

#define SIM_NLAYERS   9
#define SIM_SFREQ     512.0
#define SIM_NSAMPLES  768
#define SIM_ONSET     256
#define SIM_NPROJ     16 /* principal components per layer from which channel codes are mixed */
#define SIM_NBURST    4  /* frequencies of a channel's burst (one per trial) */
#define SIM_NCATEGORY 5

/* Profiles of what is planted (sim_profile.c). */
typedef enum { SIM_PROFILE_SINGLE, SIM_PROFILE_KUZOVKIN2018 } SimProfileKind;
extern const char *const SimProfileNames[]; /* "single", "kuzovkin2018", NULL: for the option */

/* Encoding time courses: when after onset a channel's burst carries its code. */
enum { SIM_COURSE_FULL, SIM_COURSE_EARLY, SIM_COURSE_MIDDLE, SIM_COURSE_LATE, SIM_NCOURSES };

extern const char *const SimLayerNames[SIM_NLAYERS];
extern const double SimStudyLayerWidth[SIM_NLAYERS]; /* CaffeNet's widths (methods.md 4) */

/* Everything the options decide (stage_simulate.c documents each as an option). */
typedef struct {
  uint32_t seed;             /* key of every random stream */
  PetscInt npatients;        /* patients in the cohort */
  PetscInt nchannels;        /* bipolar channels in all (split over patients) */
  PetscInt nimages;          /* images, a multiple of 5 */
  int profile;               /* SimProfileKind: what is planted where */
  int hierarchy_band;        /* band index 0..4 carrying the ventral hierarchy, BA_NBANDS = none */
  double layer_scale;        /* fraction of the study's layer widths */
  double ventral_share;      /* fraction of channels in BA 17, 18, 19, 37, 20 */
  double gain_min, gain_max; /* range of the encoding gain g */
  double target_share;       /* extra target trials (stimulus -1) per image */
} SimParams;

/* The simulator's stream of (seed, patient, channel, trial, stream tag): BaRngSimulator
   (rng.h) with a spare normal. */
typedef struct {
  BaRng rng;
  int has_spare; /* Box-Muller makes normals in pairs */
  double spare;
} SimRng;

enum {
  SIM_STREAM_COHORT = 1,
  SIM_STREAM_PARAMS,
  SIM_STREAM_STIMULI,
  SIM_STREAM_NETWORK,
  SIM_STREAM_NOISE,
  SIM_STREAM_LINE,
  SIM_STREAM_BURST,
  SIM_STREAM_ERP,
  SIM_STREAM_ARTIFACT,
  SIM_STREAM_PROJECTION
};
#define SIM_GLOBAL 0xFFFFFFFFu /* the "patient" (or trial) of streams that belong to no patient (trial) */

void SimRngInit(SimRng *r, uint32_t seed, uint32_t patient, uint32_t channel, uint32_t trial, uint32_t stream);
double SimRngUniform(SimRng *r); /* in (0, 1) */
double SimRngNormal(SimRng *r);
void SimRngNormalPair(SimRng *r, double *a, double *b);
int SimRngInt(SimRng *r, int n); /* in [0, n) */

/* The images and the order of trials (the same for every patient). */
typedef struct {
  PetscInt nimages;
  char **name;   /* [nimages], in name order (AA01.., H01.., SCEE01.., T01.., V01..) */
  int *category; /* [nimages], the study's codes: 10 houses, 20 faces, 30 animals, 40 scenes, 50
                    tools */
  PetscInt ntrials;
  int *stimulus; /* [ntrials]: image index, -1 for a target trial */
} SimStimuli;

/* 250 images: the study's presentation order (generated from data/kuzovkin2018). */
extern const char *const SimStudySequence[250];

/* Fills the stimuli: with 250 images the study's names and order, otherwise names in the
   study's pattern and a seeded order; target trials are inserted at seeded positions. */
PetscErrorCode SimStimuliCreate(const SimParams *par, SimStimuli *st);
PetscErrorCode SimStimuliDestroy(SimStimuli *st);

/* One bipolar channel: where it is and what was planted in it. */
typedef struct {
  PetscInt patient;      /* patient index */
  PetscInt local;        /* index within the patient */
  char name[16];         /* "B3-B4" */
  double mni[3];         /* midpoint of the two contacts */
  int area;              /* Brodmann label at the rounded midpoint, 0 = none */
  int band;              /* planted band (index into BaBands), -1 none */
  int layer;             /* planted layer, -1 none */
  int hierarchy;         /* the layer follows the area along the ventral stream */
  int course;            /* encoding time course (SIM_COURSE_*) */
  int outer_layer;       /* a random layer coded before and after a middle course, -1 none */
  double gain;           /* encoding gain g (0 when not encoding) */
  double power_increase; /* mean relative band-power increase R after onset */
  double burst_hz[SIM_NBURST];
  double noise_sd;       /* background standard deviation (uV) */
  double noise_exponent; /* 1/f^beta exponent of the background power */
  double line_amp;       /* 50 Hz amplitude (uV) */
  double erp_amp;        /* evoked response amplitude (uV), 0 on non-visual channels */
  double artifact_rate;  /* probability of an artifact per trial */
} SimChannel;

typedef struct {
  PetscInt npatients;
  char (*patient_id)[16]; /* [npatients] "P001".. */
  PetscInt *first;        /* [npatients + 1]: global index of each patient's first channel */
  PetscInt nchannels;
  SimChannel *ch; /* [nchannels] */
  PetscInt area_count[BA_NAREAS];
} SimCohort;

/* A profile: per band, who responds, who encodes and what (sim_profile.c). Ventral channels
   are those in BA 17, 18, 19, 37, 20. A channel responds in at most one band. */
typedef struct {
  double ventral_band[BA_NBANDS];     /* probability that a ventral channel responds in band b */
  double other_band[BA_NBANDS];       /* the same for every other channel */
  double ventral_encoding[BA_NBANDS]; /* probability that a ventral responding channel encodes a layer */
  double other_encoding[BA_NBANDS];   /* the same for every other channel (a random layer) */
  double hierarchy[BA_NBANDS];        /* share of ventral encoding channels whose layer follows the area */
  double response[BA_NBANDS];         /* factor on the power increase R of the band's channels */
  double gain[BA_NBANDS];             /* factor on the encoding gain g of the band's channels */
  double course_hierarchy[BA_NBANDS][SIM_NCOURSES]; /* encoding time course of those */
  double course_random[BA_NBANDS][SIM_NCOURSES];    /* and of the encoding channels with a random layer */
  double outer[BA_NBANDS]; /* share of hierarchy channels with a middle course that code a random
                              layer before and after it (SimOuterWeights) */
} SimProfile;

/* The study's published figures of one ROI (data/kuzovkin2018/published-figures.tsv). */
typedef struct {
  int responsive;
  double rho, p; /* alignment; p 0.0001 stands for below 1e-4 */
} SimPublishedRoi;
extern const SimPublishedRoi SimPublished[BA_NROIS]; /* band order, then window order */

/* What was planted for one ROI, and what the profile expects of it (truth.h5 /rois). */
typedef struct {
  int responsive;             /* channels that respond in the band (all windows) */
  int encoding;               /* ventral encoding channels of the band whose code covers half the window */
  int hierarchy;              /* of those, the ones whose layer follows the area */
  int expected_aligned;       /* 1, 0, or -1: no expectation (profile single) */
  double expected_rho;        /* kuzovkin2018: the published alignment rho where it was aligned, else NaN */
  double expected_responsive; /* kuzovkin2018: the published count scaled to the cohort's channels, else NaN */
} SimRoiPlan;

/* The profile of par (par->profile, and par->hierarchy_band for single). */
void SimProfileGet(const SimParams *par, SimProfile *prof);

/* Draws what is planted in channel c (its area set) from its own stream. */
void SimPlantChannel(const SimParams *par, const SimProfile *prof, SimChannel *c);

/* The weight of the code in each sample of an epoch [SIM_NSAMPLES] for a time course. */
void SimCourseWeights(int course, double *w);
/* The weight of the outer code [SIM_NSAMPLES]: before and after the middle course. */
void SimOuterWeights(double *w);

/* Per ROI: what the cohort holds and what the profile expects. */
void SimRoiPlanCompute(const SimParams *par, const SimCohort *co, SimRoiPlan plan[BA_NROIS]);

/* Places every patient's shafts in the atlas and plants the truth. Deterministic, not
   collective: every rank builds the same (small) cohort. */
PetscErrorCode SimCohortCreate(const SimParams *par, Atlas atlas, SimCohort *co);
PetscErrorCode SimCohortDestroy(SimCohort *co);

/* The network model: activations of the 9 layers and, per layer, the scores of its SIM_NPROJ
   leading principal components (the first with unit SD, the others in proportion). */
typedef struct {
  PetscInt nimages;
  PetscInt nfeatures[SIM_NLAYERS];
  float *act[SIM_NLAYERS]; /* [nimages][nfeatures[l]] */
  double *proj;            /* [SIM_NLAYERS][SIM_NPROJ][nimages] */
} SimNetwork;

/* Builds the network for the stimuli (a kernel: no MPI). */
PetscErrorCode SimNetworkCreate(const SimParams *par, const SimStimuli *st, SimNetwork *net);

/* The control network of the study: the same architecture and images untrained (other
   random weights, no category templates). The channels encode the trained network only. */
PetscErrorCode SimNetworkCreateUntrained(const SimParams *par, const SimStimuli *st, SimNetwork *net);
PetscErrorCode SimNetworkDestroy(SimNetwork *net);

/* Spearman correlations between the layers' Euclidean RDMs [SIM_NLAYERS][SIM_NLAYERS], and
   per layer the category index: mean between-category over mean within-category distance. */
PetscErrorCode SimNetworkRdmCorrelation(const SimNetwork *net, const SimStimuli *st, double *corr,
                                        double *category_index);

/* Signal generator of one channel (owns FFTW plans and buffers). */
typedef struct _p_SimSignal *SimSignal;

PetscErrorCode SimSignalCreate(SimSignal *sig);
PetscErrorCode SimSignalDestroy(SimSignal *sig);

/* The channel's standardised image code z [nimages] from its planted layer's projections
   (zeros when it encodes nothing). */
void SimChannelCode(const SimParams *par, const SimChannel *c, PetscInt nimages, const double *proj, double *z);

/* Writes channel c's epochs as float [ntrials][SIM_NSAMPLES]. Deterministic. */
PetscErrorCode SimSignalChannel(SimSignal sig, const SimParams *par, const SimStimuli *st, const SimChannel *c,
                                const double *proj, float *out);

#endif
