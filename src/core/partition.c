/* partition.c: contiguous channel ranges balanced by work.
 *
 * Contiguous ranges keep every rank's rows of every output dataset in one hyperslab, and a
 * patient split between two ranks costs nothing: each reads its own rows of that patient.
 * The split point of rank r is the first channel whose cumulative work reaches r/size of
 * the total, computed in double from integer counts, so it is the same on every rank. */
#include <bandalign/partition.h>

PetscErrorCode PartitionCreate(MPI_Comm comm, PetscInt npatients, const PetscInt *nchannels, const double *work,
                               Partition *part)
{
  double total = 0, acc = 0;
  PetscInt g = 0, r = 1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &part->size));
  part->npatients = npatients;
  PetscCall(PetscMalloc1(npatients + 1, &part->first));
  PetscCall(PetscMalloc1(part->size + 1, &part->rank_lo));
  part->first[0] = 0;
  for (PetscInt p = 0; p < npatients; p++) {
    part->first[p + 1] = part->first[p] + nchannels[p];
    total += work[p] * nchannels[p];
  }
  part->rank_lo[0] = 0;
  for (PetscInt p = 0; p < npatients; p++) {
    for (PetscInt c = 0; c < nchannels[p]; c++, g++) {
      /* channel g goes to the rank whose share its midpoint falls in */
      const double mid = acc + 0.5 * work[p];
      while (r < part->size && mid >= total * r / part->size)
        part->rank_lo[r++] = g;
      acc += work[p];
    }
  }
  while (r <= part->size)
    part->rank_lo[r++] = part->first[npatients];
  PetscFunctionReturn(PETSC_SUCCESS);
}

void PartitionPatientRange(const Partition *part, PetscMPIInt r, PetscInt p, PetscInt *lo, PetscInt *hi)
{
  const PetscInt a = PetscMax(part->first[p], part->rank_lo[r]);
  const PetscInt b = PetscMin(part->first[p + 1], part->rank_lo[r + 1]);

  *lo = a - part->first[p];
  *hi = PetscMax(a, b) - part->first[p];
}

PetscErrorCode PartitionDestroy(Partition *part)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(part->first));
  PetscCall(PetscFree(part->rank_lo));
  PetscFunctionReturn(PETSC_SUCCESS);
}
