/* network.h: bandalign-network files: layer activations or RDMs of the images. */
#ifndef BANDALIGN_NETWORK_H
#define BANDALIGN_NETWORK_H

#include <bandalign/h5io.h>

typedef struct {
  H5File    file;
  PetscInt  nimages;
  char    **image_name;  /* [nimages] */
  PetscInt  nlayers;
  char    **layer_name;  /* [nlayers], hierarchy order */
  PetscBool *has_rdm;    /* [nlayers]: the layer is given as an RDM rather than activations */
  PetscInt  *nfeatures;  /* [nlayers]: activation width (0 for an RDM layer) */
} Network;

/* Opens and validates a network file: format, names, each layer's activations
   [nimages, n] (float32) or rdm [nimages, nimages] (symmetric, zero diagonal, finite).
   Collective. */
PetscErrorCode NetworkOpen(MPI_Comm comm, const char *path, Network *net);

/* Reads feature columns [c0, c1) of layer l's activations as float [nimages][c1-c0] on the
   calling rank (independent I/O). */
PetscErrorCode NetworkReadActivations(Network *net, PetscInt l, PetscInt c0, PetscInt c1, float *buf);

/* Reads layer l's RDM as double [nimages][nimages] (every rank). */
PetscErrorCode NetworkReadRdm(Network *net, PetscInt l, double *rdm);

PetscErrorCode NetworkClose(Network *net);

/* Writing: every rank passes the same arguments; acts is float [nimages][nfeatures] of
   layer l, held on rank 0 (others may pass NULL). Collective. */
PetscErrorCode NetworkCreate(MPI_Comm comm, const char *path, PetscInt nimages, char *const *image_name, PetscInt nlayers,
                             char *const *layer_name, Network *net);
PetscErrorCode NetworkWriteActivations(Network *net, PetscInt l, PetscInt nfeatures, const float *acts);
PetscErrorCode NetworkCommit(Network *net);

#endif
