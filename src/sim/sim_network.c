/* sim_network.c: a stand-in for CaffeNet's activations with the properties the analysis
 * depends on.
 *
 * Images are grayscale pictures made of a category prototype (a few smooth blobs), an
 * oriented grating whose orientation and spatial period belong to the category but whose
 * phase is the image's own, image-specific blobs, luminance and contrast. Pixel distances
 * are dominated by the image's own content: category shows up only weakly there. Each layer
 * is a sparse random linear map of the one below (local fan-in for conv layers, global for
 * fc layers), standardised per unit and rectified (fc8 stays linear, as CaffeNet's class
 * scores); conv1, conv2 and conv5 are max-pooled over neighbouring units before the next
 * layer, and the stored activations are the unpooled ones, as in the study. Rectification
 * of the local maps turns the grating's phase-dependent pixels into phase-free energy, so
 * category information grows with depth on its own; a share of "template" units per layer,
 * whose weights are a category's mean input, stands in for what training adds and grows
 * from conv2 to fc8. Neighbouring layers share most of their geometry, distant ones little.
 *
 * Sparse maps keep the cost at nimages x units x fan-in, so even the study's full widths
 * (-sim_layer_scale 1) take a minute, not a dense 290,400 x 186,624 product. */
#include <bandalign/sim.h>
#include <bandalign/stats.h>
#include <math.h>

const char *const SimLayerNames[SIM_NLAYERS] = {"pixels", "conv1", "conv2", "conv3", "conv4",
                                                "conv5",  "fc6",   "fc7",   "fc8"};
const double SimStudyLayerWidth[SIM_NLAYERS] = {51529, 290400, 186624, 64896, 64896, 43264, 4096, 4096, 1000};

static const int PooledAfter[SIM_NLAYERS]      = {0, 1, 1, 0, 0, 1, 0, 0, 0};
static const int LocalLayer[SIM_NLAYERS]       = {0, 1, 1, 1, 1, 1, 0, 0, 0};
static const double TemplateShare[SIM_NLAYERS] = {0, 0, 0.05, 0.1, 0.2, 0.3, 0.6, 0.8, 0.9};
/* Rectification threshold (in SDs of the unit): sparser units bend the geometry more per layer. */
static const double Threshold[SIM_NLAYERS] = {0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0};
/* Share of each unit's variance from the layer's own innovation (see the top of the file). It
   sets how distinct the layers are, and so how many layers a channel that encodes one of them
   correlates with: at 0.35 neighbouring layers' RDMs correlated 0.84-0.87 and conv1 with conv5
   0.62, so a channel encoding conv4 reached 50-90 % of its peak rho at every other layer, a
   clearly encoding channel was significant at all nine, and the alignment of the significant
   pairs stayed near 0.2 however cleanly the layers were planted along the ventral stream
   (docs/simulator.md, "How distinct the layers are"). */
#define INNOVATION 0.5
#define NLATENT    16
#define FANIN_CONV 48
#define FANIN_FC   256
#define MIN_WIDTH  16

/* Adds a smooth blob of amplitude amp and width s at (cx, cy) to an S x S image. */
static void AddBlob(int S, double *img, double cx, double cy, double s, double amp)
{
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      img[y * S + x] += amp * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s));
}

static void RandomBlobs(int S, double *img, int nblobs, SimRng *r)
{
  for (int b = 0; b < nblobs; b++) {
    const double cx = S * SimRngUniform(r), cy = S * SimRngUniform(r);
    const double s = S * (0.06 + 0.2 * SimRngUniform(r)), amp = SimRngNormal(r);
    AddBlob(S, img, cx, cy, s, amp);
  }
}

