/* report.c: tables, figures and the HTML page of a results file; recovery of planted truth.
 *
 * The report runs on one rank: a results file holds at most a few megabytes, and figures
 * are drawn by gnuplot, a separate program, which this module alone runs. Each figure is a
 * generated gnuplot script (kept next to the output only when gnuplot fails, so that the
 * failure can be reproduced), run with posix_spawnp rather than through a shell, so no
 * path or name ever meets shell quoting. The HTML page embeds every figure as a base64
 * data URI and carries its own CSS: it can be mailed or archived alone and opens with no
 * network. Every output is written under a temporary name and renamed when complete.
 *
 * The constant text of the page, its CSS and the gnuplot scripts lives in templates, the
 * files of src/report/templates/ (report.html, report.css, figure.html, figure.gp and one
 * .gp per kind of figure), embedded in the program at build time by
 * scripts/embed-templates as ReportTemplate_<name> (build/report/templates.h). This file
 * fills their holes in order (template.h) with numbers, names and per-row markup.
 *
 * The report trusts the summaries that rsa stored, but recomputes them from the
 * per-channel arrays with the same kernel (AlignmentCompute) and says so on stderr and in
 * the page when they disagree: a cheap check that the file is what it claims. */
#include <bandalign/report.h>
#include <bandalign/alignment.h>
#include <bandalign/template.h>
#include <bandalign/truth.h>
#include "templates.h" /* build/report/templates.h: the files of src/report/templates/ */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- output files ------------------------------------------------------------------ */

typedef struct {
  FILE *fp;
  char path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 16];
} OutFile;

static PetscErrorCode OutOpen(const char *dir, const char *name, OutFile *o)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(o->path, sizeof(o->path), "%s/%s", dir, name));
  PetscCall(PetscSNPrintf(o->tmp, sizeof(o->tmp), "%s.partial", o->path));
  o->fp = fopen(o->tmp, "w");
  PetscCheck(o->fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot create (%s)", o->path, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Closes and renames into place; a write error removes the partial file. */
static PetscErrorCode OutCommit(OutFile *o)
{
  int bad = ferror(o->fp);

  PetscFunctionBegin;
  bad |= fclose(o->fp) != 0;
  o->fp = NULL;
  if (bad) unlink(o->tmp);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot write (%s)", o->path, strerror(errno));
  PetscCheck(rename(o->tmp, o->path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot rename from %s (%s)",
             o->path, o->tmp, strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* mkdir -p */
static PetscErrorCode MakeDir(const char *dir)
{
  char buf[PETSC_MAX_PATH_LEN];
  struct stat st;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, dir, sizeof(buf)));
  for (char *s = buf + 1;; s++) {
    if (*s == '/' || *s == 0) {
      char c = *s;
      *s     = 0;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        SETERRQ(PETSC_COMM_SELF, BA_ERR_INPUT, "-out: cannot create folder %s (%s)", buf, strerror(errno));
      *s = c;
      if (!c) break;
    }
  }
  PetscCheck(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), PETSC_COMM_SELF, BA_ERR_INPUT, "-out: %s is not a folder",
             dir);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void CsvField(FILE *fp, const char *s)
{
  if (!strpbrk(s, ",\"\n")) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s, fp);
  }
  fputc('"', fp);
}

static void Html(FILE *fp, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", fp);
      break;
    case '>':
      fputs("&gt;", fp);
      break;
    case '&':
      fputs("&amp;", fp);
      break;
    case '"':
      fputs("&quot;", fp);
      break;
    default:
      fputc(*s, fp);
    }
  }
}

/* A gnuplot single-quoted string: a quote is doubled. */
static void GpString(FILE *fp, const char *s)
{
  fputc('\'', fp);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', fp);
    fputc(*s, fp);
  }
  fputc('\'', fp);
}

static void AreaLabel(const ResultsRoiSummary *s, int a, char *buf, size_t len)
{
  snprintf(buf, len, "BA%d (%d/%d)", BaVentralAreas[a], s->area_significant[a], s->area_responsive[a]);
}

static void WindowName(int w, char *buf, size_t len)
{
  snprintf(buf, len, "%d-%d ms", BaWindows[w].t0_ms, BaWindows[w].t1_ms);
}

/* ---- tables ------------------------------------------------------------------------ */

