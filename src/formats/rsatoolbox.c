/* rsatoolbox.c: RDM files in rsatoolbox's HDF5 layout, written and read with bandalign's own
 * code (the layout, as RDMs.save writes it through rsatoolbox.io.hdf5, is documented in
 * docs/interface.md; no rsatoolbox code is used).
 *
 * rsatoolbox writes a dict: strings become attributes of their group, arrays datasets
 * (unicode arrays as numpy 'S', i.e. fixed-length NUL-padded strings, which its reader turns
 * back into str), lists arrays, dicts groups, None an empty dataset. An RDMs object is
 *   /                      attributes rsatoolbox_version, dissimilarity_measure
 *   /dissimilarities       float64 [n_rdm, n_pairs]: upper triangles, pairs (i, j), i < j,
 *                          row by row (scipy's squareform order)
 *   /descriptors/          one value per set (strings as attributes)
 *   /rdm_descriptors/      one value per RDM, each a dataset [n_rdm] ('index' 0..n_rdm-1)
 *   /pattern_descriptors/  one value per pattern, each a dataset [n_cond] ('index' 0..n-1)
 * Variable-length strings would come back from its reader as bytes objects, so descriptor
 * strings are written fixed-length; fixed-length datasets can be written in parallel, so
 * nothing here goes through the deferred string path of h5io. */
#include <bandalign/rsatoolbox.h>
#include <bandalign/context.h>
#include <bandalign/rdm.h>
#include <math.h>

/* A new one-dimensional dataset [n] of filetype holding rank 0's buf. An empty one (a ROI with no responsive channel)
   is only created: HDF5 1.10 fails a collective write of nothing to a dataset of size 0. */
