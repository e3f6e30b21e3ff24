/* atlas.h: labels of MNI coordinates from a NIfTI label volume (the Brodmann atlas). */
#ifndef BANDALIGN_ATLAS_H
#define BANDALIGN_ATLAS_H

#include <bandalign/bandalign.h>

#define BA_DEFAULT_ATLAS "/usr/share/mricron/templates/brodmann.nii.gz"

typedef struct _p_Atlas *Atlas;

/* Reads a label volume in MNI space (NIfTI-1 or -2, gzip allowed) through nifticlib and its
   own sform (qform where no sform is set). A missing or unreadable file is an input error. */
PetscErrorCode AtlasOpen(const char *path, Atlas *atlas);

/* Label at the voxel of the rounded MNI coordinate (0 outside the volume). */
int AtlasLabel(Atlas atlas, const double mni[3]);

/* Voxel-to-MNI of a voxel centre, for sampling positions inside an area. */
void AtlasVoxelToMni(Atlas atlas, int i, int j, int k, double mni[3]);

/* Volume dimensions and raw label access for samplers. */
void AtlasDims(Atlas atlas, int dims[3]);
int  AtlasVoxelLabel(Atlas atlas, int i, int j, int k);

PetscErrorCode AtlasClose(Atlas *atlas);

/* The ventral stream, in order: Brodmann areas 17, 18, 19, 37, 20 (index 0..4); -1 for
   any other label. */
#define BA_NAREAS 5
extern const int BaVentralAreas[BA_NAREAS];
int              AtlasVentralIndex(int label);

#endif