static PetscErrorCode WriteSummaryCsv(const Results *res, const char *dir)
{
  OutFile o;

  PetscFunctionBegin;
  PetscCall(OutOpen(dir, "summary.csv", &o));
  fprintf(o.fp, "band,t0_ms,t1_ms,n_channels,n_responsive,n_significant_pairs,alignment_rho,"
                "alignment_p,volume,specificity,noise_median\n");
  for (int b = 0; b < BA_NBANDS; b++)
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const ResultsRoiSummary *s = &res->roi[RoiIndex(b, w)];
      fprintf(o.fp, "%s,%d,%d,%d,%d,%d,%.10g,%.6g,%.10g,%.10g,%.10g\n", BaBands[b].name, BaWindows[w].t0_ms,
              BaWindows[w].t1_ms, (int)res->nchannels, (int)s->n_responsive, (int)s->n_significant_pairs,
              s->alignment_rho, s->alignment_p, s->volume, s->specificity, s->noise_median);
    }
  PetscCall(OutCommit(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* pairs.csv, the long form: one row per tested (responsive channel, layer) pair of every ROI. */
static PetscErrorCode WritePairsCsv(const Results *res, const char *dir)
{
  const PetscInt nl = res->nlayers;
  OutFile o;
  char roi[64];

  PetscFunctionBegin;
  PetscCall(OutOpen(dir, "pairs.csv", &o));
  fputs("roi,channel,patient,area,layer,rho,p,q,significant\n", o.fp);
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiData *d = &res->data[r];
    RoiName(r, roi, sizeof(roi));
    for (PetscInt c = 0; c < res->nchannels; c++) {
      if (!d->responsive[c]) continue;
      for (PetscInt l = 0; l < nl; l++) {
        fprintf(o.fp, "%s,", roi);
        CsvField(o.fp, res->channel_name[c]);
        fputc(',', o.fp);
        CsvField(o.fp, res->patient[c]);
        fprintf(o.fp, ",%d,", res->area[c]);
        CsvField(o.fp, res->layer_name[l]);
        fprintf(o.fp, ",%.10g,%.10g,%.10g,%d\n", d->rho[c * nl + l], d->pvalue[c * nl + l], d->qvalue[c * nl + l],
                (int)d->significant[c * nl + l]);
      }
    }
  }
  PetscCall(OutCommit(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode WriteAreaLayerCsv(const Results *res, const char *dir, int roi)
{
  const ResultsRoiSummary *s = &res->roi[roi];
  OutFile o;
  char name[96], roiname[64], label[64];

  PetscFunctionBegin;
  RoiName(roi, roiname, sizeof(roiname));
  PetscCall(PetscSNPrintf(name, sizeof(name), "area_layer_%s.csv", roiname));
  PetscCall(OutOpen(dir, name, &o));
  fputs("area,label,n_significant,n_responsive", o.fp);
  for (PetscInt l = 0; l < res->nlayers; l++) {
    fputc(',', o.fp);
    CsvField(o.fp, res->layer_name[l]);
  }
  fputc('\n', o.fp);
  for (int a = 0; a < BA_NAREAS; a++) {
    AreaLabel(s, a, label, sizeof(label));
    fprintf(o.fp, "BA%d,%s,%d,%d", BaVentralAreas[a], label, s->area_significant[a], s->area_responsive[a]);
    for (PetscInt l = 0; l < res->nlayers; l++)
      fprintf(o.fp, ",%.10g", s->area_layer[a * res->nlayers + l]);
    fputc('\n', o.fp);
  }
  PetscCall(OutCommit(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- figures ------------------------------------------------------------------------ */

typedef struct {
  char file[96]; /* PNG name inside the folder */
  char title[160];
  char caption[2048]; /* HTML: what is plotted, the statistic, the threshold */
  const char *size;   /* CSS class of the figure: "full" or "half" */
  PetscBool made;
  char note[256]; /* why it is missing */
} Figure;

/* Appends printf text to a fixed buffer (truncating). */
static void Cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void Cat(char *buf, size_t len, const char *fmt, ...)
{
  size_t n = strlen(buf);
  va_list ap;

  if (n + 1 >= len) return;
  va_start(ap, fmt);
  vsnprintf(buf + n, len - n, fmt, ap);
  va_end(ap);
}

/* x rounded up to a round number: 1, 2, 2.5 or 5 times a power of ten (1 when x <= 0). */
static double NiceCeil(double x)
{
  static const double steps[] = {1, 2, 2.5, 5, 10};
  double e;

  if (!(x > 0) || !isfinite(x)) return 1;
  e = pow(10, floor(log10(x)));
  for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
    if (steps[i] * e >= x * (1 - 1e-12)) return steps[i] * e;
  return 10 * e;
}

/* A gnuplot script drawing one or more figures, run as one process (gnuplot's start-up,
   fonts included, costs more than drawing a figure). */
typedef struct {
  FILE *fp;
  char path[PETSC_MAX_PATH_LEN]; /* dir/.what.gp */
  char what[64];                 /* names the figures in errors */
  int n;                         /* figures so far */
  char png[BA_NROIS + 2][96];    /* their PNG names */
} Script;

static PetscErrorCode ScriptOpen(const char *dir, const char *what, Script *s)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscCall(PetscStrncpy(s->what, what, sizeof(s->what)));
  PetscCall(PetscSNPrintf(s->path, sizeof(s->path), "%s/.%s.gp", dir, what));
  s->fp = fopen(s->path, "w");
  PetscCheck(s->fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "figure %s: cannot create %s (%s)", what, s->path,
             strerror(errno));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Starts a new figure of the script: settings reset, terminal and output set. */
static PetscErrorCode ScriptFigure(Script *s, const char *dir, const char *png, int width, int height)
{
  char out[PETSC_MAX_PATH_LEN + 16];
  Template t;

  PetscFunctionBegin;
  PetscCheck(s->n < BA_NROIS + 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many figures in one script");
  PetscCall(PetscStrncpy(s->png[s->n++], png, sizeof(s->png[0])));
  PetscCall(PetscSNPrintf(out, sizeof(out), "%s/%s.partial", dir, png));
  TemplateBegin(&t, s->fp, "figure.gp", ReportTemplate_figure_gp);
  PetscCall(TemplatePrintf(&t, "width", "%d", width));
  PetscCall(TemplatePrintf(&t, "height", "%d", height));
  PetscCall(TemplateHole(&t, "output"));
  GpString(s->fp, out);
  PetscCall(TemplateEnd(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Runs gnuplot on the script (no shell between), checks that each figure is a PNG and renames
   it into place. On failure the script stays for whoever wants to rerun it. */
static PetscErrorCode ScriptRun(Script *s, const char *dir)
{
  static const unsigned char Png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  char *argv[]                      = {(char *)"gnuplot", s->path, NULL};
  char png[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 16];
  pid_t pid;
  int status = 0, rc, bad = ferror(s->fp);

  PetscFunctionBegin;
  bad |= fclose(s->fp) != 0;
  s->fp = NULL;
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "figure %s: cannot write %s", s->what, s->path);
  fflush(stdout);
  fflush(stderr);
  rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
  PetscCheck(rc == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "figure %s: cannot run gnuplot (%s); install gnuplot-nox",
             s->what, strerror(rc));
  while (waitpid(pid, &status, 0) < 0)
    PetscCheck(errno == EINTR, PETSC_COMM_SELF, PETSC_ERR_LIB, "figure %s: waiting for gnuplot: %s", s->what,
               strerror(errno));
  for (int i = 0; i < s->n; i++) {
    unsigned char sig[8] = {0};
    FILE *fp;

    PetscCall(PetscSNPrintf(png, sizeof(png), "%s/%s", dir, s->png[i]));
    PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.partial", png));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      unlink(tmp);
      continue;
    }
    fp = fopen(tmp, "rb");
    if (fp) {
      if (fread(sig, 1, 8, fp) != 8) sig[0] = 0;
      fclose(fp);
    }
    PetscCheck(!memcmp(sig, Png, 8), PETSC_COMM_SELF, PETSC_ERR_LIB,
               "figure %s: gnuplot wrote no PNG %s; its script is %s", s->what, s->png[i], s->path);
    PetscCheck(rename(tmp, png) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s: cannot rename from %s (%s)", png, tmp,
               strerror(errno));
  }
  PetscCheck(!WIFEXITED(status) || WEXITSTATUS(status) != 127, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "figure %s: gnuplot not found (install gnuplot-nox)", s->what);
  PetscCheck(WIFEXITED(status) && WEXITSTATUS(status) == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "figure %s: gnuplot failed (%s %d); its script is %s", s->what,
             WIFEXITED(status) ? "exit status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
             s->path);
  unlink(s->path);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The 15 ROIs at a glance: x window, y band, dot area volume, colour alignment rho, a ring
   where the ROI is aligned. */
static PetscErrorCode FigureOverview(const Results *res, const char *dir, Figure *f)
{
  Script sc;
  Template t;
  FILE *fp;
  char wname[32];
  double vmax = 0, rmax = 0;
  int naligned = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "overview.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "The 15 ROIs at a glance", sizeof(f->title)));
  for (int r = 0; r < BA_NROIS; r++) {
    vmax = PetscMax(vmax, res->roi[r].volume);
    rmax = PetscMax(rmax, fabs(res->roi[r].alignment_rho));
    naligned += res->roi[r].alignment_p < REPORT_ALIGNED_P;
  }
  rmax = PetscMax(0.05, ceil(rmax / 0.05 * (1 - 1e-12)) * 0.05); /* symmetric, rounded up to 0.05 */
  PetscCall(ScriptOpen(dir, "overview", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 760, 620));
  fp = sc.fp;
  TemplateBegin(&t, fp, "overview.gp", ReportTemplate_overview_gp);
  PetscCall(TemplateHole(&t, "windows"));
  for (int w = 0; w < BA_NWINDOWS; w++) {
    WindowName(w, wname, sizeof(wname));
    fprintf(fp, "%s'%s' %d", w ? ", " : "", wname, w);
  }
  PetscCall(TemplateHole(&t, "bands"));
  for (int b = 0; b < BA_NBANDS; b++)
    fprintf(fp, "%s'%s' %d", b ? ", " : "", BaBands[b].name, b);
  PetscCall(TemplatePrintf(&t, "rho_max", "%.2f", rmax));
  PetscCall(TemplatePrintf(&t, "rho_max", "%.2f", rmax));
  PetscCall(TemplateHole(&t, "points"));
  for (int b = 0; b < BA_NBANDS; b++)
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const ResultsRoiSummary *s = &res->roi[RoiIndex(b, w)];
      double ps                  = 0.8 + 5.0 * (vmax > 0 && s->volume > 0 ? sqrt(s->volume / vmax) : 0);
      fprintf(fp, "%d %d %.6g %.6g %d\n", w, b, ps, s->alignment_rho, s->alignment_p < REPORT_ALIGNED_P);
    }
  PetscCall(TemplateSection(&t, "aligned", naligned ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(TemplateEnd(&t));
  PetscCall(ScriptRun(&sc, dir));
  f->made = PETSC_TRUE;
  f->size = "half";
  snprintf(f->caption, sizeof(f->caption),
           "Each dot is an ROI (x: window, y: band). Dot area: the ROI's volume (sum of significant rho in BA 17, 18, "
           "19, 37, 20; the largest here %.3g). Colour: alignment rho on a scale symmetric around 0, blue -%.2f to "
           "red +%.2f (the largest |rho| of the 15 ROIs, rounded up to 0.05). A black ring marks alignment "
           "p &lt; 0.005/15 = %.2g: %d of 15 ROIs.",
           vmax, rmax, rmax, REPORT_ALIGNED_P, naligned);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The tics of the layer axis: 'name' 0, 'name' 1, ... */
static void LayerTics(FILE *fp, const Results *res)
{
  for (PetscInt l = 0; l < res->nlayers; l++) {
    if (l) fputs(", ", fp);
    GpString(fp, res->layer_name[l]);
    fprintf(fp, " %d", (int)l);
  }
}

/* ---- the study's published figures ------------------------------------------------- */

/* One ROI of data/kuzovkin2018/published-figures.tsv (embedded at build time). */
typedef struct {
  int responsive;
  double rho, p, volume, specificity; /* p 0.0001 stands for < 1e-4 */
} Published;

/* Reads the embedded table into pub[roi]; every ROI must be there once (PLIB otherwise: the
   table is part of the program). */
static PetscErrorCode PublishedRead(Published pub[BA_NROIS])
{
  const char *s      = ReportTemplate_published_figures_tsv;
  int seen[BA_NROIS] = {0}, line = 0;

  PetscFunctionBegin;
  for (; *s; line++) {
    const char *e = strchr(s, '\n');
    char buf[256], band[64];
    int lo, hi, t0, t1, n, b = -1, w = -1;
    double rho, p, vol, spec;
    size_t len = e ? (size_t)(e - s) : strlen(s);

    PetscCheck(len < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_PLIB, "published-figures.tsv: line %d too long", line + 1);
    memcpy(buf, s, len);
    buf[len] = 0;
    s += len + (e ? 1 : 0);
    if (line == 0 || !buf[0]) continue; /* the header */
    PetscCheck(
        sscanf(buf, "%63s %d %d %d %d %d %lf %lf %lf %lf", band, &lo, &hi, &t0, &t1, &n, &rho, &p, &vol, &spec) == 10,
        PETSC_COMM_SELF, PETSC_ERR_PLIB, "published-figures.tsv: line %d: not 10 fields", line + 1);
    for (int k = 0; k < BA_NBANDS; k++)
      if (!strcmp(band, BaBands[k].name)) b = k;
    for (int k = 0; k < BA_NWINDOWS; k++)
      if (t0 == BaWindows[k].t0_ms && t1 == BaWindows[k].t1_ms) w = k;
    PetscCheck(b >= 0 && w >= 0 && !seen[RoiIndex(b, w)], PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "published-figures.tsv: line %d: unknown or repeated ROI %s %d-%d ms", line + 1, band, t0, t1);
    seen[RoiIndex(b, w)] = 1;
    pub[RoiIndex(b, w)]  = (Published){n, rho, p, vol, spec};
  }
  for (int r = 0; r < BA_NROIS; r++)
    PetscCheck(seen[r], PETSC_COMM_SELF, PETSC_ERR_PLIB, "published-figures.tsv: ROI %d missing", r);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- grouped bars ------------------------------------------------------------------ */

#define BAR_MAX_GROUPS BA_NROIS
#define BAR_MAX_SERIES 6

/* The colours of the three windows (figures 1, 2) and of the five bands (electrodes). */
static const char *const WindowColour[BA_NWINDOWS] = {"#9ecae1", "#3182bd", "#08306b"};
static const char *const BandColour[BA_NBANDS]     = {"#1b9e77", "#7570b3", "#e6ab02", "#d95f02", "#e7298a"};

typedef struct {
  char title[80];                 /* in the key */
  const char *colour;             /* "#rrggbb" */
  PetscBool hollow;               /* an outlined bar (the published figures) */
  double v[BAR_MAX_GROUPS];       /* one bar per group */
  PetscBool mark[BAR_MAX_GROUPS]; /* a star above the bar */
} BarSeries;

typedef struct {
  const char *title, *ylabel, *key, *xtic_style;
  int ngroups;
  char group[BAR_MAX_GROUPS][64]; /* tic labels; '\n' starts a line */
  int nseries;
  BarSeries s[BAR_MAX_SERIES];
  const char *mark_title; /* key entry of the stars */
  int bmargin;            /* character heights below the plot, for the group labels */
  double ymin, ymax;      /* the y range; ymin == ymax: from the data */
} Bars;

/* A gnuplot double-quoted string (a line end becomes \n). */
static void GpDString(FILE *fp, const char *s)
{
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '\n')
      fputs("\\n", fp);
    else {
      if (*s == '"' || *s == '\\') fputc('\\', fp);
      fputc(*s, fp);
    }
  }
  fputc('"', fp);
}

/* One panel of grouped bars (bars.gp); id names its data blocks. */
static PetscErrorCode GpBars(FILE *fp, const Bars *b, int id)
{
  const double bw = 0.8 / b->nseries;
  double lo = 0, hi = 0, off;
  PetscBool marks = PETSC_FALSE;
  Template t;

  PetscFunctionBegin;
  for (int k = 0; k < b->nseries; k++)
    for (int g = 0; g < b->ngroups; g++) {
      if (isfinite(b->s[k].v[g])) {
        lo = PetscMin(lo, b->s[k].v[g]);
        hi = PetscMax(hi, b->s[k].v[g]);
      }
      marks = marks || b->s[k].mark[g];
    }
  if (b->ymin < b->ymax) {
    lo = b->ymin;
    hi = b->ymax;
  } else {
    double span = hi - lo > 0 ? hi - lo : 1, step = NiceCeil(span) / 10;
    hi = ceil((hi + 0.1 * span) / step) * step;
    lo = lo < 0 ? floor((lo - 0.05 * span) / step) * step : 0;
  }
  off = 0.035 * (hi - lo);
  TemplateBegin(&t, fp, "bars.gp", ReportTemplate_bars_gp);
  PetscCall(TemplateHole(&t, "title"));
  GpString(fp, b->title);
  PetscCall(TemplatePrintf(&t, "boxwidth", "%.4f", 0.92 * bw));
  PetscCall(TemplatePrintf(&t, "last_group", "%d", b->ngroups - 1));
  PetscCall(TemplatePrintf(&t, "ymin", "%.6g", lo));
  PetscCall(TemplatePrintf(&t, "ymax", "%.6g", hi));
  PetscCall(TemplateHole(&t, "groups"));
  for (int g = 0; g < b->ngroups; g++) {
    if (g) fputs(", ", fp);
    GpDString(fp, b->group[g]);
    fprintf(fp, " %d", g);
  }
  PetscCall(TemplatePrintf(&t, "xtic_style", "%s", b->xtic_style ? b->xtic_style : ""));
  PetscCall(TemplatePrintf(&t, "bmargin", "%d", b->bmargin ? b->bmargin : 4));
  PetscCall(TemplateHole(&t, "ylabel"));
  GpString(fp, b->ylabel);
  PetscCall(TemplatePrintf(&t, "key", "%s", b->key));
  PetscCall(TemplateHole(&t, "data"));
  for (int k = 0; k < b->nseries; k++) {
    fprintf(fp, "$bar%d_%d << EOD\n", id, k);
    for (int g = 0; g < b->ngroups; g++)
      fprintf(fp, "%.4f %.6g %d\n", g - 0.4 + (k + 0.5) * bw, isfinite(b->s[k].v[g]) ? b->s[k].v[g] : 0.0,
              (int)b->s[k].mark[g]);
    fputs("EOD\n", fp);
  }
  PetscCall(TemplateHole(&t, "series"));
  for (int k = 0; k < b->nseries; k++) {
    fprintf(fp, "%s$bar%d_%d using 1:2 with boxes ", k ? ", \\\n     " : "", id, k);
    if (b->s[k].hollow)
      fprintf(fp, "fs empty border lc rgb '%s' lw 2.5 lc rgb '%s' ", b->s[k].colour, b->s[k].colour);
    else
      fprintf(fp, "lc rgb '%s' ", b->s[k].colour);
    fputs("title ", fp);
    GpString(fp, b->s[k].title);
  }
  for (int k = 0; k < b->nseries && marks; k++)
    fprintf(fp,
            ", \\\n     $bar%d_%d using 1:($3 > 0 ? ($2 > 0 ? $2 : 0) + %.6g : 1/0) with points pt 3 ps 1.3 lw 1.5 "
            "lc rgb 'black' notitle",
            id, k, off);
  if (marks && b->mark_title) {
    fputs(", \\\n     keyentry with points pt 3 ps 1.3 lw 1.5 lc rgb 'black' title ", fp);
    GpString(fp, b->mark_title);
  }
  fputc('\n', fp);
  PetscCall(TemplateEnd(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The band labels of the x axis: name and frequencies. */
static void BandGroups(Bars *b)
{
  b->ngroups = BA_NBANDS;
  for (int g = 0; g < BA_NBANDS; g++)
    snprintf(b->group[g], sizeof(b->group[g]), "%s\n%d-%d Hz", BaBands[g].name, BaBands[g].lo_hz, BaBands[g].hi_hz);
}

/* Figure: alignment rho per band (groups) and window (bars), stars where aligned; with the
   study's protocol, its published rho beside each bar. */
static PetscErrorCode FigureAlignment(const Results *res, const char *dir, const Published *pub, Figure *f)
{
  Script sc;
  Bars b       = {0};
  int naligned = 0, npub = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "alignment.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Alignment with the network's layers, per band and window", sizeof(f->title)));
  b.title      = "Alignment of the ventral stream with the layers of the network";
  b.ylabel     = "alignment rho (Spearman, area order vs layer)";
  b.key        = "outside top center horizontal";
  b.mark_title = "alignment p < 0.005/15";
  BandGroups(&b);
  for (int w = 0; w < BA_NWINDOWS; w++) {
    BarSeries *s = &b.s[b.nseries++];
    snprintf(s->title, sizeof(s->title), "%d-%d ms", BaWindows[w].t0_ms, BaWindows[w].t1_ms);
    s->colour = WindowColour[w];
    for (int g = 0; g < BA_NBANDS; g++) {
      const ResultsRoiSummary *r = &res->roi[RoiIndex(g, w)];
      s->v[g]                    = r->alignment_rho;
      s->mark[g]                 = r->alignment_p < REPORT_ALIGNED_P;
      naligned += s->mark[g];
    }
    if (!pub) continue;
    s = &b.s[b.nseries++];
    snprintf(s->title, sizeof(s->title), "%d-%d ms, published", BaWindows[w].t0_ms, BaWindows[w].t1_ms);
    s->colour = WindowColour[w];
    s->hollow = PETSC_TRUE;
    for (int g = 0; g < BA_NBANDS; g++) {
      const Published *p = &pub[RoiIndex(g, w)];
      s->v[g]            = p->rho;
      s->mark[g]         = p->p < REPORT_ALIGNED_P;
      npub += s->mark[g];
    }
  }
  PetscCall(ScriptOpen(dir, "alignment", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 1150, pub ? 520 : 480));
  PetscCall(GpBars(sc.fp, &b, 0));
  PetscCall(ScriptRun(&sc, dir));
  f->made = PETSC_TRUE;
  snprintf(f->caption, sizeof(f->caption),
           "Alignment rho of each band (groups) in each post-stimulus window (bars): Spearman correlation, over "
           "the significant (channel, layer) pairs of the channels in the ventral areas BA 17, 18, 19, 37, 20, between "
           "the area's rank along the ventral stream and the depth of the layer. A positive rho means that channels "
           "further along the ventral stream match deeper layers of the network. * marks an ROI whose alignment "
           "p &lt; 0.005/15 = %.2g (the study's threshold, Bonferroni over the 15 ROIs): %d of 15 here.",
           REPORT_ALIGNED_P, naligned);
  if (pub)
    Cat(f->caption, sizeof(f->caption),
        " Outlined bars: the figures published by Kuzovkin et al. (2018) for the same ROI (%d of 15 with * there); "
        "they come from the study's own recordings.",
        npub);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Figure: volume and specificity per band and window, two panels. */
static PetscErrorCode FigureVolume(const Results *res, const char *dir, Figure *f)
{
  Script sc;
  Bars *b;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "volume_specificity.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Volume and specificity, per band and window", sizeof(f->title)));
  PetscCall(PetscCalloc1(2, &b));
  for (int panel = 0; panel < 2; panel++) {
    b[panel].title  = panel ? "Specificity: share of the volume in the ventral areas"
                            : "Volume: significant rho in BA 17, 18, 19, 37, 20";
    b[panel].ylabel = panel ? "specificity" : "volume (sum of significant rho)";
    b[panel].key    = panel ? "off" : "top left horizontal";
    if (panel) b[panel].ymax = 1.08;
    BandGroups(&b[panel]);
    for (int w = 0; w < BA_NWINDOWS; w++) {
      BarSeries *s = &b[panel].s[b[panel].nseries++];
      snprintf(s->title, sizeof(s->title), "%d-%d ms", BaWindows[w].t0_ms, BaWindows[w].t1_ms);
      s->colour = WindowColour[w];
      for (int g = 0; g < BA_NBANDS; g++)
        s->v[g] = panel ? res->roi[RoiIndex(g, w)].specificity : res->roi[RoiIndex(g, w)].volume;
    }
  }
  PetscCall(ScriptOpen(dir, "volume_specificity", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 1150, 430));
  fputs("set multiplot layout 1,2\n", sc.fp);
  PetscCall(GpBars(sc.fp, &b[0], 0));
  PetscCall(GpBars(sc.fp, &b[1], 1));
  fputs("unset multiplot\n", sc.fp);
  PetscCall(ScriptRun(&sc, dir));
  PetscCall(PetscFree(b));
  f->made = PETSC_TRUE;
  snprintf(f->caption, sizeof(f->caption),
           "Left, volume: the sum of rho over the significant (channel, layer) pairs of the channels in BA 17, 18, 19, "
           "37, 20, how much of the ROI's activity along the ventral stream resembles the network at all. Right, "
           "specificity: the volume divided by the same sum over the channels of every area, the share of the "
           "ROI's resemblance that lies in the ventral stream (0 when nothing is significant). Significant: "
           "permutation p corrected by %s at q = %g.",
           res->correction, res->q);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Figure: alignment rho of the trained and the control network per ROI (only with a control). */
static PetscErrorCode FigureControl(const Results *res, const char *dir, Figure *f)
{
  Script sc;
  Bars b = {0};
  int nt = 0, nc = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "control.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Trained vs control network", sizeof(f->title)));
  if (!res->has_control) {
    PetscCall(PetscStrncpy(f->note, "the run tested no control network (rsa -control_network)", sizeof(f->note)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  b.title      = "Alignment rho: trained vs control (untrained) network";
  b.ylabel     = "alignment rho";
  b.key        = "outside top center horizontal";
  b.mark_title = "alignment p < 0.005/15";
  b.xtic_style = "rotate by 40 right font ',9'";
  b.bmargin    = 7;
  b.ngroups    = BA_NROIS;
  for (int r = 0; r < BA_NROIS; r++)
    snprintf(b.group[r], sizeof(b.group[r]), "%s %d-%d", BaBands[r / BA_NWINDOWS].name,
             BaWindows[r % BA_NWINDOWS].t0_ms, BaWindows[r % BA_NWINDOWS].t1_ms);
  b.nseries = 2;
  PetscCall(PetscStrncpy(b.s[0].title, "trained", sizeof(b.s[0].title)));
  PetscCall(PetscStrncpy(b.s[1].title, "control", sizeof(b.s[1].title)));
  b.s[0].colour = "#3182bd";
  b.s[1].colour = "#bdbdbd";
  for (int r = 0; r < BA_NROIS; r++) {
    b.s[0].v[r]    = res->roi[r].alignment_rho;
    b.s[1].v[r]    = res->control[r].alignment_rho;
    b.s[0].mark[r] = res->roi[r].alignment_p < REPORT_ALIGNED_P;
    b.s[1].mark[r] = res->control[r].alignment_p < REPORT_ALIGNED_P;
    nt += b.s[0].mark[r];
    nc += b.s[1].mark[r];
  }
  PetscCall(ScriptOpen(dir, "control", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 1150, 480));
  PetscCall(GpBars(sc.fp, &b, 0));
  PetscCall(ScriptRun(&sc, dir));
  f->made = PETSC_TRUE;
  snprintf(f->caption, sizeof(f->caption),
           "Alignment rho of each ROI with the trained network (blue) and with the same architecture untrained "
           "(grey: the control), tested on the same responsive channels with the same permutations and correction. "
           "* marks alignment p &lt; 0.005/15 = %.2g: %d of 15 ROIs with the trained network, %d with the control. "
           "Where the alignment comes from what the network learned, the control's bars are lower and unmarked.",
           REPORT_ALIGNED_P, nt, nc);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The largest area x layer value of all ROIs, rounded up: the colour scale all heatmaps share. */
static double AreaLayerMax(const Results *res)
{
  double vmax = 0, e;

  for (int roi = 0; roi < BA_NROIS; roi++)
    for (PetscInt i = 0; i < BA_NAREAS * res->nlayers; i++)
      if (isfinite(res->roi[roi].area_layer[i])) vmax = PetscMax(vmax, res->roi[roi].area_layer[i]);
  if (!(vmax > 0)) return 1;
  e = pow(10, floor(log10(vmax)) - 1); /* two significant digits */
  return ceil(vmax / e * (1 - 1e-12)) * e;
}

static void AreaLayerMatrix(FILE *fp, const Results *res, int roi)
{
  for (int a = 0; a < BA_NAREAS; a++) {
    for (PetscInt l = 0; l < res->nlayers; l++)
      fprintf(fp, "%s%.6g", l ? " " : "", res->roi[roi].area_layer[a * res->nlayers + l]);
    fputc('\n', fp);
  }
}

/* One panel (band b, window w) of the area x layer grid; counts the aligned ROIs. */
static PetscErrorCode AreaLayerPanel(FILE *fp, const Results *res, int b, int w, int *naligned)
{
  const int roi              = RoiIndex(b, w);
  const ResultsRoiSummary *s = &res->roi[roi];
  char title[128], label[64];
  Template t;

  PetscFunctionBegin;

  *naligned += s->alignment_p < REPORT_ALIGNED_P;
  snprintf(title, sizeof(title), "alignment rho %.3f, p %.2g%s", s->alignment_rho, s->alignment_p,
           s->alignment_p < REPORT_ALIGNED_P ? " *" : "");
  TemplateBegin(&t, fp, "area_layer_panel.gp", ReportTemplate_area_layer_panel_gp);
  PetscCall(TemplateHole(&t, "title"));
  GpString(fp, title);
  PetscCall(TemplateHole(&t, "areas"));
  for (int a = 0; a < BA_NAREAS; a++) {
    snprintf(label, sizeof(label), "BA%d %d/%d", BaVentralAreas[a], s->area_significant[a], s->area_responsive[a]);
    fprintf(fp, "%s'%s' %d", a ? ", " : "", label, a);
  }
  PetscCall(TemplateHole(&t, "settings"));
  if (b == BA_NBANDS - 1) {
    fputs("set xtics rotate by 45 right font ',8' (", fp);
    LayerTics(fp, res);
    fputs(")\n", fp);
  } else
    fputs("set xtics format ''\n", fp);
  if (w == 0)
    fprintf(fp, "set ylabel \"%s\\n%d-%d Hz\" font ',11'\n", BaBands[b].name, BaBands[b].lo_hz, BaBands[b].hi_hz);
  else
    fputs("unset ylabel\n", fp);
  fputs(roi == BA_NROIS - 1 ? "set colorbox user origin screen 0.915,0.3 size screen 0.015,0.4\n" : "unset colorbox\n",
        fp);
  if (roi == 1) fputs("unset label\n", fp); /* the column labels, drawn with the first panel */
  PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
  PetscCall(TemplateHole(&t, "matrix"));
  AreaLayerMatrix(fp, res, roi);
  PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
  PetscCall(TemplateEnd(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One ROI's area x layer heatmap on the shared scale vmax, as its own PNG. */
static PetscErrorCode AreaLayerAlone(Script *sc, const char *dir, const Results *res, double vmax, int roi, Figure *f)
{
  const ResultsRoiSummary *s = &res->roi[roi];
  const PetscInt nl          = res->nlayers;
  FILE *fp                   = sc->fp;
  char name[64], label[64];
  Template t;

  PetscFunctionBegin;

  RoiName(roi, name, sizeof(name));
  PetscCall(PetscSNPrintf(f->file, sizeof(f->file), "area_layer_%s.png", name));
  PetscCall(PetscSNPrintf(f->title, sizeof(f->title), "%s", name));
  PetscCall(ScriptFigure(sc, dir, f->file, 560, 320));
  TemplateBegin(&t, fp, "area_layer.gp", ReportTemplate_area_layer_gp);
  PetscCall(TemplatePrintf(&t, "roi", "%s", name));
  PetscCall(TemplatePrintf(&t, "last_layer", "%d", (int)nl - 1));
  PetscCall(TemplateHole(&t, "layers"));
  LayerTics(fp, res);
  PetscCall(TemplateHole(&t, "areas"));
  for (int a = 0; a < BA_NAREAS; a++) {
    AreaLabel(s, a, label, sizeof(label));
    fprintf(fp, "%s'%s' %d", a ? ", " : "", label, a);
  }
  PetscCall(TemplatePrintf(&t, "rho_max", "%.6g", vmax));
  PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
  PetscCall(TemplateHole(&t, "matrix"));
  AreaLayerMatrix(fp, res, roi);
  PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
  PetscCall(TemplateEnd(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Area x layer heatmaps, rows BA 17 (top) to BA 20, all on one colour scale: the 15 ROIs as
   one 5 x 3 grid (rows bands, columns windows) for the page, and each ROI alone. One gnuplot. */
static PetscErrorCode FigureAreaLayer(const Results *res, const char *dir, Figure *grid, Figure *figs)
{
  const PetscInt nl = res->nlayers;
  const double vmax = AreaLayerMax(res);
  const double left = 0.13, right = 0.89, hspace = 0.075;
  const double pwidth = (right - left - 2 * hspace) / 3;
  Script sc;
  Template t;
  FILE *fp;
  char wname[32];
  int naligned = 0;

  PetscFunctionBegin;
  PetscCall(ScriptOpen(dir, "area_layer", &sc));
  fp = sc.fp;
  /* the grid */
  PetscCall(PetscStrncpy(grid->file, "area_layer.png", sizeof(grid->file)));
  PetscCall(PetscStrncpy(grid->title, "Area x layer, the 15 ROIs on one colour scale", sizeof(grid->title)));
  PetscCall(ScriptFigure(&sc, dir, grid->file, 1150, 1350));
  TemplateBegin(&t, fp, "area_layer_grid.gp", ReportTemplate_area_layer_grid_gp);
  PetscCall(TemplateHole(&t, "title"));
  GpString(fp, "Where along the ventral stream each layer is matched (rows: areas, columns: layers)");
  PetscCall(TemplatePrintf(&t, "rho_max", "%.6g", vmax));
  PetscCall(TemplatePrintf(&t, "last_layer", "%d", (int)nl - 1));
  PetscCall(TemplateHole(&t, "column_labels"));
  for (int w = 0; w < BA_NWINDOWS; w++) {
    WindowName(w, wname, sizeof(wname));
    fprintf(fp, "set label %d '%s' at screen %.4f,0.955 center font ',11'\n", w + 1, wname,
            left + w * (pwidth + hspace) + pwidth / 2);
  }
  for (int b = 0; b < BA_NBANDS; b++)
    for (int w = 0; w < BA_NWINDOWS; w++)
      PetscCall(AreaLayerPanel(fp, res, b, w, &naligned));
  fputs("unset multiplot\n", fp);
  snprintf(grid->caption, sizeof(grid->caption),
           "As the study's area x layer figure: rows bands, columns windows. In each panel, the cell of an area "
           "(rows BA 17 to BA 20, along the ventral stream) and a layer (columns, input to output) is the sum of "
           "rho over the area's channels significant at that layer, divided by the number of the area's channels "
           "with at least one significant layer (row labels: those channels / the area's responsive channels). "
           "An aligned ROI shows a diagonal from top left to bottom right. One colour scale for all 15 panels, "
           "0 to %.3g (the largest value, rounded up). Panel titles give the alignment rho and p; * marks "
           "p &lt; 0.005/15 (%d of 15). Each ROI alone: <code>area_layer_&lt;roi&gt;.png</code>, values in "
           "<code>area_layer_&lt;roi&gt;.csv</code>.",
           vmax, naligned);
  /* each ROI alone, on the same scale */
  for (int roi = 0; roi < BA_NROIS; roi++)
    PetscCall(AreaLayerAlone(&sc, dir, res, vmax, roi, &figs[roi]));
  PetscCall(ScriptRun(&sc, dir));
  grid->made = PETSC_TRUE;
  for (int roi = 0; roi < BA_NROIS; roi++)
    figs[roi].made = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- electrode locations ----------------------------------------------------------- */

/* Pastel fills of the atlas silhouettes: outside, brain (any label), then BA 17, 18, 19, 37, 20. */
static const char *const SilhouetteColour[2 + BA_NAREAS] = {"#ffffff", "#ececec", "#bcd7ee", "#c9e7c1",
                                                            "#f6dcc0", "#e0d4ee", "#f3efb2"};

/* The atlas projected on the three planes (axial x-y, sagittal y-z, coronal x-z) on a grid of
   step mm: per pixel 0 outside, 1 brain, 2 + ventral index of the area most frequent along the
   line of sight. lo/hi: the MNI box of the labelled voxels. */
typedef struct {
  double step, lo[3], hi[3];
  int n[3];                /* pixels along x, y, z */
  unsigned char *plane[3]; /* [n[v]][n[u]] for the plane's axes (u, v) */
} Silhouettes;

static const int PlaneAxes[3][2] = {{0, 1}, {1, 2}, {0, 2}};

static PetscErrorCode SilhouettesCompute(const char *path, double step, Silhouettes *sil)
{
  Atlas atlas;
  int d[3];
  int *count[3];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(sil, sizeof(*sil)));
  PetscCall(AtlasOpen(path, &atlas));
  AtlasDims(atlas, d);
  sil->step = step;
  for (int a = 0; a < 3; a++) {
    sil->lo[a] = PETSC_MAX_REAL;
    sil->hi[a] = -PETSC_MAX_REAL;
  }
  for (int k = 0; k < d[2]; k++)
    for (int j = 0; j < d[1]; j++)
      for (int i = 0; i < d[0]; i++)
        if (AtlasVoxelLabel(atlas, i, j, k) > 0) {
          double m[3];
          AtlasVoxelToMni(atlas, i, j, k, m);
          for (int a = 0; a < 3; a++) {
            sil->lo[a] = PetscMin(sil->lo[a], m[a]);
            sil->hi[a] = PetscMax(sil->hi[a], m[a]);
          }
        }
  if (!(sil->lo[0] <= sil->hi[0])) { /* an empty atlas: no silhouettes */
    PetscCall(AtlasClose(&atlas));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (int a = 0; a < 3; a++)
    sil->n[a] = (int)floor((sil->hi[a] - sil->lo[a]) / step) + 1;
  for (int p = 0; p < 3; p++) {
    const size_t np = (size_t)sil->n[PlaneAxes[p][0]] * sil->n[PlaneAxes[p][1]];
    PetscCall(PetscCalloc1(np * (1 + BA_NAREAS), &count[p]));
    PetscCall(PetscCalloc1(np, &sil->plane[p]));
  }
  for (int k = 0; k < d[2]; k++)
    for (int j = 0; j < d[1]; j++)
      for (int i = 0; i < d[0]; i++) {
        int label = AtlasVoxelLabel(atlas, i, j, k), v, px[3];
        double m[3];
        if (label <= 0) continue;
        v = AtlasVentralIndex(label);
        AtlasVoxelToMni(atlas, i, j, k, m);
        for (int a = 0; a < 3; a++)
          px[a] = PetscMin(sil->n[a] - 1, PetscMax(0, (int)floor((m[a] - sil->lo[a]) / step)));
        for (int p = 0; p < 3; p++) {
          const int u = PlaneAxes[p][0], w = PlaneAxes[p][1];
          int *c = &count[p][((size_t)px[w] * sil->n[u] + px[u]) * (1 + BA_NAREAS)];
          c[0]++;
          if (v >= 0) c[1 + v]++;
        }
      }
  for (int p = 0; p < 3; p++) {
    const size_t np = (size_t)sil->n[PlaneAxes[p][0]] * sil->n[PlaneAxes[p][1]];
    for (size_t q = 0; q < np; q++) {
      const int *c = &count[p][q * (1 + BA_NAREAS)];
      int best     = -1;
      for (int a = 0; a < BA_NAREAS; a++)
        if (c[1 + a] > 0 && (best < 0 || c[1 + a] > c[1 + best])) best = a;
      sil->plane[p][q] = (unsigned char)(best >= 0 ? 2 + best : c[0] > 0 ? 1 : 0);
    }
    PetscCall(PetscFree(count[p]));
  }
  PetscCall(AtlasClose(&atlas));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode SilhouettesDestroy(Silhouettes *sil)
{
  PetscFunctionBegin;
  for (int p = 0; p < 3; p++)
    PetscCall(PetscFree(sil->plane[p]));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A gnuplot function of a silhouette value giving one colour component (shift 16 red, 8
   green, 0 blue). */
static void GpSilhouetteColour(FILE *fp, const char *fname, int shift)
{
  fprintf(fp, "%s(v) = ", fname);
  for (int i = 0; i < 2 + BA_NAREAS; i++) {
    unsigned rgb = (unsigned)strtoul(SilhouetteColour[i] + 1, NULL, 16);
    if (i < 1 + BA_NAREAS)
      fprintf(fp, "v == %d ? %u : ", i, rgb >> shift & 255);
    else
      fprintf(fp, "%u\n", rgb >> shift & 255);
  }
}

/* Per channel: the band of its highest significant rho over every ROI and layer (-1: none). */
static void ChannelBestBand(const Results *res, int *best)
{
  const PetscInt nl = res->nlayers;

  for (PetscInt c = 0; c < res->nchannels; c++) {
    double top = -PETSC_MAX_REAL;
    best[c]    = -1;
    for (int r = 0; r < BA_NROIS; r++)
      for (PetscInt l = 0; l < nl; l++)
        if (res->data[r].significant[c * nl + l] && res->data[r].rho[c * nl + l] > top) {
          top     = res->data[r].rho[c * nl + l];
          best[c] = r / BA_NWINDOWS;
        }
  }
}

/* The box of the electrode panels: the atlas (sil may be NULL) and every channel, with a
   margin, on 10 mm steps. */
static void PanelBox(const Results *res, const Silhouettes *sil, double lo[3], double hi[3])
{
  for (int a = 0; a < 3; a++) {
    lo[a] = sil ? sil->lo[a] : PETSC_MAX_REAL;
    hi[a] = sil ? sil->hi[a] : -PETSC_MAX_REAL;
  }
  for (PetscInt c = 0; c < res->nchannels; c++)
    for (int a = 0; a < 3; a++)
      if (isfinite(res->mni[3 * c + a])) {
        lo[a] = PetscMin(lo[a], res->mni[3 * c + a]);
        hi[a] = PetscMax(hi[a], res->mni[3 * c + a]);
      }
  for (int a = 0; a < 3; a++) {
    if (!(lo[a] <= hi[a])) lo[a] = -1, hi[a] = 1;
    lo[a] = 10 * floor(lo[a] / 10 - 0.5);
    hi[a] = 10 * ceil(hi[a] / 10 + 0.5);
  }
}

/* The three projections (axial, sagittal, coronal) of the electrode figure. */
static PetscErrorCode ElectrodesPanels(FILE *fp, const Silhouettes *sil, const double lo[3], const double hi[3])
{
  static const char *const pname[3] = {"axial (from above)", "sagittal (from the right)", "coronal (from behind)"};
  static const char *const axis[3]  = {"x (mm): left - right", "y (mm): posterior - anterior",
                                       "z (mm): inferior - superior"};

  PetscFunctionBegin;
  for (int p = 0; p < 3; p++) {
    const int u = PlaneAxes[p][0], v = PlaneAxes[p][1];
    Template pt;

    TemplateBegin(&pt, fp, "electrodes_panel.gp", ReportTemplate_electrodes_panel_gp);
    PetscCall(TemplatePrintf(&pt, "origin", "%.4f,0.12", p / 3.0));
    PetscCall(TemplatePrintf(&pt, "size", "%.4f,0.8", 1 / 3.0));
    PetscCall(TemplateHole(&pt, "title"));
    GpString(fp, pname[p]);
    PetscCall(TemplateHole(&pt, "xlabel"));
    GpString(fp, axis[u]);
    PetscCall(TemplateHole(&pt, "ylabel"));
    GpString(fp, axis[v]);
    PetscCall(TemplatePrintf(&pt, "xrange", "%g:%g", lo[u], hi[u]));
    PetscCall(TemplatePrintf(&pt, "yrange", "%g:%g", lo[v], hi[v]));
    PetscCall(TemplateHole(&pt, "atlas"));
    if (sil)
      fprintf(
          fp,
          "$sil%d matrix using (%.6g + $1 * %g):(%.6g + $2 * %g):(sr($3)):(sg($3)):(sb($3)) with rgbimage, \\\n     ",
          p, sil->lo[u] + sil->step / 2, sil->step, sil->lo[v] + sil->step / 2, sil->step);
    PetscCall(TemplatePrintf(&pt, "cx", "%d", u + 1));
    PetscCall(TemplatePrintf(&pt, "cy", "%d", v + 1));
    PetscCall(TemplatePrintf(&pt, "cx", "%d", u + 1));
    PetscCall(TemplatePrintf(&pt, "cy", "%d", v + 1));
    PetscCall(TemplatePrintf(&pt, "cx", "%d", u + 1));
    PetscCall(TemplatePrintf(&pt, "cy", "%d", v + 1));
    PetscCall(TemplateEnd(&pt));
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The electrode figure's caption: what is plotted, the statistic, the counts per band. */
static void ElectrodesCaption(const Results *res, const int *nbest, int nsig, const Silhouettes *sil, Figure *f)
{
  snprintf(f->caption, sizeof(f->caption),
           "The %d channels at their MNI coordinates (mm), projected on three planes. A channel is coloured by its "
           "best band: the band of the ROI where it reaches its highest rho among its significant (channel, layer) "
           "pairs, over every layer and window (significant: permutation p corrected by %s at q = %g); grey, small: "
           "no significant pair in any ROI. Best band:",
           (int)res->nchannels, res->correction, res->q);
  for (int b = 0; b < BA_NBANDS; b++)
    Cat(f->caption, sizeof(f->caption), " %s %d,", BaBands[b].name, nbest[b]);
  Cat(f->caption, sizeof(f->caption), " none %d. ", (int)res->nchannels - nsig);
  if (sil)
    Cat(f->caption, sizeof(f->caption),
        "Behind them, the ventral areas BA 17, 18, 19, 37, 20 of the atlas (the area most frequent along the line "
        "of sight, in light colours) and the rest of its labelled cortex (light grey), at %g mm.",
        sil->step);
  else
    Cat(f->caption, sizeof(f->caption), "No atlas was read: the areas are not drawn.");
}

/* Figure: every channel at its MNI position on three planes, coloured by its best band, over
   the silhouettes of the ventral areas of the atlas (atlas "" : none). */
static PetscErrorCode FigureElectrodes(const Results *res, const char *dir, const char *atlas, Figure *f)
{
  Silhouettes sil = {0};
  Script sc;
  Template t;
  FILE *fp;
  int *best, nbest[BA_NBANDS] = {0}, nsig = 0;
  double lo[3], hi[3];
  PetscBool have_sil = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "electrodes.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Electrode locations and their best band", sizeof(f->title)));
  if (atlas && atlas[0]) {
    PetscCall(SilhouettesCompute(atlas, 2.0, &sil));
    have_sil = sil.plane[0] ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PetscMalloc1(res->nchannels + 1, &best));
  ChannelBestBand(res, best);
  PanelBox(res, have_sil ? &sil : NULL, lo, hi);

  PetscCall(ScriptOpen(dir, "electrodes", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 1150, 520));
  fp = sc.fp;
  TemplateBegin(&t, fp, "electrodes.gp", ReportTemplate_electrodes_gp);
  PetscCall(TemplateHole(&t, "atlas_colours"));
  GpSilhouetteColour(fp, "sr", 16);
  GpSilhouetteColour(fp, "sg", 8);
  GpSilhouetteColour(fp, "sb", 0);
  PetscCall(TemplateHole(&t, "atlas_data"));
  for (int p = 0; p < 3 && have_sil; p++) {
    const int nu = sil.n[PlaneAxes[p][0]], nv = sil.n[PlaneAxes[p][1]];
    fprintf(fp, "$sil%d << EOD\n", p);
    for (int v = 0; v < nv; v++) {
      for (int u = 0; u < nu; u++)
        fprintf(fp, "%s%d", u ? " " : "", sil.plane[p][(size_t)v * nu + u]);
      fputc('\n', fp);
    }
    fputs("EOD\n", fp);
  }
  PetscCall(TemplateHole(&t, "channels"));
  for (PetscInt c = 0; c < res->nchannels; c++) {
    unsigned rgb = best[c] >= 0 ? (unsigned)strtoul(BandColour[best[c]] + 1, NULL, 16) : 0xa0a0a0u;
    fprintf(fp, "%.2f %.2f %.2f %d %u\n", res->mni[3 * c], res->mni[3 * c + 1], res->mni[3 * c + 2], best[c] >= 0, rgb);
    if (best[c] >= 0) nbest[best[c]]++, nsig++;
  }
  PetscCall(TemplateHole(&t, "title"));
  GpString(fp, "Every channel at its MNI position, coloured by the band of its highest significant rho");
  PetscCall(TemplateHole(&t, "panels"));
  PetscCall(ElectrodesPanels(fp, have_sil ? &sil : NULL, lo, hi));
  PetscCall(TemplateHole(&t, "legend"));
  for (int b = 0; b < BA_NBANDS; b++)
    fprintf(fp, "keyentry with points pt 7 ps 1.2 lc rgb '%s' title '%s (%d)', ", BandColour[b], BaBands[b].name,
            nbest[b]);
  fprintf(fp, "keyentry with points pt 7 ps 0.6 lc rgb '#a0a0a0' title 'no significant pair (%d)'",
          (int)res->nchannels - nsig);
  for (int a = 0; a < BA_NAREAS && have_sil; a++)
    fprintf(fp, ", keyentry with boxes fs solid 1.0 border lc rgb '#999999' lc rgb '%s' title 'BA %d'",
            SilhouetteColour[2 + a], BaVentralAreas[a]);
  fputc('\n', fp);
  PetscCall(TemplateEnd(&t));
  PetscCall(ScriptRun(&sc, dir));
  f->made = PETSC_TRUE;
  ElectrodesCaption(res, nbest, nsig, have_sil ? &sil : NULL, f);
  PetscCall(PetscFree(best));
  PetscCall(SilhouettesDestroy(&sil));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Spearman correlation between the layer RDMs, when the results file holds it. */
static PetscErrorCode FigureLayerCorrelation(const Results *res, const char *dir, Figure *f)
{
  Script sc;
  Template t;
  FILE *fp;
  const PetscInt nl = res->nlayers;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "layer_rdm_correlation.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Correlation between layer RDMs", sizeof(f->title)));
  if (!res->layer_corr) {
    PetscCall(PetscStrncpy(f->note, "the results file has no /layers/rdm_correlation dataset: figure skipped",
                           sizeof(f->note)));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(ScriptOpen(dir, "layer_rdm_correlation", &sc));
  PetscCall(ScriptFigure(&sc, dir, f->file, 560, 520));
  fp = sc.fp;
  TemplateBegin(&t, fp, "layer_rdm_correlation.gp", ReportTemplate_layer_rdm_correlation_gp);
  PetscCall(TemplatePrintf(&t, "last_layer", "%d", (int)nl - 1));
  PetscCall(TemplatePrintf(&t, "last_layer", "%d", (int)nl - 1));
  PetscCall(TemplateHole(&t, "layers"));
  LayerTics(fp, res);
  PetscCall(TemplateHole(&t, "layers"));
  LayerTics(fp, res);
  PetscCall(TemplateHole(&t, "matrix"));
  for (PetscInt i = 0; i < nl; i++) {
    for (PetscInt j = 0; j < nl; j++)
      fprintf(fp, "%s%.6g", j ? " " : "", res->layer_corr[i * nl + j]);
    fputc('\n', fp);
  }
  PetscCall(TemplateEnd(&t));
  PetscCall(ScriptRun(&sc, dir));
  f->made = PETSC_TRUE;
  f->size = "half";
  snprintf(f->caption, sizeof(f->caption),
           "Spearman correlation between the representational dissimilarity matrices of every pair of layers "
           "(over the %d images), blue -1 to red +1: how much the layers differ in what they represent.",
           (int)res->nimages);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- the HTML page ----------------------------------------------------------------- */

static PetscErrorCode EmbedPng(FILE *out, const char *dir, const char *file)
{
  static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char path[PETSC_MAX_PATH_LEN];
  unsigned char in[3];
  size_t n;
  FILE *fp;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", dir, file));
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot read (%s)", path, strerror(errno));
  while ((n = fread(in, 1, 3, fp)) > 0) {
    unsigned v = (unsigned)in[0] << 16 | (n > 1 ? (unsigned)in[1] << 8 : 0) | (n > 2 ? in[2] : 0);
    fputc(B64[v >> 18 & 63], out);
    fputc(B64[v >> 12 & 63], out);
    fputc(n > 1 ? B64[v >> 6 & 63] : '=', out);
    fputc(n > 2 ? B64[v & 63] : '=', out);
  }
  fclose(fp);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A figure of the page (the PNG inline) with its number and caption, or the note saying why
   it is missing. */
static PetscErrorCode HtmlFigure(FILE *fp, const char *dir, const Figure *f, int number)
{
  Template t;

  PetscFunctionBegin;
  TemplateBegin(&t, fp, "figure.html", ReportTemplate_figure_html);
  PetscCall(TemplateSection(&t, "made", f->made));
  if (f->made) {
    PetscCall(TemplatePrintf(&t, "size", "%s", f->size ? f->size : "full"));
    PetscCall(TemplateHole(&t, "title"));
    Html(fp, f->title);
    PetscCall(TemplateHole(&t, "png_base64"));
    PetscCall(EmbedPng(fp, dir, f->file));
    PetscCall(TemplatePrintf(&t, "number", "%d", number));
    PetscCall(TemplateHole(&t, "title"));
    Html(fp, f->title);
    PetscCall(TemplatePrintf(&t, "caption", "%s", f->caption));
    PetscCall(TemplateHole(&t, "file"));
    Html(fp, f->file);
  }
  PetscCall(TemplateSection(&t, "missing", f->made ? PETSC_FALSE : PETSC_TRUE));
  if (!f->made) {
    PetscCall(TemplatePrintf(&t, "number", "%d", number));
    PetscCall(TemplateHole(&t, "title"));
    Html(fp, f->title);
    PetscCall(TemplateHole(&t, "note"));
    Html(fp, f->note);
  }
  PetscCall(TemplateEnd(&t));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The page's CSS: report.css holds one rule per line, the page carries them on one line. */
static void PutCss(FILE *fp)
{
  for (const char *s = ReportTemplate_report_css; *s; s++)
    if (*s != '\n') fputc(*s, fp);
}

static PetscErrorCode HtmlSummary(Template *t, const Results *res)
{
  FILE *fp = t->fp;
  char name[64];

  PetscFunctionBegin;
  PetscCall(TemplateHole(t, "roi_rows"));
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    RoiName(r, name, sizeof(name));
    fprintf(fp,
            "<tr%s><td class=\"l\">%s</td><td>%d / "
            "%d</td><td>%d</td><td>%.4f</td><td>%.3g</td><td>%.4g</td><td>%.3f</td><td>%.4f</td>"
            "</tr>\n",
            s->alignment_p < REPORT_ALIGNED_P ? " class=\"aligned\"" : "", name, (int)s->n_responsive,
            (int)res->nchannels, (int)s->n_significant_pairs, s->alignment_rho, s->alignment_p, s->volume,
            s->specificity, s->noise_median);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Trained vs control network, per ROI (only when the run had -control_network). */
static PetscErrorCode HtmlControl(Template *t, const Results *res, const char *dir, const Figure *fig)
{
  FILE *fp = t->fp;
  char name[64];

  PetscFunctionBegin;
  PetscCall(TemplateSection(t, "control", res->has_control));
  if (!res->has_control) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(TemplateHole(t, "control_network"));
  Html(fp, res->control_network);
  PetscCall(TemplateHole(t, "control_rows"));
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r], *c = &res->control[r];
    RoiName(r, name, sizeof(name));
    fprintf(fp,
            "<tr%s><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.3g</td><td>%.3g</td>"
            "</tr>\n",
            s->alignment_p < REPORT_ALIGNED_P ? " class=\"aligned\"" : "", name, (int)s->n_significant_pairs,
            (int)c->n_significant_pairs, s->alignment_rho, c->alignment_rho, s->alignment_p, c->alignment_p);
  }
  PetscCall(TemplateHole(t, "control_figure"));
  PetscCall(HtmlFigure(fp, dir, fig, 7));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* A p of the published table: 0.0001 there means below 1e-4. */
static void PublishedP(FILE *fp, double p)
{
  if (p <= 1e-4)
    fputs("&lt; 1e-4", fp);
  else
    fprintf(fp, "%g", p);
}

/* This run beside the study's published figures (protocol kuzovkin2018 only). */
static PetscErrorCode HtmlPublished(Template *t, const Results *res, const Published *pub)
{
  FILE *fp = t->fp;
  char name[64];

  PetscFunctionBegin;
  PetscCall(TemplateSection(t, "published", pub ? PETSC_TRUE : PETSC_FALSE));
  if (!pub) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(TemplateHole(t, "published_rows"));
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    const Published *p         = &pub[r];
    const PetscBool a = s->alignment_p < REPORT_ALIGNED_P, pa = p->p < REPORT_ALIGNED_P;

    RoiName(r, name, sizeof(name));
    fprintf(fp, "<tr%s><td class=\"l\">%s</td><td>%d</td><td>%s%.3f%s</td><td>%s%.3g%s</td><td>%.4g</td><td>%.3f</td>",
            a ? " class=\"aligned\"" : "", name, (int)s->n_responsive, a ? "<b>" : "", s->alignment_rho,
            a ? "</b>" : "", a ? "<b>" : "", s->alignment_p, a ? "</b>" : "", s->volume, s->specificity);
    fprintf(fp, "<td>%d</td><td>%s%.3f%s</td><td>%s", p->responsive, pa ? "<b>" : "", p->rho, pa ? "</b>" : "",
            pa ? "<b>" : "");
    PublishedP(fp, p->p);
    fprintf(fp, "%s</td><td>%.4g</td><td>%.3f</td></tr>\n", pa ? "</b>" : "", p->volume, p->specificity);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* control.csv: the trained and control summaries side by side (only with a control). */
static PetscErrorCode WriteControlCsv(const Results *res, const char *dir)
{
  OutFile o;

  PetscFunctionBegin;
  if (!res->has_control) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(OutOpen(dir, "control.csv", &o));
  fprintf(o.fp, "band,t0_ms,t1_ms,n_significant_pairs,control_n_significant_pairs,alignment_rho,"
                "control_alignment_rho,alignment_p,control_alignment_p,volume,control_volume\n");
  for (int b = 0; b < BA_NBANDS; b++)
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const ResultsRoiSummary *s = &res->roi[RoiIndex(b, w)], *c = &res->control[RoiIndex(b, w)];
      fprintf(o.fp, "%s,%d,%d,%d,%d,%.10g,%.10g,%.6g,%.6g,%.10g,%.10g\n", BaBands[b].name, BaWindows[w].t0_ms,
              BaWindows[w].t1_ms, (int)s->n_significant_pairs, (int)c->n_significant_pairs, s->alignment_rho,
              c->alignment_rho, s->alignment_p, c->alignment_p, s->volume, c->volume);
    }
  PetscCall(OutCommit(&o));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HtmlComparisons(Template *t, const Results *res)
{
  FILE *fp = t->fp;
  char name[64];

  PetscFunctionBegin;
  PetscCall(TemplateHole(t, "roi_columns"));
  for (int j = 0; j < BA_NROIS; j++) {
    fprintf(fp, "<th>%s<br>%d-%d</th>", BaBands[j / BA_NWINDOWS].name, BaWindows[j % BA_NWINDOWS].t0_ms,
            BaWindows[j % BA_NWINDOWS].t1_ms);
  }
  PetscCall(TemplateHole(t, "comparison_rows"));
  for (int i = 0; i < BA_NROIS; i++) {
    RoiName(i, name, sizeof(name));
    fprintf(fp, "<tr><th class=\"l\">%s</th>", name);
    for (int j = 0; j < BA_NROIS; j++) {
      double p = res->compare_p[i * BA_NROIS + j];
      if (i == j || !isfinite(p))
        fputs("<td>&ndash;</td>", fp);
      else
        fprintf(fp, "<td%s>%.1g</td>", p < 0.05 ? " class=\"sig\"" : "", p);
    }
    fputs("</tr>\n", fp);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* One cell of the profile table: a value, marked met or missed against an expectation. */
static void ProfileCell(FILE *fp, const char *text, int expected, PetscBool met)
{
  if (!expected)
    fprintf(fp, "<td>%s</td>", text);
  else
    fprintf(fp, "<td class=\"%s\">%s %s</td>", met ? "met" : "missed", text, met ? "&#10003;" : "&#10007;");
}

/* The run against the truth's per-ROI profile, one row per ROI. */
static PetscErrorCode HtmlRecoveryProfile(Template *t, const Results *res, const ReportRecovery *rec)
{
  FILE *fp                = t->fp;
  const ReportProfile *pr = &rec->profile;
  char name[64], text[64], ev[32], er[32], en[32];

  PetscFunctionBegin;
  PetscCall(TemplateSection(t, "profile", rec->has_profile));
  if (!rec->has_profile) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(TemplateHole(t, "profile_name"));
  Html(fp, pr->name);
  PetscCall(TemplatePrintf(t, "rho_tolerance", "%g", REPORT_RHO_TOLERANCE));
  PetscCall(TemplatePrintf(t, "responsive_tolerance", "%g", 100 * REPORT_RESPONSIVE_TOLERANCE));
  PetscCall(TemplateHole(t, "profile_rows"));
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    const PetscBool aligned = s->alignment_p < REPORT_ALIGNED_P, has_rho = isfinite(pr->expected_rho[r]);
    const PetscBool has_resp = isfinite(pr->expected_responsive[r]) && pr->expected_responsive[r] > 0;

    RoiName(r, name, sizeof(name));
    snprintf(ev, sizeof(ev), "%s",
             pr->expected_aligned[r] < 0 ? "&ndash;"
             : pr->expected_aligned[r]   ? "aligned"
                                         : "no");
    snprintf(er, sizeof(er), has_rho ? "%.3f" : "&ndash;", pr->expected_rho[r]);
    snprintf(en, sizeof(en), has_resp ? "%.0f" : "&ndash;", pr->expected_responsive[r]);
    fprintf(fp, "<tr%s><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td>",
            aligned ? " class=\"aligned\"" : "", name, pr->planted_responsive[r], pr->planted_encoding[r],
            pr->planted_hierarchy[r], ev, er, en);
    snprintf(text, sizeof(text), "%d", (int)s->n_responsive);
    ProfileCell(fp, text, has_resp,
                fabs(s->n_responsive - pr->expected_responsive[r]) <=
                    REPORT_RESPONSIVE_TOLERANCE * pr->expected_responsive[r]);
    snprintf(text, sizeof(text), "%.3f", s->alignment_rho);
    ProfileCell(fp, text, has_rho, fabs(s->alignment_rho - pr->expected_rho[r]) <= REPORT_RHO_TOLERANCE);
    fprintf(fp, "<td>%.3g</td>", s->alignment_p);
    ProfileCell(fp, aligned ? "aligned" : "no", pr->expected_aligned[r] >= 0,
                aligned == (pr->expected_aligned[r] == 1));
    fputs("</tr>\n", fp);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The holes of the recovery section. */
static PetscErrorCode HtmlRecovery(Template *t, const Results *res, const ReportRecovery *rec)
{
  FILE *fp       = t->fp;
  const char *hb = rec->hierarchy_band >= 0 ? BaBands[rec->hierarchy_band].name : "none";
  char wname[32];

  PetscFunctionBegin;
  PetscCall(TemplatePrintf(t, "verdict_class", "%s", rec->pass ? "pass" : "fail"));
  PetscCall(TemplateHole(t, "verdict"));
  Html(fp, rec->verdict);
  PetscCall(TemplatePrintf(t, "hierarchy_band", "%s", hb));
  PetscCall(TemplatePrintf(t, "q", "%g", rec->q));
  PetscCall(TemplateHole(t, "band_rows"));
  for (int b = 0; b < BA_NBANDS; b++) {
    WindowName(rec->best_window[b], wname, sizeof(wname));
    fprintf(fp,
            "<tr%s><td "
            "class=\"l\">%s</td><td>%.4f</td><td>%.4f</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%.4f</"
            "td></tr>\n",
            b == rec->hierarchy_band ? " class=\"aligned\"" : "", BaBands[b].name, rec->score[b], rec->mean_rho[b],
            wname, rec->aligned[b] ? "yes" : "no", (int)rec->nsig[b], (int)rec->nfalse[b], rec->fdp[b]);
  }
  PetscCall(TemplateSection(t, "planted", rec->hierarchy_band >= 0 ? PETSC_TRUE : PETSC_FALSE));
  if (rec->hierarchy_band >= 0) {
    PetscCall(TemplatePrintf(t, "hierarchy_band", "%s", hb));
    PetscCall(TemplateHole(t, "area_rows"));
    for (int a = 0; a < BA_NAREAS; a++) {
      char planted[32] = "&ndash;", found[32] = "&ndash;";
      if (rec->nplanted[a]) snprintf(planted, sizeof(planted), "%.2f", rec->planted_layer[a]);
      if (rec->nfound[a]) snprintf(found, sizeof(found), "%.2f", rec->found_layer[a]);
      fprintf(fp, "<tr><td class=\"l\">BA%d</td><td>%d</td><td>%s</td><td>%d</td><td>%s</td></tr>\n", BaVentralAreas[a],
              (int)rec->nplanted[a], planted, (int)rec->nfound[a], found);
    }
  }
  PetscCall(HtmlRecoveryProfile(t, res, rec));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HtmlProvenance(Template *t, Results *res, const char *results_path, const char *consistency,
                                     const char *atlas)
{
  FILE *fp         = t->fp;
  char version[64] = "", stamp[64];
  PetscInt64 seed = 0, ranks = 0;
  time_t now = time(NULL);

  PetscFunctionBegin;
  PetscCall(BaH5AttrReadString(&res->file, "/", "bandalign_version", version, sizeof(version)));
  PetscCall(BaH5AttrReadInt(&res->file, "/", "seed", &seed));
  PetscCall(BaH5AttrReadInt(&res->file, "/", "ranks", &ranks));
  strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
  PetscCall(TemplateHole(t, "results_path"));
  Html(fp, results_path);
  PetscCall(TemplateHole(t, "results_version"));
  Html(fp, version);
  PetscCall(TemplatePrintf(t, "ranks", "%d", (int)ranks));
  PetscCall(TemplateHole(t, "protocol"));
  Html(fp, res->protocol);
  if (!strcmp(res->strategy, "adaptive"))
    PetscCall(TemplatePrintf(t, "permutations", "%d, adaptive (a pair stops once its discovery is settled; delta %g)",
                             (int)res->permutations, res->adaptive_delta));
  else
    PetscCall(TemplatePrintf(t, "permutations", "%d", (int)res->permutations));
  PetscCall(TemplateHole(t, "correction"));
  Html(fp, res->correction);
  PetscCall(TemplatePrintf(t, "q", "%g", res->q));
  PetscCall(TemplatePrintf(t, "seed", "%lld", (long long)seed));
  PetscCall(TemplatePrintf(t, "nsplits", "%d", (int)res->nsplits));
  PetscCall(TemplatePrintf(t, "nchannels", "%d", (int)res->nchannels));
  PetscCall(TemplatePrintf(t, "nimages", "%d", (int)res->nimages));
  PetscCall(TemplatePrintf(t, "nlayers", "%d", (int)res->nlayers));
  PetscCall(TemplateHole(t, "consistency"));
  Html(fp, consistency);
  PetscCall(TemplateHole(t, "atlas"));
  Html(fp, atlas && atlas[0] ? atlas : "none (areas not drawn)");
  PetscCall(TemplatePrintf(t, "version", "%s", BA_VERSION));
  PetscCall(TemplatePrintf(t, "date", "%s", stamp));
  PetscCall(TemplateHole(t, "options"));
  Html(fp, res->options);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Recomputes each ROI's summary from its per-channel arrays; describes the first mismatch. */
static PetscErrorCode CheckSummaries(const Results *res, char *msg, size_t len)
{
  int *area;
  PetscInt nbad   = 0;
  char first[256] = "";

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(res->nchannels + 1, &area));
  for (PetscInt c = 0; c < res->nchannels; c++)
    area[c] = AtlasVentralIndex(res->area[c]);
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    const ResultsRoiData *d    = &res->data[r];
    ResultsRoiSummary t;
    PetscBool ok;

    PetscCall(AlignmentCompute(res->nchannels, res->nlayers, area, d->significant, d->rho, d->responsive, &t));
    ok = t.n_responsive == s->n_responsive && t.n_significant_pairs == s->n_significant_pairs;
    ok = ok && fabs(t.alignment_rho - s->alignment_rho) <= 1e-9 &&
         fabs(t.alignment_p - s->alignment_p) <= 1e-9 * PetscMax(1e-300, s->alignment_p) + 1e-12;
    ok = ok && fabs(t.volume - s->volume) <= 1e-9 * PetscMax(1.0, fabs(s->volume)) &&
         fabs(t.specificity - s->specificity) <= 1e-9;
    for (int a = 0; a < BA_NAREAS; a++) {
      ok = ok && t.area_significant[a] == s->area_significant[a] && t.area_responsive[a] == s->area_responsive[a];
      for (PetscInt l = 0; l < res->nlayers; l++)
        ok = ok && fabs(t.area_layer[a * res->nlayers + l] - s->area_layer[a * res->nlayers + l]) <= 1e-9;
    }
    if (!ok && nbad++ == 0) {
      char name[64];
      RoiName(r, name, sizeof(name));
      snprintf(first, sizeof(first),
               "%s: stored alignment %.6g (p %.3g), volume %.6g, %d responsive, %d significant "
               "pairs; recomputed %.6g (p %.3g), %.6g, %d, %d",
               name, s->alignment_rho, s->alignment_p, s->volume, (int)s->n_responsive, (int)s->n_significant_pairs,
               t.alignment_rho, t.alignment_p, t.volume, (int)t.n_responsive, (int)t.n_significant_pairs);
    }
  }
  PetscCall(PetscFree(area));
  if (nbad)
    snprintf(msg, len, "%d of %d ROIs disagree with their per-channel data; first: %s", (int)nbad, BA_NROIS, first);
  else
    snprintf(msg, len, "all %d ROI summaries agree with their per-channel data", BA_NROIS);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReportWrite(Results *res, const char *results_path, const char *dir, const ReportRecovery *rec,
                           const char *atlas)
{
  Figure alignment = {0}, volume = {0}, overview = {0}, grid = {0}, electrodes = {0}, corr = {0}, control = {0}, *al;
  Published published[BA_NROIS], *pub = NULL;
  OutFile o;
  Template t;
  char consistency[768];

  PetscFunctionBegin;
  PetscCall(MakeDir(dir));
  PetscCall(CheckSummaries(res, consistency, sizeof(consistency)));
  if (strstr(consistency, "disagree"))
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "bandalign: warning: %s: %s\n", results_path, consistency));
  if (!strcmp(res->protocol, "kuzovkin2018")) {
    PetscCall(PublishedRead(published));
    pub = published;
  }
  PetscCall(WriteSummaryCsv(res, dir));
  PetscCall(WritePairsCsv(res, dir));
  PetscCall(WriteControlCsv(res, dir));
  for (int r = 0; r < BA_NROIS; r++)
    PetscCall(WriteAreaLayerCsv(res, dir, r));
  PetscCall(PetscCalloc1(BA_NROIS, &al));
  PetscCall(FigureAlignment(res, dir, pub, &alignment));
  PetscCall(FigureVolume(res, dir, &volume));
  PetscCall(FigureOverview(res, dir, &overview));
  PetscCall(FigureAreaLayer(res, dir, &grid, al));
  PetscCall(FigureElectrodes(res, dir, atlas, &electrodes));
  PetscCall(FigureLayerCorrelation(res, dir, &corr));
  PetscCall(FigureControl(res, dir, &control));

  PetscCall(OutOpen(dir, "report.html", &o));
  TemplateBegin(&t, o.fp, "report.html", ReportTemplate_report_html);
  PetscCall(TemplateHole(&t, "css"));
  PutCss(o.fp);
  PetscCall(TemplateHole(&t, "results_path"));
  Html(o.fp, results_path);
  PetscCall(TemplatePrintf(&t, "nchannels", "%d", (int)res->nchannels));
  PetscCall(TemplatePrintf(&t, "nimages", "%d", (int)res->nimages));
  PetscCall(TemplatePrintf(&t, "nlayers", "%d", (int)res->nlayers));
  PetscCall(TemplateHole(&t, "protocol"));
  Html(o.fp, res->protocol);
  PetscCall(TemplatePrintf(&t, "version", "%s", BA_VERSION));
  PetscCall(TemplateSection(&t, "toc_recovery", rec ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(TemplateSection(&t, "toc_published", pub ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(TemplateSection(&t, "toc_control", res->has_control));
  PetscCall(TemplateHole(&t, "correction"));
  Html(o.fp, res->correction);
  PetscCall(TemplatePrintf(&t, "q", "%g", res->q));
  PetscCall(TemplateSection(&t, "recovery", rec ? PETSC_TRUE : PETSC_FALSE));
  if (rec) PetscCall(HtmlRecovery(&t, res, rec));
  PetscCall(HtmlSummary(&t, res));
  PetscCall(TemplateSection(&t, "control_csv", res->has_control));
  PetscCall(HtmlPublished(&t, res, pub));
  PetscCall(TemplateHole(&t, "alignment_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &alignment, 1));
  PetscCall(TemplateHole(&t, "volume_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &volume, 2));
  PetscCall(TemplateHole(&t, "overview_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &overview, 3));
  PetscCall(TemplateHole(&t, "area_layer_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &grid, 4));
  PetscCall(TemplateHole(&t, "electrodes_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &electrodes, 5));
  PetscCall(TemplateHole(&t, "layer_rdm_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &corr, 6));
  PetscCall(HtmlControl(&t, res, dir, &control));
  PetscCall(HtmlComparisons(&t, res));
  PetscCall(HtmlProvenance(&t, res, results_path, consistency, atlas));
  PetscCall(TemplateEnd(&t));
  PetscCall(OutCommit(&o));
  PetscCall(PetscFree(al));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ReportPrintSummary(const Results *res)
{
  char name[64];

  PetscFunctionBegin;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-20s %10s %7s %10s %10s %10s %11s\n", "roi", "responsive", "pairs",
                        "align_rho", "align_p", "volume", "specificity"));
  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    RoiName(r, name, sizeof(name));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-20s %10d %7d %10.4f %10.3g %10.4g %11.3f%s\n", name, (int)s->n_responsive,
                          (int)s->n_significant_pairs, s->alignment_rho, s->alignment_p, s->volume, s->specificity,
                          s->alignment_p < REPORT_ALIGNED_P ? " *" : ""));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "(* aligned: alignment p < 0.005/15)\n"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- recovery of the planted truth ------------------------------------------------- */

/* Per band: alignment rho averaged over the windows (all, and those with p < REPORT_RIVAL_P),
   the best window, whether some window is aligned, and the significant pairs of its ROIs
   with those whose channel has no planted encoding in the band, their FDP. */
static void RecoveryBands(const Results *res, const int *planted_band, ReportRecovery *rec)
{
  const PetscInt nl = res->nlayers;

  for (int b = 0; b < BA_NBANDS; b++) {
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const ResultsRoiSummary *s = &res->roi[RoiIndex(b, w)];
      const uint8_t *sig         = res->data[RoiIndex(b, w)].significant;

      rec->mean_rho[b] += s->alignment_rho / BA_NWINDOWS;
      if (s->alignment_p < REPORT_RIVAL_P) rec->score[b] += s->alignment_rho / BA_NWINDOWS;
      if (s->alignment_rho > res->roi[RoiIndex(b, rec->best_window[b])].alignment_rho) rec->best_window[b] = w;
      if (s->alignment_p < REPORT_ALIGNED_P) rec->aligned[b] = PETSC_TRUE;
      for (PetscInt c = 0; c < res->nchannels; c++)
        for (PetscInt l = 0; l < nl; l++)
          if (sig[c * nl + l]) {
            rec->nsig[b]++;
            if (planted_band[c] != b) rec->nfalse[b]++;
          }
    }
    rec->fdp[b] = rec->nsig[b] ? (double)rec->nfalse[b] / (double)rec->nsig[b] : 0.0;
  }
}

/* Per area, in the planted band H (none: all NaN): the mean planted layer of the area's
   planted channels and the mean layer of its significant pairs over H's three windows. */
static void RecoveryLayers(const Results *res, int H, const int *planted_band, const int *planted_layer,
                           ReportRecovery *rec)
{
  const PetscInt nl      = res->nlayers;
  double psum[BA_NAREAS] = {0}, fsum[BA_NAREAS] = {0};

  for (int a = 0; a < BA_NAREAS; a++)
    rec->planted_layer[a] = rec->found_layer[a] = NAN;
  if (H < 0) return;
  for (PetscInt c = 0; c < res->nchannels; c++) {
    int a = AtlasVentralIndex(res->area[c]);
    if (a < 0) continue;
    if (planted_band[c] == H && planted_layer[c] >= 0) {
      psum[a] += planted_layer[c];
      rec->nplanted[a]++;
    }
    for (int w = 0; w < BA_NWINDOWS; w++)
      for (PetscInt l = 0; l < nl; l++)
        if (res->data[RoiIndex(H, w)].significant[c * nl + l]) {
          fsum[a] += (double)l;
          rec->nfound[a]++;
        }
  }
  for (int a = 0; a < BA_NAREAS; a++) {
    if (rec->nplanted[a]) rec->planted_layer[a] = psum[a] / rec->nplanted[a];
    if (rec->nfound[a]) rec->found_layer[a] = fsum[a] / rec->nfound[a];
  }
}

/* The run against the truth's per-ROI profile: how many ROIs have the expected verdict,
   an alignment rho within REPORT_RHO_TOLERANCE and a responsive count within
   REPORT_RESPONSIVE_TOLERANCE of the expected ones. */
static void RecoveryProfile(const Results *res, ReportRecovery *rec)
{
  const ReportProfile *p = &rec->profile;

  for (int r = 0; r < BA_NROIS; r++) {
    const ResultsRoiSummary *s = &res->roi[r];
    const PetscBool aligned    = s->alignment_p < REPORT_ALIGNED_P;
    if (p->expected_aligned[r] >= 0) {
      rec->nexpected++;
      rec->nagree += aligned == (p->expected_aligned[r] == 1);
    }
    if (isfinite(p->expected_rho[r])) {
      rec->nrho++;
      rec->nrho_within += fabs(s->alignment_rho - p->expected_rho[r]) <= REPORT_RHO_TOLERANCE;
    }
    if (isfinite(p->expected_responsive[r]) && p->expected_responsive[r] > 0) {
      rec->nresponsive++;
      rec->nresp_within +=
          fabs(s->n_responsive - p->expected_responsive[r]) <= REPORT_RESPONSIVE_TOLERANCE * p->expected_responsive[r];
    }
  }
}

/* Appends to why the ROIs whose verdict differs from the profile's. */
static void RecoveryProfileWhy(const Results *res, const ReportRecovery *rec, char *why, size_t len)
{
  char name[64];
  int first = 1;

  snprintf(why + strlen(why), len - strlen(why),
           "%s%d of %d ROIs differ from the %s profile's verdict:", why[0] ? "; " : "",
           (int)(rec->nexpected - rec->nagree), (int)rec->nexpected, rec->profile.name);
  for (int r = 0; r < BA_NROIS; r++) {
    const double pv = res->roi[r].alignment_p;
    if (rec->profile.expected_aligned[r] < 0 || (pv < REPORT_ALIGNED_P) == (rec->profile.expected_aligned[r] == 1))
      continue;
    RoiName(r, name, sizeof(name));
    snprintf(why + strlen(why), len - strlen(why), "%s %s %s (p %.3g)", first ? "" : ",", name,
             pv < REPORT_ALIGNED_P ? "aligned" : "not aligned", pv);
    first = 0;
  }
}

/* The verdict with a planted hierarchy (docs/report.md): best aligned, aligned in some
   window, FDP at most q, and the profile's verdict in every ROI that has one. */
static void RecoveryVerdictPlanted(const Results *res, ReportRecovery *rec)
{
  const int H         = rec->hierarchy_band;
  const char *planted = BaBands[H].name;
  char wname[32], why[768] = "";
  int rival = -1, wmin = 0;

  /* the next best band by the same score (ties: the higher mean alignment rho, then the
     earlier band), as the page's table shows them */
  for (int b = 0; b < BA_NBANDS; b++)
    if (b != H && (rival < 0 || rec->score[b] > rec->score[rival] ||
                   (rec->score[b] == rec->score[rival] && rec->mean_rho[b] > rec->mean_rho[rival])))
      rival = b;
  /* best aligned: the highest window-averaged alignment rho, where a window counts only
     when its alignment is nominally significant (chance alignments of a few pairs in
     another band do not make it a rival) */
  if (!(rec->score[H] > rec->score[rival])) {
    rec->pass = PETSC_FALSE;
    snprintf(why + strlen(why), sizeof(why) - strlen(why),
             "%splanted band %s is not the best aligned (score %.4f, %s %.4f)", why[0] ? "; " : "", planted,
             rec->score[H], BaBands[rival].name, rec->score[rival]);
  }
  if (!rec->aligned[H]) {
    double pmin = 1;
    for (int w = 0; w < BA_NWINDOWS; w++)
      pmin = PetscMin(pmin, res->roi[RoiIndex(H, w)].alignment_p);
    rec->pass = PETSC_FALSE;
    snprintf(why + strlen(why), sizeof(why) - strlen(why),
             "%splanted band %s is aligned in no window (smallest p %.3g, threshold %.3g)", why[0] ? "; " : "", planted,
             pmin, REPORT_ALIGNED_P);
  }
  if (rec->fdp[H] > rec->q) {
    rec->pass = PETSC_FALSE;
    snprintf(why + strlen(why), sizeof(why) - strlen(why),
             "%sfalse discovery proportion of %s %.4f exceeds q %g (%d of %d pairs)", why[0] ? "; " : "", planted,
             rec->fdp[H], rec->q, (int)rec->nfalse[H], (int)rec->nsig[H]);
  }
  if (rec->nagree < rec->nexpected) {
    rec->pass = PETSC_FALSE;
    RecoveryProfileWhy(res, rec, why, sizeof(why));
  }
  if (!rec->pass) {
    snprintf(rec->verdict, sizeof(rec->verdict), "recovery failed: %s", why);
    return;
  }
  /* the aligned window with the smallest p (the best-rho one may not be aligned) */
  for (int w = 1; w < BA_NWINDOWS; w++)
    if (res->roi[RoiIndex(H, w)].alignment_p < res->roi[RoiIndex(H, wmin)].alignment_p) wmin = w;
  WindowName(wmin, wname, sizeof(wname));
  snprintf(rec->verdict, sizeof(rec->verdict),
           "recovery passed: planted band %s is the best aligned (score %.4f, next %s "
           "%.4f), aligned at %s (p %.3g < %.3g), FDP %.4f <= q %g",
           planted, rec->score[H], BaBands[rival].name, rec->score[rival], wname,
           res->roi[RoiIndex(H, wmin)].alignment_p, REPORT_ALIGNED_P, rec->fdp[H], rec->q);
  if (rec->nexpected)
    snprintf(rec->verdict + strlen(rec->verdict), sizeof(rec->verdict) - strlen(rec->verdict),
             "; the %s profile's verdict in all %d ROIs; alignment rho within %g in %d of %d, responsive within %g %% "
             "in %d of %d",
             rec->profile.name, (int)rec->nexpected, REPORT_RHO_TOLERANCE, (int)rec->nrho_within, (int)rec->nrho,
             100 * REPORT_RESPONSIVE_TOLERANCE, (int)rec->nresp_within, (int)rec->nresponsive);
}

/* The verdict without a planted hierarchy: no ROI may be aligned. */
static void RecoveryVerdictNone(const Results *res, ReportRecovery *rec)
{
  char why[768] = "";

  for (int r = 0; r < BA_NROIS; r++)
    if (res->roi[r].alignment_p < REPORT_ALIGNED_P) {
      char name[64];
      RoiName(r, name, sizeof(name));
      rec->pass = PETSC_FALSE;
      snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s (p %.3g)", why[0] ? ", " : "", name,
               res->roi[r].alignment_p);
    }
  if (rec->pass)
    snprintf(rec->verdict, sizeof(rec->verdict), "recovery passed: no hierarchy was planted and no ROI passes p < %.3g",
             REPORT_ALIGNED_P);
  else
    snprintf(rec->verdict, sizeof(rec->verdict), "recovery failed: no hierarchy was planted but ROIs pass p < %.3g: %s",
             REPORT_ALIGNED_P, why);
}

PetscErrorCode ReportRecoveryCompute(const Results *res, int H, const int *planted_band, const int *planted_layer,
                                     const ReportProfile *profile, ReportRecovery *rec)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rec, sizeof(*rec)));
  rec->hierarchy_band = H;
  rec->q              = res->q;
  RecoveryBands(res, planted_band, rec);
  RecoveryLayers(res, H, planted_band, planted_layer, rec);
  if (profile) {
    rec->has_profile = PETSC_TRUE;
    rec->profile     = *profile;
    RecoveryProfile(res, rec);
  }
  rec->pass = PETSC_TRUE;
  if (H >= 0)
    RecoveryVerdictPlanted(res, rec);
  else
    RecoveryVerdictNone(res, rec);
  PetscFunctionReturn(PETSC_SUCCESS);
}

typedef struct {
  const char *patient, *name;
  PetscInt index;
} ChannelKey;

static int ChannelKeyCompare(const void *x, const void *y)
{
  const ChannelKey *a = x, *b = y;
  int c = strcmp(a->patient, b->patient);
  return c ? c : strcmp(a->name, b->name);
}

PetscErrorCode ReportRecoveryFromTruth(const Results *res, const char *path, ReportRecovery *rec)
{
  Truth truth;
  ReportProfile profile;
  int *pband, *player;
  ChannelKey *keys;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(TruthRead(path, &truth));
  n = truth.nchannels;
  PetscCall(PetscMalloc3(n + 1, &keys, res->nchannels + 1, &pband, res->nchannels + 1, &player));
  for (PetscInt i = 0; i < n; i++) {
    keys[i].patient = truth.patient[i];
    keys[i].name    = truth.name[i];
    keys[i].index   = i;
  }
  qsort(keys, (size_t)n, sizeof(*keys), ChannelKeyCompare);
  for (PetscInt c = 0; c < res->nchannels; c++) {
    ChannelKey key  = {res->patient[c], res->channel_name[c], -1};
    ChannelKey *hit = bsearch(&key, keys, (size_t)n, sizeof(*keys), ChannelKeyCompare);
    PetscCheck(hit, PETSC_COMM_SELF, BA_ERR_INPUT, "%s: no channel %s of patient %s (a channel of the results file)",
               path, res->channel_name[c], res->patient[c]);
    pband[c]  = truth.planted_band[hit->index];
    player[c] = truth.planted_layer[hit->index];
  }
  if (truth.has_rois) {
    PetscCall(PetscStrncpy(profile.name, truth.profile, sizeof(profile.name)));
    PetscCall(PetscArraycpy(profile.planted_responsive, truth.roi_responsive, BA_NROIS));
    PetscCall(PetscArraycpy(profile.planted_encoding, truth.roi_encoding, BA_NROIS));
    PetscCall(PetscArraycpy(profile.planted_hierarchy, truth.roi_hierarchy, BA_NROIS));
    PetscCall(PetscArraycpy(profile.expected_aligned, truth.roi_expected_aligned, BA_NROIS));
    PetscCall(PetscArraycpy(profile.expected_rho, truth.roi_expected_rho, BA_NROIS));
    PetscCall(PetscArraycpy(profile.expected_responsive, truth.roi_expected_responsive, BA_NROIS));
  }
  PetscCall(ReportRecoveryCompute(res, truth.hierarchy_band, pband, player, truth.has_rois ? &profile : NULL, rec));
  PetscCall(PetscFree3(keys, pband, player));
  PetscCall(TruthDestroy(&truth));
  PetscFunctionReturn(PETSC_SUCCESS);
}
