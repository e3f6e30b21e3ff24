/* atlas.h: labels of MNI coordinates from a NIfTI label volume (the Brodmann atlas). */
#ifndef BANDALIGN_ATLAS_H
#define BANDALIGN_ATLAS_H

#include <bandalign/bandalign.h>

#define BA_DEFAULT_ATLAS "/usr/share/mricron/templates/brodmann.nii.gz"

typedef struct _p_Atlas *Atlas;

/* Reads a label volume in MNI space (NIfTI-1, gzip allowed) through nifticlib and its own
   sform (qform where no sform is set). A missing or unreadable file is an input error.
   Not collective: each rank that needs labels opens its own copy. Free with AtlasClose. */
PetscErrorCode AtlasOpen(const char *path, Atlas *atlas);

/* Label at the voxel of the rounded MNI coordinate: the coordinate is rounded to whole mm,
   mapped through the inverse affine and rounded to the nearest voxel (0 outside). */
int AtlasLabel(Atlas atlas, const double mni[3]);

/* Voxel-to-MNI of a voxel centre, for sampling positions inside an area. */
void AtlasVoxelToMni(Atlas atlas, int i, int j, int k, double mni[3]);

/* The voxel nearest an MNI coordinate (not rounded to whole mm first; may be outside). */
void AtlasMniToVoxel(Atlas atlas, const double mni[3], int ijk[3]);

/* Volume dimensions and raw label access for samplers. */
void AtlasDims(Atlas atlas, int dims[3]);
int AtlasVoxelLabel(Atlas atlas, int i, int j, int k);

PetscErrorCode AtlasClose(Atlas *atlas);

/* The ventral stream, in order: Brodmann areas 17, 18, 19, 37, 20 (index 0..4); -1 for
   any other label. */
#define BA_NAREAS 5
extern const int BaVentralAreas[BA_NAREAS];
int AtlasVentralIndex(int label);

#endif
