/* atlas.c: Brodmann labels of MNI coordinates, through nifticlib.
 *
 * The whole label volume is kept as int (the 1 mm MNI atlas is 7 M voxels, 28 MB): the
 * simulator samples voxels of an area and looks up every contact, and the rsa stage looks
 * up every channel, so a flat array with one index computation per lookup is the simplest
 * thing that is fast enough. The voxel-to-MNI map is the file's sform (qform where no sform
 * code is set), inverted once in double precision. */
#include <bandalign/atlas.h>
#include <bandalign/context.h>
#include <math.h>
#include <nifti/nifti1_io.h>
#include <unistd.h>

const int BaVentralAreas[BA_NAREAS] = {17, 18, 19, 37, 20};

struct _p_Atlas {
  int dims[3];
  int *label;     /* [dims[2]][dims[1]][dims[0]], i fastest as NIfTI stores it */
  double xyz[12]; /* voxel (i, j, k, 1) -> MNI, rows of a 3x4 matrix */
  double ijk[12]; /* MNI (x, y, z, 1) -> voxel */
};

/* Inverts the affine 3x4 map a (last row 0 0 0 1 implied) into b. Returns 0 when singular. */
static int AffineInvert(const double a[12], double b[12])
{
  const double m00 = a[0], m01 = a[1], m02 = a[2], m10 = a[4], m11 = a[5], m12 = a[6], m20 = a[8], m21 = a[9],
               m22 = a[10];
  const double det = m00 * (m11 * m22 - m12 * m21) - m01 * (m10 * m22 - m12 * m20) + m02 * (m10 * m21 - m11 * m20);
  double r[9];

  if (fabs(det) < 1e-12) return 0;
  r[0] = (m11 * m22 - m12 * m21) / det;
  r[1] = (m02 * m21 - m01 * m22) / det;
  r[2] = (m01 * m12 - m02 * m11) / det;
  r[3] = (m12 * m20 - m10 * m22) / det;
  r[4] = (m00 * m22 - m02 * m20) / det;
  r[5] = (m02 * m10 - m00 * m12) / det;
  r[6] = (m10 * m21 - m11 * m20) / det;
  r[7] = (m01 * m20 - m00 * m21) / det;
  r[8] = (m00 * m11 - m01 * m10) / det;
  for (int i = 0; i < 3; i++) {
    b[4 * i + 0] = r[3 * i + 0];
    b[4 * i + 1] = r[3 * i + 1];
    b[4 * i + 2] = r[3 * i + 2];
    b[4 * i + 3] = -(r[3 * i + 0] * a[3] + r[3 * i + 1] * a[7] + r[3 * i + 2] * a[11]);
  }
  return 1;
}

PetscErrorCode AtlasOpen(const char *path, Atlas *atlas)
{
  nifti_image *nim;
  Atlas a;
  size_t n;
  mat44 m;

  PetscFunctionBegin;
  *atlas = NULL;
  PetscCheck(access(path, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "%s: cannot open (no such file or not readable)", path);
  nifti_set_debug_level(0);
  nim = nifti_image_read(path, 1);
  PetscCheck(nim && nim->data, PETSC_COMM_SELF, BA_ERR_INPUT, "%s: not a readable NIfTI-1 volume", path);
  if (nim->ndim < 3 || nim->nx < 1 || nim->ny < 1 || nim->nz < 1 || (nim->sform_code <= 0 && nim->qform_code <= 0)) {
    nifti_image_free(nim);
    SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "%s: not a 3-D label volume with an sform or qform", path);
  }
  PetscCall(PetscNew(&a));
  a->dims[0] = nim->nx;
  a->dims[1] = nim->ny;
  a->dims[2] = nim->nz;
  n          = (size_t)nim->nx * nim->ny * nim->nz;
  PetscCall(PetscMalloc1(n, &a->label));
  for (size_t v = 0; v < n; v++) {
    double x;
    switch (nim->datatype) {
    case DT_UINT8:
      x = ((const unsigned char *)nim->data)[v];
      break;
    case DT_INT8:
      x = ((const signed char *)nim->data)[v];
      break;
    case DT_INT16:
      x = ((const short *)nim->data)[v];
      break;
    case DT_UINT16:
      x = ((const unsigned short *)nim->data)[v];
      break;
    case DT_INT32:
      x = ((const int *)nim->data)[v];
      break;
    case DT_FLOAT32:
      x = ((const float *)nim->data)[v];
      break;
    case DT_FLOAT64:
      x = ((const double *)nim->data)[v];
      break;
    default:
      nifti_image_free(nim);
      PetscCall(PetscFree(a->label));
      PetscCall(PetscFree(a));
      SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "%s: labels of NIfTI datatype %d are not supported", path, nim->datatype);
    }
    a->label[v] = (int)lround(x * (nim->scl_slope != 0 ? nim->scl_slope : 1.0) + nim->scl_inter);
  }
  m = nim->sform_code > 0 ? nim->sto_xyz : nim->qto_xyz;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      a->xyz[4 * i + j] = m.m[i][j];
  nifti_image_free(nim);
  if (!AffineInvert(a->xyz, a->ijk)) {
    PetscCall(PetscFree(a->label));
    PetscCall(PetscFree(a));
    SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "%s: singular voxel-to-MNI transform", path);
  }
  *atlas = a;
  PetscFunctionReturn(PETSC_SUCCESS);
}

