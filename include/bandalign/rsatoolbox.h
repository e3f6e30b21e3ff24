/* rsatoolbox.h: RDM files in the HDF5 layout of rsatoolbox (RDMs.save(f, file_type='hdf5'),
   read back by rsatoolbox.rdm.load_rdm); the layout is in docs/interface.md. */
#ifndef BANDALIGN_RSATOOLBOX_H
#define BANDALIGN_RSATOOLBOX_H

#include <bandalign/h5io.h>

/* The rsatoolbox release whose layout is written, as the root attribute rsatoolbox_version. */
#define BA_RSATOOLBOX_LAYOUT "0.3.2"

/* Writing: nrdm RDMs over ncond patterns, each a row of /dissimilarities. */
typedef struct {
  BaH5File file;
  PetscInt ncond, nrdm, npairs;
} RsatoolboxWriter;

/* Creates path (written as path.partial until RsatoolboxCommit) with the root attributes
   rsatoolbox_version and dissimilarity_measure, the groups descriptors, rdm_descriptors
   (index 0..nrdm-1) and pattern_descriptors (index 0..ncond-1, and cond_key: the names
   cond_name as fixed-length strings), and /dissimilarities float64 [nrdm, ncond (ncond - 1)
   / 2] to be filled by RsatoolboxWriteRows. Every rank passes the same arguments. On error,
   call RsatoolboxAbandon. Collective. */
PetscErrorCode RsatoolboxCreate(MPI_Comm comm, const char *path, const char *measure, PetscInt ncond,
                                const char *cond_key, char *const *cond_name, PetscInt nrdm, RsatoolboxWriter *w);

/* A string descriptor of the whole set: attribute key of /descriptors. Collective. */
PetscErrorCode RsatoolboxWriteDescriptor(RsatoolboxWriter *w, const char *key, const char *value);

/* Per-RDM descriptors, /rdm_descriptors/key [nrdm]: strings (fixed-length, as numpy's 'S'
   arrays) or int64. Every rank passes the same values. Collective. */
PetscErrorCode RsatoolboxWriteRdmStrings(RsatoolboxWriter *w, const char *key, char *const *values);
PetscErrorCode RsatoolboxWriteRdmInts(RsatoolboxWriter *w, const char *key, const int64_t *values);

/* Rows [lo, hi) of /dissimilarities from each rank (its own, possibly empty, range): v holds
   (hi - lo) vectors of npairs in RdmToVector's order. Collective. */
PetscErrorCode RsatoolboxWriteRows(RsatoolboxWriter *w, PetscInt lo, PetscInt hi, const double *v);

/* Closes and renames the file into place. Collective. */
PetscErrorCode RsatoolboxCommit(RsatoolboxWriter *w);

/* Closes and removes a file being written; safe on error paths and after a commit. */
void RsatoolboxAbandon(RsatoolboxWriter *w);

/* Reading. */
typedef struct {
  PetscInt nrdm, ncond;
  char **rdm_name;   /* [nrdm]: rdm_descriptors 'name' (or 'layer'), else "rdm<k>" */
  char **cond_name;  /* [ncond]: pattern_descriptors 'stimulus', else the one string descriptor of distinct values */
  char cond_key[64]; /* the pattern descriptor the names come from */
  char measure[256]; /* dissimilarity_measure ("" when None or absent) */
} RsatoolboxInfo;

/* Is the open file (opened with no format check) in rsatoolbox's layout: a root attribute
   rsatoolbox_version and no bandalign format attribute? Collective. */
PetscErrorCode RsatoolboxDetect(BaH5File *f, PetscBool *is);

/* Reads and checks an rsatoolbox RDMs file: /dissimilarities [n_rdm, n_pairs] numbers, n_pairs
   = n (n - 1) / 2, every value finite (rsatoolbox marks missing pairs with NaN; bandalign needs
   complete RDMs), the pattern and RDM names as above (distinct). Any problem is one input
   error naming the file and what is wrong. Free with RsatoolboxInfoFree. Collective. */
PetscErrorCode RsatoolboxReadInfo(BaH5File *f, RsatoolboxInfo *info);
PetscErrorCode RsatoolboxInfoFree(RsatoolboxInfo *info);

/* RDM k as a full symmetric matrix m[ncond][ncond] (zero diagonal), on the calling rank alone
   (independent I/O). Not collective: a failed read goes to err (BaH5ReadRowsIndependent). */
PetscErrorCode RsatoolboxReadRdm(BaH5File *f, PetscInt ncond, PetscInt k, double *m, char *err, size_t errlen);

#endif
