/* network.h: bandalign-network files: layer activations or RDMs of the images. */
#ifndef BANDALIGN_NETWORK_H
#define BANDALIGN_NETWORK_H

#include <bandalign/h5io.h>

typedef struct {
  BaH5File file;
  PetscInt nimages;
  char **image_name; /* [nimages] */
  PetscInt nlayers;
  char **layer_name;    /* [nlayers], hierarchy order */
  PetscBool *has_rdm;   /* [nlayers]: the layer is given as an RDM rather than activations */
  PetscInt *nfeatures;  /* [nlayers]: activation width (0 for an RDM layer) */
  PetscBool rsatoolbox; /* the file is an rsatoolbox RDMs file: every layer is an RDM */
  char measure[256];    /* rsatoolbox: its dissimilarity_measure ("" if None) */
} Network;

/* Opens and validates a network file on every rank of comm: format, image names (unique),
   layer names (unique), and for each layer exactly one of activations [nimages, n]
   (float32, n >= 1) or rdm [nimages, nimages] (floating point, finite, symmetric within
   1e-9 relative, diagonal zero within 1e-9 of the largest entry). Activations are not
   scanned for non-finite values here (a layer can be 290,400 wide): whoever reduces them
   checks the result. A file in rsatoolbox's RDMs layout (root attribute rsatoolbox_version,
   no format; see rsatoolbox.h) is read as a network of RDM layers: one layer per RDM, named
   by rdm_descriptors 'name', the images by pattern_descriptors 'stimulus'. Any problem is
   one input error naming the file and the object, and leaves net closed. Collective. */
PetscErrorCode NetworkOpen(MPI_Comm comm, const char *path, Network *net);

/* Reads feature columns [c0, c1) of layer l's activations as float [nimages][c1-c0] on the
   calling rank alone (independent I/O: other ranks need not call, or may read other
   layers or columns at the same time). Not collective: a read that fails (a corrupt
   chunk) is not raised but written to err ("" when all went well), for the caller to
   agree on (CommAgreeError). */
PetscErrorCode NetworkReadActivations(Network *net, PetscInt l, PetscInt c0, PetscInt c1, float *buf, char *err,
                                      size_t errlen);

/* Reads layer l's RDM as double [nimages][nimages] on the calling rank (independent I/O;
   every rank that needs it calls). Not collective; a failed read goes to err as above. */
PetscErrorCode NetworkReadRdm(Network *net, PetscInt l, double *rdm, char *err, size_t errlen);

/* Closes the file and frees everything; a network being written is abandoned (its partial
   file removed). Collective. */
PetscErrorCode NetworkClose(Network *net);

/* Writing: every rank passes the same arguments. Layer names must be unique, non-empty,
   without '/' and not "name". Each layer gets exactly one of the writes below. On error,
   call NetworkClose. Collective. */
PetscErrorCode NetworkCreate(MPI_Comm comm, const char *path, PetscInt nimages, char *const *image_name,
                             PetscInt nlayers, char *const *layer_name, Network *net);

/* Writes layer l's activations, float [nimages][nfeatures] held on rank 0 (others may pass
   NULL). Collective. */
PetscErrorCode NetworkWriteActivations(Network *net, PetscInt l, PetscInt nfeatures, const float *acts);

/* The same in parts, for layers too wide for one rank: NetworkCreateActivations creates
   layer l's dataset [nimages, nfeatures]; NetworkWriteActivationColumns writes columns
   [c0, c1) from each rank (its own, possibly empty range), buf float [nimages][c1-c0].
   Both collective. */
PetscErrorCode NetworkCreateActivations(Network *net, PetscInt l, PetscInt nfeatures);
PetscErrorCode NetworkWriteActivationColumns(Network *net, PetscInt l, PetscInt c0, PetscInt c1, const float *buf);

/* Writes layer l as an RDM, double [nimages][nimages] held on rank 0 (others may pass
   NULL). Not checked here: NetworkOpen checks it. Collective. */
PetscErrorCode NetworkWriteRdm(Network *net, PetscInt l, const double *rdm);

/* Writes the name datasets, closes and renames the file into place, frees net.
   Collective. */
PetscErrorCode NetworkCommit(Network *net);

#endif