static PetscErrorCode WriteNew(BaH5File *f, const char *name, hid_t filetype, hid_t memtype, PetscInt n,
                               const void *buf)
{
  hsize_t dims = (hsize_t)n;

  PetscFunctionBegin;
  PetscCall(BaH5CreateDataset(f, name, filetype, 1, &dims));
  if (n > 0) PetscCall(BaH5WriteAll(f, name, memtype, buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A fixed-length string type of size len, NUL-padded as numpy's 'S'; UTF-8 if any byte is
   beyond ASCII (rsatoolbox's own reader decodes as ASCII and cannot read those). */
static PetscErrorCode FixedStringType(BaH5File *f, size_t len, PetscBool utf8, hid_t *type)
{
  PetscFunctionBegin;
  BaCallH5(*type = H5Tcopy(H5T_C_S1), f->path);
  BaCallH5(H5Tset_size(*type, len > 0 ? len : 1), f->path);
  BaCallH5(H5Tset_strpad(*type, H5T_STR_NULLPAD), f->path);
  BaCallH5(H5Tset_cset(*type, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), f->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Writes n strings as a new fixed-length string dataset [n] (rank 0's values). */
static PetscErrorCode WriteFixedStrings(BaH5File *f, const char *name, PetscInt n, char *const *s)
{
  size_t len     = 1;
  PetscBool utf8 = PETSC_FALSE;
  hid_t type;
  char *buf;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    len = PetscMax(len, strlen(s[i]));
    for (const unsigned char *c = (const unsigned char *)s[i]; *c; c++)
      if (*c >= 0x80) utf8 = PETSC_TRUE;
  }
  PetscCall(PetscCalloc1((size_t)n * len + 1, &buf));
  for (PetscInt i = 0; i < n; i++)
    PetscCall(PetscMemcpy(buf + (size_t)i * len, s[i], strlen(s[i])));
  PetscCall(FixedStringType(f, len, utf8, &type));
  PetscCall(WriteNew(f, name, type, type, n, buf));
  H5Tclose(type);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteIndex(BaH5File *f, const char *name, PetscInt n)
{
  int64_t *v;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n + 1, &v));
  for (PetscInt i = 0; i < n; i++)
    v[i] = i;
  PetscCall(WriteNew(f, name, H5T_STD_I64LE, H5T_NATIVE_INT64, n, v));
  PetscCall(PetscFree(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A descriptor key names a dataset or attribute in a group. */
static PetscBool KeyValid(const char *key)
{
  return key[0] && !strchr(key, '/') && strcmp(key, ".") && strcmp(key, "..") ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode RsatoolboxCreate(MPI_Comm comm, const char *path, const char *measure, PetscInt ncond,
                                const char *cond_key, char *const *cond_name, PetscInt nrdm, RsatoolboxWriter *w)
{
  BaH5File *f = &w->file;
  char name[320];
  hsize_t dims[2];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscCheck(ncond >= 2 && nrdm >= 0 && KeyValid(cond_key) && strcmp(cond_key, "index"), comm, PETSC_ERR_ARG_WRONG,
             "%s: rsatoolbox RDMs of %" PetscInt_FMT " patterns named by '%s'", path, ncond, cond_key);
  w->ncond  = ncond;
  w->nrdm   = nrdm;
  w->npairs = ncond * (ncond - 1) / 2;
  PetscCall(BaH5FileCreate(comm, path, NULL, f));
  PetscCall(BaH5AttrWriteString(f, "/", "rsatoolbox_version", BA_RSATOOLBOX_LAYOUT));
  PetscCall(BaH5AttrWriteString(f, "/", "dissimilarity_measure", measure));
  dims[0] = (hsize_t)nrdm;
  dims[1] = (hsize_t)w->npairs;
  PetscCall(BaH5CreateDataset(f, "/dissimilarities", H5T_IEEE_F64LE, 2, dims));
  PetscCall(BaH5CreateGroups(f, "/descriptors"));
  PetscCall(WriteIndex(f, "/rdm_descriptors/index", nrdm));
  PetscCall(WriteIndex(f, "/pattern_descriptors/index", ncond));
  PetscCall(PetscSNPrintf(name, sizeof(name), "/pattern_descriptors/%s", cond_key));
  PetscCall(WriteFixedStrings(f, name, ncond, cond_name));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxWriteDescriptor(RsatoolboxWriter *w, const char *key, const char *value)
{
  PetscFunctionBegin;
  PetscCheck(KeyValid(key), w->file.comm, PETSC_ERR_ARG_WRONG, "descriptor key '%s'", key);
  PetscCall(BaH5AttrWriteString(&w->file, "/descriptors", key, value));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxWriteRdmStrings(RsatoolboxWriter *w, const char *key, char *const *values)
{
  char name[320];

  PetscFunctionBegin;
  PetscCheck(KeyValid(key) && strcmp(key, "index"), w->file.comm, PETSC_ERR_ARG_WRONG, "rdm descriptor key '%s'", key);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/rdm_descriptors/%s", key));
  PetscCall(WriteFixedStrings(&w->file, name, w->nrdm, values));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxWriteRdmInts(RsatoolboxWriter *w, const char *key, const int64_t *values)
{
  char name[320];

  PetscFunctionBegin;
  PetscCheck(KeyValid(key) && strcmp(key, "index"), w->file.comm, PETSC_ERR_ARG_WRONG, "rdm descriptor key '%s'", key);
  PetscCall(PetscSNPrintf(name, sizeof(name), "/rdm_descriptors/%s", key));
  PetscCall(WriteNew(&w->file, name, H5T_STD_I64LE, H5T_NATIVE_INT64, w->nrdm, values));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxWriteRows(RsatoolboxWriter *w, PetscInt lo, PetscInt hi, const double *v)
{
  PetscFunctionBegin;
  if (w->nrdm == 0) PetscFunctionReturn(PETSC_SUCCESS); /* see WriteNew */
  PetscCall(BaH5WriteRows(&w->file, "/dissimilarities", H5T_NATIVE_DOUBLE, (hsize_t)lo, (hsize_t)hi, v));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxCommit(RsatoolboxWriter *w)
{
  PetscFunctionBegin;
  PetscCall(BaH5FileCommit(&w->file));
  PetscFunctionReturn(PETSC_SUCCESS);
}

void RsatoolboxAbandon(RsatoolboxWriter *w)
{
  if (w->file.comm) BaH5FileAbandon(&w->file);
}

PetscErrorCode RsatoolboxDetect(BaH5File *f, PetscBool *is)
{
  PetscBool version, format;

  PetscFunctionBegin;
  PetscCall(BaH5AttrExists(f, "/", "rsatoolbox_version", &version));
  PetscCall(BaH5AttrExists(f, "/", "format", &format));
  *is = version && !format ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Reads /group/key as n strings if it is a one-dimensional string dataset of n values;
 *ok false (and nothing read) otherwise. */
static PetscErrorCode ReadStringDescriptor(BaH5File *f, const char *group, const char *key, PetscInt n, PetscBool *ok,
                                           char ***s)
{
  char name[320];
  PetscBool exists;
  hid_t obj;
  H5O_info_t oi;
  H5T_class_t cls;
  int nd;
  hsize_t dims[3];
  PetscInt got;

  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", group, key));
  PetscCall(BaH5Exists(f, name, &exists));
  if (!exists) PetscFunctionReturn(PETSC_SUCCESS);
  BaCallH5(obj = H5Oopen(f->id, name, H5P_DEFAULT), f->path);
  BaCallH5(H5Oget_info(obj, &oi), f->path);
  H5Oclose(obj);
  if (oi.type != H5O_TYPE_DATASET) PetscFunctionReturn(PETSC_SUCCESS); /* a list rsatoolbox stored as a group */
  PetscCall(BaH5DatasetClass(f, name, &cls));
  PetscCall(BaH5DatasetShape(f, name, &nd, dims));
  if (cls != H5T_STRING || nd != 1 || dims[0] != (hsize_t)n) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(BaH5ReadStrings(f, name, &got, s));
  *ok = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscBool Distinct(PetscInt n, char **s)
{
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i + 1; j < n; j++)
      if (!strcmp(s[i], s[j])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* The pattern names: 'stimulus' if present (which must then hold distinct strings), else
   the one string descriptor of distinct values. */
static PetscErrorCode PatternNames(BaH5File *f, RsatoolboxInfo *info)
{
  PetscInt nkeys, nfound  = 0;
  char **keys, found[256] = "";
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(ReadStringDescriptor(f, "/pattern_descriptors", "stimulus", info->ncond, &ok, &info->cond_name));
  if (ok) {
    PetscCheck(Distinct(info->ncond, info->cond_name), f->comm, BA_ERR_INPUT,
               "%s: pattern_descriptors/stimulus names an image more than once (rsatoolbox file)", f->path);
    PetscCall(PetscStrncpy(info->cond_key, "stimulus", sizeof(info->cond_key)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(BaH5ListGroup(f, "/pattern_descriptors", &nkeys, &keys));
  for (PetscInt k = 0; k < nkeys; k++) {
    char **s = NULL;
    PetscCall(ReadStringDescriptor(f, "/pattern_descriptors", keys[k], info->ncond, &ok, &s));
    if (!ok) continue;
    if (Distinct(info->ncond, s)) {
      if (nfound++ == 0) {
        info->cond_name = s;
        s               = NULL;
        PetscCall(PetscStrncpy(info->cond_key, keys[k], sizeof(info->cond_key)));
      }
      PetscCall(PetscStrlcat(found, found[0] ? ", " : "", sizeof(found)));
      PetscCall(PetscStrlcat(found, keys[k], sizeof(found)));
    }
    if (s) PetscCall(BaStringsFree(info->ncond, &s));
  }
  PetscCall(BaStringsFree(nkeys, &keys));
  if (nfound != 1 && info->cond_name) PetscCall(BaStringsFree(info->ncond, &info->cond_name));
  PetscCheck(nfound > 0, f->comm, BA_ERR_INPUT,
             "%s: rsatoolbox file: no pattern descriptor names the images; store them as pattern_descriptors "
             "'stimulus' (the names in the features' /stimuli/name)",
             f->path);
  PetscCheck(nfound == 1, f->comm, BA_ERR_INPUT,
             "%s: rsatoolbox file: no pattern_descriptors/stimulus, and several descriptors could name the images "
             "(%s); store the image names as pattern_descriptors 'stimulus'",
             f->path, found);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The RDM names: 'name', else 'layer' (distinct strings), else rdm0, rdm1, ... */
static PetscErrorCode RdmNames(BaH5File *f, RsatoolboxInfo *info)
{
  const char *keys[] = {"name", "layer"};
  PetscBool ok       = PETSC_FALSE;

  PetscFunctionBegin;
  for (int k = 0; k < 2 && !ok; k++) {
    PetscCall(ReadStringDescriptor(f, "/rdm_descriptors", keys[k], info->nrdm, &ok, &info->rdm_name));
    if (ok)
      PetscCheck(Distinct(info->nrdm, info->rdm_name), f->comm, BA_ERR_INPUT,
                 "%s: rdm_descriptors/%s gives two RDMs the same name (rsatoolbox file)", f->path, keys[k]);
  }
  if (ok) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscCalloc1(info->nrdm + 1, &info->rdm_name));
  for (PetscInt k = 0; k < info->nrdm; k++) {
    char s[32];
    PetscCall(PetscSNPrintf(s, sizeof(s), "rdm%" PetscInt_FMT, k));
    PetscCall(PetscStrallocpy(s, &info->rdm_name[k]));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxReadInfo(BaH5File *f, RsatoolboxInfo *info)
{
  PetscBool exists;
  H5T_class_t cls;
  int nd;
  hsize_t dims[3];
  double *v, n;
  PetscInt npairs;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(info, sizeof(*info)));
  PetscCall(BaH5Exists(f, "/dissimilarities", &exists));
  PetscCheck(exists, f->comm, BA_ERR_INPUT,
             "%s: an rsatoolbox file without /dissimilarities: not an RDMs object (RDMs.save writes one)", f->path);
  PetscCall(BaH5DatasetShape(f, "/dissimilarities", &nd, dims));
  PetscCall(BaH5DatasetClass(f, "/dissimilarities", &cls));
  PetscCheck(nd == 2 && (cls == H5T_FLOAT || cls == H5T_INTEGER), f->comm, BA_ERR_INPUT,
             "%s: /dissimilarities must be numbers [n_rdm, n_pairs] (rsatoolbox's vector form), found %d dimensions",
             f->path, nd);
  PetscCheck(dims[0] > 0, f->comm, BA_ERR_INPUT, "%s: /dissimilarities holds no RDM", f->path);
  /* n_pairs = n (n - 1) / 2 */
  n = floor(0.5 + sqrt(0.25 + 2.0 * (double)dims[1]));
  PetscCheck(dims[1] > 0 && dims[1] <= (hsize_t)PETSC_MAX_INT && n * (n - 1) / 2 == (double)dims[1], f->comm,
             BA_ERR_INPUT, "%s: /dissimilarities rows of %llu values are not the pairs of any number of patterns",
             f->path, (unsigned long long)dims[1]);
  info->nrdm  = (PetscInt)dims[0];
  info->ncond = (PetscInt)n;
  npairs      = (PetscInt)dims[1];
  PetscCall(PetscMalloc1((size_t)info->nrdm * npairs, &v));
  PetscCall(BaH5ReadAll(f, "/dissimilarities", H5T_NATIVE_DOUBLE, (hsize_t)info->nrdm * npairs, v));
  for (PetscInt k = 0; k < info->nrdm; k++)
    for (PetscInt q = 0; q < npairs; q++)
      if (!isfinite(v[(size_t)k * npairs + q])) {
        const char *bad = isnan(v[(size_t)k * npairs + q]) ? "NaN" : "infinite";
        PetscCall(PetscFree(v));
        SETERRQ(f->comm, BA_ERR_INPUT,
                "%s: /dissimilarities[%" PetscInt_FMT ", %" PetscInt_FMT
                "] is %s: bandalign needs complete RDMs (rsatoolbox marks missing pairs with NaN)",
                f->path, k, q, bad);
      }
  PetscCall(PetscFree(v));
  PetscCall(BaH5AttrExists(f, "/", "dissimilarity_measure", &exists));
  if (exists) PetscCall(BaH5AttrReadString(f, "/", "dissimilarity_measure", info->measure, sizeof(info->measure)));
  PetscCall(BaH5Exists(f, "/pattern_descriptors", &exists));
  PetscCheck(exists, f->comm, BA_ERR_INPUT, "%s: rsatoolbox file without pattern_descriptors", f->path);
  PetscCall(PatternNames(f, info));
  PetscCall(RdmNames(f, info));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxInfoFree(RsatoolboxInfo *info)
{
  PetscFunctionBegin;
  PetscCall(BaStringsFree(info->nrdm, &info->rdm_name));
  PetscCall(BaStringsFree(info->ncond, &info->cond_name));
  info->nrdm = info->ncond = 0;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsatoolboxReadRdm(BaH5File *f, PetscInt ncond, PetscInt k, double *m, char *err, size_t errlen)
{
  double *v;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)ncond * (ncond - 1) / 2 + 1, &v));
  PetscCall(
      BaH5ReadRowsIndependent(f, "/dissimilarities", H5T_NATIVE_DOUBLE, (hsize_t)k, (hsize_t)k + 1, v, err, errlen));
  RdmFromVector(ncond, v, m);
  PetscCall(PetscFree(v));
  PetscFunctionReturn(PETSC_SUCCESS);
}
