/* alignment.h: the headline metrics of one ROI (methods.md section 6) and the split-half noise
 * estimate. */
#ifndef BANDALIGN_ALIGNMENT_H
#define BANDALIGN_ALIGNMENT_H

#include <bandalign/atlas.h>
#include <bandalign/roi.h>

/* The headline numbers of one ROI (methods.md section 6). */
typedef struct {
  double alignment_rho, alignment_p; /* Spearman of area index vs layer index over significant pairs */
  double volume, specificity;        /* sum of significant rho in the five areas; share of all areas */
  PetscInt n_responsive;             /* responsive channels */
  PetscInt n_significant_pairs;      /* significant (channel, layer) pairs, all areas */
  double area_layer[BA_NAREAS * 64]; /* [BA_NAREAS][nlayers], rows BA 17, 18, 19, 37, 20 */
  int area_significant[BA_NAREAS];   /* channels of the area with at least one significant layer */
  int area_responsive[BA_NAREAS];    /* responsive channels of the area */
  double noise_median;               /* median alignment over the split-half noise estimate */
} ResultsRoiSummary;

/* Fills the summary of one ROI from its per-channel arrays: alignment_rho and alignment_p
   (Spearman of ventral area index against layer index over the multiset of significant
   (channel, layer) pairs whose channel lies in the five areas, two-sided p as
   scipy.stats.spearmanr; fewer than 3 pairs or a constant index give rho 0, p 1), volume,
   specificity, n_responsive, n_significant_pairs (all areas), area_layer [BA_NAREAS][nlayers]
   (stored with stride nlayers), area_significant and area_responsive. area_index[c] is the
   ventral index 0..4 of channel c or -1; significant and rho are [nchannels][nlayers];
   responsive is [nchannels]. noise_median is left as it is. Not collective; errors only
   when nlayers is outside 1..64 or a helper fails. */
PetscErrorCode AlignmentCompute(PetscInt nchannels, PetscInt nlayers, const int *area_index, const uint8_t *significant,
                                const double *rho, const uint8_t *responsive, ResultsRoiSummary *s);

/* Alignment rho and two-sided p of the channels c with mask[c] set (mask NULL: every
   channel), as AlignmentCompute computes them. p may be NULL. Not collective. */
PetscErrorCode AlignmentRho(PetscInt nchannels, PetscInt nlayers, const int *area_index, const uint8_t *significant,
                            const uint8_t *mask, double *rho, double *p);

/* One random split of npatients into two halves balanced by their channels in the five
   areas; patient_area_counts is [npatients][BA_NAREAS]. in_half[p] is 1 for the patients
   of the half whose alignment is measured, 0 for the others. The rule: the patients are put
   in a random order (Fisher-Yates driven by Philox4x32-10 keyed by seed, counter
   (split, step)); each in turn joins the half where the sum over areas of
   |channels in half 1 - channels in half 0| ends up smaller; on a tie, the half with fewer
   patients; on a further tie, a random bit of the same stream. Deterministic in
   (seed, split) and independent of how splits are shared between ranks. Not collective. */
PetscErrorCode AlignmentSplitHalves(PetscInt npatients, const int *patient_area_counts, uint64_t seed, PetscInt split,
                                    uint8_t *in_half);

/* Alignment rho of one half: AlignmentRho over the channels whose patient (index
   channel_patient[c] into in_half) is in the half. Not collective. */
PetscErrorCode AlignmentHalf(PetscInt nchannels, PetscInt nlayers, const int *area_index, const int *channel_patient,
                             const uint8_t *in_half, const uint8_t *significant, double *rho);

#endif
