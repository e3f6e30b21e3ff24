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

/* The largest |x|, |y|, |z| (mm) of a plausible MNI coordinate. The 1 mm MNI152 template's
   box, scalp included, is x -91..90, y -126..91, z -72..109 mm; 200 mm on every axis leaves
   room for other MNI templates and for registration error, and still refuses coordinates
   in micrometres, sentinels (-999, 9999) and garbage. */
#define BA_MNI_MAX_MM 200.0

/* Every coordinate that enters the program passes here (dataset, features and results
   files, the importers): an input error on comm unless each of the n rows of xyz
   ([n][3], mm) is finite and within BA_MNI_MAX_MM on every axis. The message names file,
   what ("/channels/mni"), the first bad row (numbered from base: 0 for HDF5 rows, 1 for
   MATLAB's or a table's) and its name (names may be NULL). Collective on comm when every
   rank passes the same rows, which all callers do. */
PetscErrorCode MniCheck(MPI_Comm comm, const char *file, const char *what, PetscInt n, const double *xyz,
                        char *const *names, PetscInt base);

/* The ventral stream, in order: Brodmann areas 17, 18, 19, 37, 20 (index 0..4); -1 for
   any other label. */
#define BA_NAREAS 5
extern const int BaVentralAreas[BA_NAREAS];
int AtlasVentralIndex(int label);

#endif