int AtlasVoxelLabel(Atlas a, int i, int j, int k)
{
  if (i < 0 || j < 0 || k < 0 || i >= a->dims[0] || j >= a->dims[1] || k >= a->dims[2]) return 0;
  return a->label[((size_t)k * a->dims[1] + j) * a->dims[0] + i];
}

int AtlasLabel(Atlas a, const double mni[3])
{
  double r[3], v[3];

  if (!isfinite(mni[0]) || !isfinite(mni[1]) || !isfinite(mni[2])) return 0;
  for (int d = 0; d < 3; d++)
    r[d] = round(mni[d]);
  for (int d = 0; d < 3; d++)
    v[d] = a->ijk[4 * d] * r[0] + a->ijk[4 * d + 1] * r[1] + a->ijk[4 * d + 2] * r[2] + a->ijk[4 * d + 3];
  return AtlasVoxelLabel(a, (int)lround(v[0]), (int)lround(v[1]), (int)lround(v[2]));
}

void AtlasVoxelToMni(Atlas a, int i, int j, int k, double mni[3])
{
  for (int d = 0; d < 3; d++)
    mni[d] = a->xyz[4 * d] * i + a->xyz[4 * d + 1] * j + a->xyz[4 * d + 2] * k + a->xyz[4 * d + 3];
}

void AtlasMniToVoxel(Atlas a, const double mni[3], int ijk[3])
{
  for (int d = 0; d < 3; d++)
    ijk[d] = (int)lround(a->ijk[4 * d] * mni[0] + a->ijk[4 * d + 1] * mni[1] + a->ijk[4 * d + 2] * mni[2] +
                         a->ijk[4 * d + 3]);
}

void AtlasDims(Atlas a, int dims[3])
{
  for (int d = 0; d < 3; d++)
    dims[d] = a->dims[d];
}

PetscErrorCode AtlasClose(Atlas *atlas)
{
  PetscFunctionBegin;
  if (!*atlas) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscFree((*atlas)->label));
  PetscCall(PetscFree(*atlas));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int AtlasVentralIndex(int label)
{
  for (int a = 0; a < BA_NAREAS; a++)
    if (BaVentralAreas[a] == label) return a;
  return -1;
}

PetscErrorCode MniCheck(MPI_Comm comm, const char *file, const char *what, PetscInt n, const double *xyz,
                        char *const *names, PetscInt base)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    const double *x = xyz + 3 * i;
    char where[PETSC_MAX_PATH_LEN + 320];

    if (fabs(x[0]) <= BA_MNI_MAX_MM && fabs(x[1]) <= BA_MNI_MAX_MM && fabs(x[2]) <= BA_MNI_MAX_MM)
      continue; /* NaN: no */
    snprintf(where, sizeof(where), "%s: %s row %" PetscInt_FMT "%s%.64s%s: MNI coordinate (%g, %g, %g) mm", file, what,
             i + base, names ? " (" : "", names ? names[i] : "", names ? ")" : "", x[0], x[1], x[2]);
    PetscCheck(isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]), comm, BA_ERR_INPUT, "%s is not finite", where);
    SETERRQ(comm, BA_ERR_INPUT, "%s lies outside the plausible box |x|, |y|, |z| <= %.0f mm", where, BA_MNI_MAX_MM);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}