static PetscErrorCode MakeImages(const SimParams *par, const SimStimuli *st, int S, float *pix)
{
  const PetscInt n = st->nimages;
  double *proto, *img, theta[SIM_NCATEGORY], period[SIM_NCATEGORY];

  PetscFunctionBegin;
  PetscCall(PetscCalloc1((size_t)SIM_NCATEGORY * S * S, &proto));
  PetscCall(PetscMalloc1((size_t)S * S, &img));
  for (int c = 0; c < SIM_NCATEGORY; c++) {
    SimRng r;
    SimRngInit(&r, par->seed, SIM_GLOBAL, (uint32_t)c, 0, SIM_STREAM_NETWORK);
    RandomBlobs(S, proto + (size_t)c * S * S, 6, &r);
    theta[c]  = M_PI * (c + 0.3 * SimRngUniform(&r)) / SIM_NCATEGORY;
    period[c] = PetscMax(3.0, S * (0.08 + 0.1 * SimRngUniform(&r)));
  }
  for (PetscInt i = 0; i < n; i++) {
    SimRng r;
    const int c = (st->category[i] / 10 + 1) % SIM_NCATEGORY; /* codes 10..50 to 0..4, any bijection */
    double lum, contrast, phase;
    SimRngInit(&r, par->seed, SIM_GLOBAL, (uint32_t)i, 1, SIM_STREAM_NETWORK);
    lum      = 20.0 * SimRngNormal(&r);
    contrast = 0.8 + 0.4 * SimRngUniform(&r);
    phase    = 2 * M_PI * SimRngUniform(&r);
    PetscCall(PetscArrayzero(img, (size_t)S * S));
    RandomBlobs(S, img, 8, &r);
    for (int y = 0; y < S; y++)
      for (int x = 0; x < S; x++) {
        const double g = cos(2 * M_PI * (x * cos(theta[c]) + y * sin(theta[c])) / period[c] + phase);
        double v       = 0.5 * proto[(size_t)c * S * S + y * S + x] + img[y * S + x] + 0.6 * g + 0.3 * SimRngNormal(&r);
        v              = 128 + lum + 40 * contrast * v;
        pix[(size_t)i * S * S + y * S + x] = (float)PetscClipInterval(v, 0.0, 255.0);
      }
  }
  PetscCall(PetscFree(proto));
  PetscCall(PetscFree(img));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Max over neighbouring pairs of units: [n][m] -> [n][ceil(m/2)]. */
static void PoolPairs(PetscInt n, PetscInt m, const float *in, float *out)
{
  const PetscInt h = (m + 1) / 2;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = 0; k < h; k++) {
      const float a = in[i * m + 2 * k], b = 2 * k + 1 < m ? in[i * m + 2 * k + 1] : a;
      out[i * h + k] = a > b ? a : b;
    }
}

/* One layer: out[n][nout] from x[n][nin]. */
static PetscErrorCode MapLayer(const SimParams *par, const SimStimuli *st, int l, PetscBool untrained, PetscInt nin,
                               const float *x, PetscInt nout, float *out)
{
  const PetscInt n = st->nimages;
  const int K      = (int)PetscMin((PetscInt)(LocalLayer[l] ? FANIN_CONV : FANIN_FC), nin);
  double *mu, *u, *w, *latent, v[NLATENT];
  int *idx, *ncat;

  PetscFunctionBegin;
  /* category means of the input, for template units */
  PetscCall(PetscCalloc1((size_t)(SIM_NCATEGORY + 1) * nin, &mu));
  PetscCall(PetscCalloc1(SIM_NCATEGORY, &ncat));
  for (PetscInt i = 0; i < n; i++) {
    const int c = (st->category[i] / 10 + 1) % SIM_NCATEGORY;
    ncat[c]++;
    for (PetscInt f = 0; f < nin; f++) {
      mu[c * nin + f] += x[i * nin + f];
      mu[SIM_NCATEGORY * nin + f] += x[i * nin + f] / n;
    }
  }
  for (int c = 0; c < SIM_NCATEGORY; c++)
    for (PetscInt f = 0; f < nin; f++)
      mu[c * nin + f] = mu[c * nin + f] / PetscMax(ncat[c], 1) - mu[SIM_NCATEGORY * nin + f];
  PetscCall(PetscMalloc3(n, &u, K, &w, K, &idx));
  PetscCall(PetscMalloc1((size_t)n * NLATENT, &latent));
  for (PetscInt i = 0; i < n; i++) {
    SimRng r;
    SimRngInit(&r, par->seed, untrained ? SIM_GLOBAL - 4 : SIM_GLOBAL - 2, (uint32_t)i, (uint32_t)l,
               SIM_STREAM_NETWORK);
    for (int k = 0; k < NLATENT; k++)
      latent[i * NLATENT + k] = SimRngNormal(&r);
  }
  for (PetscInt j = 0; j < nout; j++) {
    SimRng r;
    double mean = 0, var = 0, sd, norm = 0, norm2 = 0;
    SimRngInit(&r, par->seed, untrained ? SIM_GLOBAL - 3 : SIM_GLOBAL - 1, (uint32_t)j, (uint32_t)l,
               SIM_STREAM_NETWORK);
    if (LocalLayer[l]) {
      const double centre = (j + 0.5) * (double)nin / nout;
      const PetscInt half = PetscMax((PetscInt)K, nin / 64);
      for (int k = 0; k < K; k++) {
        PetscInt f = (PetscInt)floor(centre + (2 * SimRngUniform(&r) - 1) * half);
        idx[k]     = (int)((f % nin + nin) % nin);
      }
    } else
      for (int k = 0; k < K; k++)
        idx[k] = SimRngInt(&r, (int)nin);
    if (SimRngUniform(&r) < (untrained ? 0.0 : TemplateShare[l])) {
      const int c = SimRngInt(&r, SIM_NCATEGORY);
      for (int k = 0; k < K; k++)
        norm += mu[c * nin + idx[k]] * mu[c * nin + idx[k]];
      norm = norm > 0 ? sqrt(norm) : 1;
      for (int k = 0; k < K; k++)
        w[k] = mu[c * nin + idx[k]] / norm + 0.3 * SimRngNormal(&r) / sqrt((double)K);
    } else
      for (int k = 0; k < K; k++)
        w[k] = SimRngNormal(&r) / sqrt((double)K);
    for (PetscInt i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < K; k++)
        s += w[k] * x[i * nin + idx[k]];
      u[i] = s;
      mean += s / n;
    }
    for (PetscInt i = 0; i < n; i++)
      var += (u[i] - mean) * (u[i] - mean) / n;
    sd = var > 0 ? sqrt(var) : 1;
    for (int k = 0; k < NLATENT; k++) {
      v[k] = SimRngNormal(&r);
      norm2 += v[k] * v[k];
    }
    norm2 = sqrt(norm2);
    for (PetscInt i = 0; i < n; i++) {
      double xi = 0, y;
      for (int k = 0; k < NLATENT; k++)
        xi += v[k] * latent[i * NLATENT + k] / norm2;
      y                 = sqrt(1 - INNOVATION) * (u[i] - mean) / sd + sqrt(INNOVATION) * xi;
      out[i * nout + j] = (float)(l == SIM_NLAYERS - 1 ? y : PetscMax(y - Threshold[l], 0.0));
    }
  }
  PetscCall(PetscFree3(u, w, idx));
  PetscCall(PetscFree(latent));
  PetscCall(PetscFree(mu));
  PetscCall(PetscFree(ncat));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Standardised projections of layer l's centred activations onto SIM_NPROJ random directions. */
