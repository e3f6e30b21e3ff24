/* checkpoint.c: bandalign-checkpoint files (layout in checkpoint.h). */
#include <bandalign/adaptive.h>
#include <bandalign/checkpoint.h>
#include <bandalign/comm.h>
#include <bandalign/h5io.h>

static void CheckpointPath(int roi, const char *what, char *buf, size_t len)
{
  char name[64];
  RoiName(roi, name, sizeof(name));
  snprintf(buf, len, "/%s/%s", name, what);
}

PetscErrorCode CheckpointSave(const BaContext *ctx, const CheckpointSettings *cs, int nroi, RsaState *st)
{
  BaH5File f;
  char name[128];
  hsize_t dims[2];

  PetscFunctionBegin;
  PetscCall(BaH5FileCreate(ctx->comm, cs->path, "bandalign-checkpoint", &f));
  PetscCall(BaH5WriteProvenance(&f, ctx));
  PetscCall(BaH5AttrWriteInt(&f, "/", "permutations", cs->permutations));
  PetscCall(BaH5AttrWriteInt(&f, "/", "permutations_max", cs->permutations_max));
  PetscCall(BaH5AttrWriteInt(&f, "/", "sequential", cs->sequential));
  PetscCall(BaH5AttrWriteInt(&f, "/", "inputs_hash", (PetscInt64)cs->hash));
  for (int roi = 0; roi < nroi; roi++) {
    const PetscInt nloc = st->pair_hi[roi] - st->pair_lo[roi];
    int64_t *buf;

    CheckpointPath(roi, "count", name, sizeof(name));
    dims[0] = (hsize_t)st->npairs_global[roi];
    dims[1] = 4;
    PetscCall(BaH5CreateDataset(&f, name, H5T_STD_I64LE, 2, dims));
    PetscCall(PetscMalloc1(4 * nloc + 1, &buf));
    for (PetscInt i = 0; i < nloc; i++) {
      buf[4 * i]     = st->counts[roi][i].b;
      buf[4 * i + 1] = st->counts[roi][i].used;
      buf[4 * i + 2] = st->counts[roi][i].done;
      buf[4 * i + 3] = st->goal[roi][i];
    }
    PetscCall(BaH5WriteRows(&f, name, H5T_NATIVE_INT64, (hsize_t)st->pair_lo[roi], (hsize_t)st->pair_hi[roi], buf));
    PetscCall(BaH5AttrWriteInt(&f, name, "adaptive_level", st->level[roi]));
    PetscCall(PetscFree(buf));
    if (st->maxnull[roi]) {
      CheckpointPath(roi, "maxnull", name, sizeof(name));
      dims[0] = (hsize_t)ctx->size;
      dims[1] = (hsize_t)cs->permutations;
      PetscCall(BaH5CreateDataset(&f, name, H5T_IEEE_F64LE, 2, dims));
      PetscCall(
          BaH5WriteRows(&f, name, H5T_NATIVE_DOUBLE, (hsize_t)ctx->rank, (hsize_t)ctx->rank + 1, st->maxnull[roi]));
    }
  }
  PetscCall(BaH5FileCommit(&f));
  st->t_last_save = MPI_Wtime();
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointDue(const BaContext *ctx, const CheckpointSettings *cs, const RsaState *st, PetscBool *save,
                             PetscBool *stop)
{
  int flag[2] = {0, 0}, any[2];

  PetscFunctionBegin;
  *save = *stop = PETSC_FALSE;
  if (!cs->path[0]) PetscFunctionReturn(PETSC_SUCCESS);
  flag[0] = ctx->rank == 0 && MPI_Wtime() - st->t_last_save >= cs->interval;
  flag[1] = ContextStopRequested() ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(flag, any, 2, MPI_INT, MPI_MAX, ctx->comm));
  *save = any[0] || any[1] ? PETSC_TRUE : PETSC_FALSE;
  *stop = any[1] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode CheckpointLoadRoi(const BaContext *ctx, const CheckpointSettings *cs, int roi, RsaState *st,
                                 PetscBool *found)
{
  BaH5File f;
  char name[128];
  PetscInt64 m, mmax, h;
  int nd;
  hsize_t dims[3];
  int64_t *buf;
  const PetscInt lo = st->pair_lo[roi], hi = st->pair_hi[roi];
  const int64_t m_max       = cs->permutations_max;
  char bad[BA_COMM_ERR_LEN] = "";

  PetscFunctionBegin;
  PetscCall(BaH5FileOpen(ctx->comm, cs->path, "bandalign-checkpoint", &f));
  PetscCall(BaH5AttrReadInt(&f, "/", "permutations", &m));
  {
    PetscBool has;
    PetscCall(BaH5AttrExists(&f, "/", "permutations_max", &has));
    PetscCheck(has, ctx->comm, BA_ERR_INPUT,
               "%s: a checkpoint of an older bandalign (no permutations_max); start again without -resume", cs->path);
  }
  PetscCall(BaH5AttrReadInt(&f, "/", "permutations_max", &mmax));
  PetscCall(BaH5AttrReadInt(&f, "/", "sequential", &h));
  PetscCheck(m == cs->permutations && mmax == cs->permutations_max && h == cs->sequential, ctx->comm, BA_ERR_INPUT,
             "%s: written with -permutations %" PetscInt64_FMT " -permutations_max %" PetscInt64_FMT
             " -sequential %" PetscInt64_FMT ", not the options of this run",
             cs->path, m, mmax, h);
  {
    PetscBool has;
    PetscInt64 hash = 0;
    PetscCall(BaH5AttrExists(&f, "/", "inputs_hash", &has));
    if (has) PetscCall(BaH5AttrReadInt(&f, "/", "inputs_hash", &hash));
    PetscCheck(has && (uint64_t)hash == cs->hash, ctx->comm, BA_ERR_INPUT,
               "%s: written for other inputs or options (seed, protocol, network, features, -distance, "
               "-correction, -q, -alpha, -responsive_q, -permutation_strategy or -adaptive_delta differ); start again "
               "without -resume",
               cs->path);
  }
  CheckpointPath(roi, "count", name, sizeof(name));
  PetscCall(BaH5Exists(&f, name, found));
  if (*found) {
    PetscCall(BaH5DatasetShape(&f, name, &nd, dims));
    PetscCheck(nd == 2 && dims[0] == (hsize_t)st->npairs_global[roi] && dims[1] == 4, ctx->comm, BA_ERR_INPUT,
               "%s: %llu pairs saved for this ROI, but this run has %" PetscInt_FMT " (different inputs?)", cs->path,
               (unsigned long long)dims[0], st->npairs_global[roi]);
    PetscCall(PetscMalloc1(4 * (hi - lo) + 1, &buf));
    PetscCall(BaH5ReadRows(&f, name, H5T_NATIVE_INT64, (hsize_t)lo, (hsize_t)hi, buf));
    for (PetscInt i = 0; i < hi - lo; i++) {
      const int64_t *r = buf + 4 * i;
      /* counts a run can have written: 0 <= b <= used <= M, done -1, 0, 1 or 2, 0 <= goal <= M */
      if (!bad[0] && !(r[1] >= 0 && r[1] <= m_max && r[0] >= 0 && r[0] <= r[1] && r[2] >= -1 && r[2] <= 2 &&
                       r[3] >= 0 && r[3] <= m_max))
        PetscCall(PetscSNPrintf(bad, sizeof(bad),
                                "%s: %s row %" PetscInt_FMT " holds counts no run writes (b %" PetscInt64_FMT
                                ", used %" PetscInt64_FMT ", done %" PetscInt64_FMT ", goal %" PetscInt64_FMT ")",
                                cs->path, name, lo + i, r[0], r[1], r[2], r[3]));
      st->counts[roi][i].b    = r[0];
      st->counts[roi][i].used = r[1];
      st->counts[roi][i].done = (int32_t)r[2];
      st->goal[roi][i]        = r[3];
    }
    PetscCall(PetscFree(buf));
    {
      PetscBool has;
      PetscInt64 level = 0;
      PetscCall(BaH5AttrExists(&f, name, "adaptive_level", &has));
      if (has) PetscCall(BaH5AttrReadInt(&f, name, "adaptive_level", &level));
      if (!bad[0] && (level < 0 || level > ADAPTIVE_MAX_LEVELS))
        PetscCall(PetscSNPrintf(bad, sizeof(bad), "%s: %s has adaptive_level %" PetscInt64_FMT ", no run writes that",
                                cs->path, name, level));
      st->level[roi] = (PetscInt)level;
    }
    PetscCall(CommAgreeError(ctx->comm, bad));
    if (st->maxnull[roi]) {
      CheckpointPath(roi, "maxnull", name, sizeof(name));
      PetscCall(BaH5DatasetShape(&f, name, &nd, dims));
      PetscCheck(dims[0] == (hsize_t)ctx->size, ctx->comm, BA_ERR_INPUT,
                 "%s: -correction maxstat resumes on the %llu ranks that wrote it", cs->path,
                 (unsigned long long)dims[0]);
      PetscCall(
          BaH5ReadRows(&f, name, H5T_NATIVE_DOUBLE, (hsize_t)ctx->rank, (hsize_t)ctx->rank + 1, st->maxnull[roi]));
    }
  }
  BaH5FileAbandon(&f);
  PetscFunctionReturn(PETSC_SUCCESS);
}
