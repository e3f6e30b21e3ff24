/* rsa_rdms.c: rsa -save_rdms DIR: the RDMs the stage correlates, as rsatoolbox files.
 *
 *   DIR/layers.h5           the layer RDMs, in analysis image order (RsaSaveLayerRdms, epilog)
 *   DIR/channels_<roi>.h5   per ROI, the RDM of each responsive channel (RsaSaveChannelRdms,
 *                           after RoiBegin: every rank writes the rows of its own channels)
 *
 * Each holds exactly the values the Spearman correlations see (the layout and the measures
 * are in docs/interface.md, the Euclidean definitions in docs/methods.md), so a layers file
 * given back as -network reproduces the run. */
#include "rsa.h"
#include <bandalign/rdm.h>
#include <bandalign/rsatoolbox.h>
#include <errno.h>
#include <sys/stat.h>

/* Channel RDMs computed and written per round (a channel's RDM is 250 KB at 250 images). */
#define SAVE_CHUNK 64

static const char *const MeasureEuclidean =
    "euclidean, not divided by the number of features: sqrt(sum_k (a_ik - a_jk)^2) (bandalign)";
static const char *const MeasureCorrelation = "correlation";
static const char *const MeasureChannel     = "euclidean over the one ROI feature: |x_i - x_j| (bandalign channel RDM)";