/* The layer's SIM_NPROJ leading principal components, as score vectors scaled so that the
   first has unit SD (the others in proportion to their own SD): a channel's code is a random
   combination of them, a projection onto a random direction that favours the directions
   that carry the layer's distances. Block power iteration on the images' Gram matrix. */
static PetscErrorCode Project(const SimParams *par, PetscInt n, int l, PetscInt m, const float *a, double *proj)
{
  double *G, *c, *V, *W, lambda[SIM_NPROJ];
  SimRng r;

  PetscFunctionBegin;
  PetscCall(PetscCalloc4((size_t)n * n, &G, m, &c, (size_t)n * SIM_NPROJ, &V, (size_t)n * SIM_NPROJ, &W));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt f = 0; f < m; f++)
      c[f] += a[i * m + f] / (double)n;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = i; j < n; j++) {
      double s = 0;
      for (PetscInt f = 0; f < m; f++)
        s += (a[i * m + f] - c[f]) * (a[j * m + f] - c[f]);
      G[i * n + j] = G[j * n + i] = s;
    }
  SimRngInit(&r, par->seed, SIM_GLOBAL, 0, (uint32_t)l, SIM_STREAM_PROJECTION);
  for (PetscInt q = 0; q < n * SIM_NPROJ; q++)
    V[q] = SimRngNormal(&r);
  for (int it = 0; it < 100; it++) {
    for (int k = 0; k < SIM_NPROJ; k++) /* W = G V, then Gram-Schmidt back into V */
      for (PetscInt i = 0; i < n; i++) {
        double s = 0;
        for (PetscInt j = 0; j < n; j++)
          s += G[i * n + j] * V[k * n + j];
        W[k * n + i] = s;
      }
    for (int k = 0; k < SIM_NPROJ; k++) {
      double norm = 0;
      for (int q = 0; q < k; q++) {
        double d = 0;
        for (PetscInt i = 0; i < n; i++)
          d += W[k * n + i] * V[q * n + i];
        for (PetscInt i = 0; i < n; i++)
          W[k * n + i] -= d * V[q * n + i];
      }
      for (PetscInt i = 0; i < n; i++)
        norm += W[k * n + i] * W[k * n + i];
      norm = norm > 0 ? sqrt(norm) : 1;
      for (PetscInt i = 0; i < n; i++)
        V[k * n + i] = W[k * n + i] / norm;
    }
  }
  for (int k = 0; k < SIM_NPROJ; k++) { /* Rayleigh quotients: the components' variances */
    lambda[k] = 0;
    for (PetscInt i = 0; i < n; i++) {
      double s = 0;
      for (PetscInt j = 0; j < n; j++)
        s += G[i * n + j] * V[k * n + j];
      lambda[k] += V[k * n + i] * s;
    }
  }
  for (int k = 0; k < SIM_NPROJ; k++) {
    const double scale = lambda[0] > 0 ? sqrt(PetscMax(lambda[k], 0.0) / lambda[0] * n) : 0;
    for (PetscInt i = 0; i < n; i++)
      proj[((size_t)l * SIM_NPROJ + k) * n + i] = scale * V[k * n + i];
  }
  PetscCall(PetscFree4(G, c, V, W));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The trained network, or its untrained control: the same architecture and images, the
   weights and the layers' shared innovations from other streams, and no template units
   (what training adds). */
