/* comm.c: the MPI patterns of comm.h. */
#include <bandalign/comm.h>
#include <bandalign/context.h>
#include <stdarg.h>

void CommEvenSplit(PetscInt n, PetscMPIInt rank, PetscMPIInt size, PetscInt *lo, PetscInt *hi)
{
  *lo = (PetscInt)((int64_t)n * rank / size);
  *hi = (PetscInt)((int64_t)n * (rank + 1) / size);
}

PetscErrorCode CommAgreeError(MPI_Comm comm, const char *err)
{
  PetscMPIInt rank, size, mine, who;
  char msg[BA_COMM_ERR_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  mine = err && err[0] ? rank : size;
  PetscCallMPI(MPI_Allreduce(&mine, &who, 1, MPI_INT, MPI_MIN, comm));
  if (who == size) PetscFunctionReturn(PETSC_SUCCESS);
  if (rank == who) PetscCall(PetscStrncpy(msg, err, sizeof(msg)));
  PetscCallMPI(MPI_Bcast(msg, (int)sizeof(msg), MPI_CHAR, who, comm));
  SETERRQ(comm, BA_ERR_INPUT, "%s", msg);
}

PetscErrorCode CommAgreeErrorf(MPI_Comm comm, PetscBool failed, const char *fmt, ...)
{
  char msg[BA_COMM_ERR_LEN] = "";

  PetscFunctionBegin;
  if (failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!msg[0]) PetscCall(PetscStrncpy(msg, "unknown error", sizeof(msg)));
  }
  PetscCall(CommAgreeError(comm, msg));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CommRounds(MPI_Comm comm, PetscInt mine, PetscInt *rounds)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&mine, rounds, 1, MPIU_INT, MPI_MAX, comm));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CommAny(MPI_Comm comm, PetscBool mine, PetscBool *any)
{
  int m = mine ? 1 : 0, a;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&m, &a, 1, MPI_INT, MPI_LOR, comm));
  *any = a ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CommGatherAll(MPI_Comm comm, MPI_Datatype dt, PetscInt nlocal, const void *local, PetscInt *nglobal,
                             void *all)
{
  PetscMPIInt size, tsize, mine, *count, *displ;
  PetscCount total = 0;
  char *buf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Type_size(dt, &tsize));
  PetscCall(PetscMPIIntCast(nlocal, &mine));
  PetscCall(PetscMalloc2(size, &count, size, &displ));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, count, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCall(PetscMPIIntCast(total, &displ[r]));
    total += count[r];
  }
  PetscCheck(total <= PETSC_MAX_INT, comm, PETSC_ERR_SUP, "gather of %" PetscCount_FMT " values: too many", total);
  PetscCall(PetscMalloc((size_t)(total + 1) * (size_t)tsize, &buf));
  PetscCallMPI(MPI_Allgatherv(local, mine, dt, buf, count, displ, dt, comm));
  PetscCall(PetscFree2(count, displ));
  *nglobal      = (PetscInt)total;
  *(void **)all = buf;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CommTimes(MPI_Comm comm, double seconds, double *slowest, double *fastest, double *mean)
{
  PetscMPIInt size;
  double sum;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Allreduce(&seconds, slowest, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCallMPI(MPI_Allreduce(&seconds, fastest, 1, MPI_DOUBLE, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&seconds, &sum, 1, MPI_DOUBLE, MPI_SUM, comm));
  *mean = sum / size;
  PetscFunctionReturn(PETSC_SUCCESS);
}