static PetscErrorCode SaveFolder(const RsaOptions *o)
{
  int err = 0;
  struct stat st;

  PetscFunctionBegin;
  if (o->ctx.rank == 0 && mkdir(o->save_rdms, 0777) != 0 && errno != EEXIST) err = errno;
  if (o->ctx.rank == 0 && !err && (stat(o->save_rdms, &st) != 0 || !S_ISDIR(st.st_mode))) err = ENOTDIR;
  PetscCall(CommAgreeErrorf(o->ctx.comm, err != 0, "-save_rdms: %s: cannot create the folder (%s)", o->save_rdms,
                            strerror(err)));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Describe(const Rsa *rsa, RsatoolboxWriter *w, const char *what)
{
  const RsaOptions *o = &rsa->o;

  PetscFunctionBegin;
  PetscCall(RsatoolboxWriteDescriptor(w, "written_by", "bandalign " BA_VERSION " rsa -save_rdms"));
  PetscCall(RsatoolboxWriteDescriptor(w, "content", what));
  PetscCall(RsatoolboxWriteDescriptor(w, "network", o->network));
  PetscCall(RsatoolboxWriteDescriptor(w, "features", o->features));
  PetscCall(RsatoolboxWriteDescriptor(w, "protocol", BaProtocolNames[o->ctx.protocol]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The layers file, written by rank 0 (every rank holds every layer RDM). */
static PetscErrorCode WriteLayers(Rsa *rsa, RsatoolboxWriter *w)
{
  const RsaOptions *o = &rsa->o;
  const PetscInt n = rsa->n, nl = rsa->nl, npairs = n * (n - 1) / 2;
  const char **measure;
  const char *common;
  int64_t *nfeat;
  double *v;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/layers.h5", o->save_rdms));
  PetscCall(PetscMalloc2(nl, &measure, nl, &nfeat));
  for (PetscInt l = 0; l < nl; l++) {
    nfeat[l] = rsa->trained.net.nfeatures[l];
    if (!rsa->trained.net.has_rdm[l])
      measure[l] = o->distance == BA_DISTANCE_EUCLIDEAN ? MeasureEuclidean : MeasureCorrelation;
    else if (rsa->trained.net.rsatoolbox)
      measure[l] = rsa->trained.net.measure[0] ? rsa->trained.net.measure : "unknown (an rsatoolbox file's None)";
    else
      measure[l] = "as given in the network file's /layers/<name>/rdm";
  }
  common = measure[0];
  for (PetscInt l = 1; l < nl; l++)
    if (strcmp(measure[l], common)) common = "mixed: see rdm_descriptors 'measure'";
  PetscCall(RsatoolboxCreate(o->ctx.comm, path, common, n, "stimulus", rsa->c.file[0].image_name, nl, w));
  PetscCall(Describe(rsa, w, "layer RDMs"));
  PetscCall(RsatoolboxWriteRdmStrings(w, "name", rsa->trained.net.layer_name));
  PetscCall(RsatoolboxWriteRdmStrings(w, "measure", (char *const *)measure));
  PetscCall(RsatoolboxWriteRdmInts(w, "n_features", nfeat));
  PetscCall(PetscMalloc1((size_t)nl * npairs, &v));
  for (PetscInt l = 0; l < nl; l++)
    RdmToVector(n, rsa->trained.rdm[l], v + (size_t)l * npairs);
  PetscCall(RsatoolboxWriteRows(w, 0, o->ctx.rank == 0 ? nl : 0, v));
  PetscCall(PetscFree(v));
  PetscCall(PetscFree2(measure, nfeat));
  PetscCall(RsatoolboxCommit(w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsaSaveLayerRdms(Rsa *rsa)
{
  RsatoolboxWriter w;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!rsa->o.save_rdms[0]) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SaveFolder(&rsa->o));
  PetscCall(PetscMemzero(&w, sizeof(w)));
  ierr = WriteLayers(rsa, &w);
  if (ierr) RsatoolboxAbandon(&w); /* w lives on this stack: no partial file may outlive it */
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A ROI's channels file: the names from every rank, each rank the rows of its channels. */
static PetscErrorCode WriteChannels(Rsa *rsa, const RoiWork *rw, RsatoolboxWriter *w)
{
  const RsaOptions *o = &rsa->o;
  const RoiSplit *sp  = &rw->split;
  const PetscInt n = rsa->n, npairs = n * (n - 1) / 2, nresp = sp->nresp;
  char path[PETSC_MAX_PATH_LEN], what[128], **name, **patient, **channel;
  int64_t *index;
  double *v;
  PetscInt rounds;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/channels_%s.h5", o->save_rdms, rw->name));
  PetscCall(PetscSNPrintf(what, sizeof(what), "channel RDMs of the responsive channels of ROI %s", rw->name));
  PetscCall(RsatoolboxCreate(o->ctx.comm, path, MeasureChannel, n, "stimulus", rsa->c.file[0].image_name, nresp, w));
  PetscCall(Describe(rsa, w, what));
  PetscCall(RsatoolboxWriteDescriptor(w, "roi", rw->name));
  PetscCall(PetscCalloc4(nresp + 1, &name, nresp + 1, &patient, nresp + 1, &channel, nresp + 1, &index));
  for (PetscInt k = 0; k < nresp; k++) {
    const PetscInt g = sp->resp[k];
    size_t len       = strlen(rsa->c.patient[g]) + strlen(rsa->c.name[g]) + 2;
    PetscCall(PetscMalloc1(len, &name[k]));
    PetscCall(PetscSNPrintf(name[k], len, "%s/%s", rsa->c.patient[g], rsa->c.name[g]));
    patient[k] = rsa->c.patient[g];
    channel[k] = rsa->c.name[g];
    index[k]   = g;
  }
  PetscCall(RsatoolboxWriteRdmStrings(w, "name", name));
  PetscCall(RsatoolboxWriteRdmStrings(w, "patient", patient));
  PetscCall(RsatoolboxWriteRdmStrings(w, "channel", channel));
  PetscCall(RsatoolboxWriteRdmInts(w, "channel_index", index));
  for (PetscInt k = 0; k < nresp; k++)
    PetscCall(PetscFree(name[k]));
  PetscCall(PetscFree4(name, patient, channel, index));

  PetscCall(PetscMalloc1((size_t)SAVE_CHUNK * npairs, &v));
  PetscCall(CommRounds(o->ctx.comm, (rw->nloc + SAVE_CHUNK - 1) / SAVE_CHUNK, &rounds));
  for (PetscInt r = 0; r < rounds; r++) {
    const PetscInt c0 = PetscMin(r * SAVE_CHUNK, rw->nloc), c1 = PetscMin(c0 + SAVE_CHUNK, rw->nloc);
    for (PetscInt c = c0; c < c1; c++)
      RdmChannelVector(n, rw->x + (size_t)c * n, v + (size_t)(c - c0) * npairs);
    PetscCall(RsatoolboxWriteRows(w, sp->rlo + c0, sp->rlo + c1, v));
  }
  PetscCall(PetscFree(v));
  PetscCall(RsatoolboxCommit(w));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode RsaSaveChannelRdms(Rsa *rsa, const RoiWork *rw)
{
  RsatoolboxWriter w;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!rsa->o.save_rdms[0]) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(SaveFolder(&rsa->o));
  PetscCall(PetscMemzero(&w, sizeof(w)));
  ierr = WriteChannels(rsa, rw, &w);
  if (ierr) RsatoolboxAbandon(&w);
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}