static PetscErrorCode NetworkBuild(const SimParams *par, const SimStimuli *st, PetscBool untrained, SimNetwork *net)
{
  const PetscInt n = st->nimages;
  int S;
  float *pooled = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(net, sizeof(*net)));
  net->nimages = n;
  S            = (int)PetscMax(4, lround(sqrt(SimStudyLayerWidth[0] * par->layer_scale)));
  for (int l = 0; l < SIM_NLAYERS; l++)
    net->nfeatures[l] =
        l == 0 ? (PetscInt)S * S : PetscMax(MIN_WIDTH, (PetscInt)lround(SimStudyLayerWidth[l] * par->layer_scale));
  for (int l = 0; l < SIM_NLAYERS; l++)
    PetscCall(PetscMalloc1((size_t)n * net->nfeatures[l], &net->act[l]));
  PetscCall(PetscMalloc1((size_t)SIM_NLAYERS * SIM_NPROJ * n, &net->proj));
  PetscCall(MakeImages(par, st, S, net->act[0]));
  for (int l = 1; l < SIM_NLAYERS; l++) {
    PetscInt nin   = net->nfeatures[l - 1];
    const float *x = net->act[l - 1];
    if (PooledAfter[l - 1]) {
      const PetscInt h = (nin + 1) / 2;
      PetscCall(PetscFree(pooled));
      PetscCall(PetscMalloc1((size_t)n * h, &pooled));
      PoolPairs(n, nin, x, pooled);
      nin = h;
      x   = pooled;
    }
    PetscCall(MapLayer(par, st, l, untrained, nin, x, net->nfeatures[l], net->act[l]));
  }
  PetscCall(PetscFree(pooled));
  for (int l = 0; l < SIM_NLAYERS; l++)
    PetscCall(Project(par, n, l, net->nfeatures[l], net->act[l], net->proj));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimNetworkCreate(const SimParams *par, const SimStimuli *st, SimNetwork *net)
{
  PetscFunctionBegin;
  PetscCall(NetworkBuild(par, st, PETSC_FALSE, net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimNetworkCreateUntrained(const SimParams *par, const SimStimuli *st, SimNetwork *net)
{
  PetscFunctionBegin;
  PetscCall(NetworkBuild(par, st, PETSC_TRUE, net));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimNetworkDestroy(SimNetwork *net)
{
  PetscFunctionBegin;
  for (int l = 0; l < SIM_NLAYERS; l++)
    PetscCall(PetscFree(net->act[l]));
  PetscCall(PetscFree(net->proj));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode SimNetworkRdmCorrelation(const SimNetwork *net, const SimStimuli *st, double *corr,
                                        double *category_index)
{
  const PetscInt n = net->nimages, np = n * (n - 1) / 2;
  double *rdm;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)SIM_NLAYERS * np, &rdm));
  for (int l = 0; l < SIM_NLAYERS; l++) {
    const PetscInt m = net->nfeatures[l];
    const float *a   = net->act[l];
    double within = 0, between = 0;
    PetscInt nw = 0, nb = 0;
    for (PetscInt i = 0, q = 0; i < n; i++)
      for (PetscInt j = i + 1; j < n; j++, q++) {
        double s = 0;
        for (PetscInt f = 0; f < m; f++) {
          const double d = (double)a[i * m + f] - a[j * m + f];
          s += d * d;
        }
        rdm[(size_t)l * np + q] = sqrt(s);
        if (st->category[i] == st->category[j])
          within += sqrt(s), nw++;
        else
          between += sqrt(s), nb++;
      }
    category_index[l] = (between / PetscMax(nb, 1)) / (within / PetscMax(nw, 1));
  }
  for (int a = 0; a < SIM_NLAYERS; a++)
    for (int b = 0; b < SIM_NLAYERS; b++) {
      if (b < a)
        corr[a * SIM_NLAYERS + b] = corr[b * SIM_NLAYERS + a];
      else if (a == b)
        corr[a * SIM_NLAYERS + b] = 1;
      else
        PetscCall(StatsSpearman(np, rdm + (size_t)a * np, rdm + (size_t)b * np, &corr[a * SIM_NLAYERS + b], NULL));
    }
  PetscCall(PetscFree(rdm));
  PetscFunctionReturn(PETSC_SUCCESS);
}
