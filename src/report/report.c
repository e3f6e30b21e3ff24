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
                "alignment_p,volume,specificity\n");
  for (int b = 0; b < BA_NBANDS; b++)
    for (int w = 0; w < BA_NWINDOWS; w++) {
      const ResultsRoiSummary *s = &res->roi[RoiIndex(b, w)];
      fprintf(o.fp, "%s,%d,%d,%d,%d,%d,%.10g,%.6g,%.10g,%.10g\n", BaBands[b].name, BaWindows[w].t0_ms,
              BaWindows[w].t1_ms, (int)res->nchannels, (int)s->n_responsive, (int)s->n_significant_pairs,
              s->alignment_rho, s->alignment_p, s->volume, s->specificity);
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
  char title[96];
  PetscBool made;
  char note[256]; /* why it is missing */
} Figure;

/* A gnuplot script drawing one or more figures, run as one process (gnuplot's start-up,
   fonts included, costs more than drawing a figure). */
typedef struct {
  FILE *fp;
  char path[PETSC_MAX_PATH_LEN]; /* dir/.what.gp */
  char what[64];                 /* names the figures in errors */
  int n;                         /* figures so far */
  char png[BA_NROIS][96];        /* their PNG names */
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
  PetscCheck(s->n < BA_NROIS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many figures in one script");
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
  double vmax  = 0;
  int naligned = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(f->file, "overview.png", sizeof(f->file)));
  PetscCall(PetscStrncpy(f->title, "Alignment of the 15 ROIs", sizeof(f->title)));
  for (int r = 0; r < BA_NROIS; r++) {
    vmax = PetscMax(vmax, res->roi[r].volume);
    naligned += res->roi[r].alignment_p < REPORT_ALIGNED_P;
  }
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

/* Area x layer heatmaps of every ROI, rows BA 17 (top) to BA 20, drawn by one gnuplot. */
static PetscErrorCode FigureAreaLayer(const Results *res, const char *dir, Figure *figs)
{
  const PetscInt nl = res->nlayers;
  Script sc;
  FILE *fp;

  PetscFunctionBegin;
  PetscCall(ScriptOpen(dir, "area_layer", &sc));
  fp = sc.fp;
  for (int roi = 0; roi < BA_NROIS; roi++) {
    const ResultsRoiSummary *s = &res->roi[roi];
    Figure *f                  = &figs[roi];
    char name[64], label[64];
    double vmax = 0;
    Template t;

    RoiName(roi, name, sizeof(name));
    PetscCall(PetscSNPrintf(f->file, sizeof(f->file), "area_layer_%s.png", name));
    PetscCall(PetscSNPrintf(f->title, sizeof(f->title), "%s", name));
    for (PetscInt i = 0; i < BA_NAREAS * nl; i++)
      vmax = PetscMax(vmax, s->area_layer[i]);
    PetscCall(ScriptFigure(&sc, dir, f->file, 560, 320));
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
    PetscCall(TemplatePrintf(&t, "rho_max", "%.6g", vmax > 0 ? vmax : 1.0));
    PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
    PetscCall(TemplateHole(&t, "matrix"));
    for (int a = 0; a < BA_NAREAS; a++) {
      for (PetscInt l = 0; l < nl; l++)
        fprintf(fp, "%s%.6g", l ? " " : "", s->area_layer[a * nl + l]);
      fputc('\n', fp);
    }
    PetscCall(TemplatePrintf(&t, "roi_index", "%d", roi));
    PetscCall(TemplateEnd(&t));
  }
  PetscCall(ScriptRun(&sc, dir));
  for (int roi = 0; roi < BA_NROIS; roi++)
    figs[roi].made = PETSC_TRUE;
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

/* A figure of the page (the PNG inline), or the note saying why it is missing. */
static PetscErrorCode HtmlFigure(FILE *fp, const char *dir, const Figure *f)
{
  Template t;

  PetscFunctionBegin;
  TemplateBegin(&t, fp, "figure.html", ReportTemplate_figure_html);
  PetscCall(TemplateSection(&t, "made", f->made));
  if (f->made) {
    PetscCall(TemplateHole(&t, "title"));
    Html(fp, f->title);
    PetscCall(TemplateHole(&t, "png_base64"));
    PetscCall(EmbedPng(fp, dir, f->file));
    PetscCall(TemplateHole(&t, "title"));
    Html(fp, f->title);
    PetscCall(TemplateHole(&t, "file"));
    Html(fp, f->file);
  }
  PetscCall(TemplateSection(&t, "missing", f->made ? PETSC_FALSE : PETSC_TRUE));
  if (!f->made) {
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
static PetscErrorCode HtmlControl(Template *t, const Results *res)
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
    RoiName(j, name, sizeof(name));
    fprintf(fp, "<th>%s</th>", name);
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
        fprintf(fp, "<td%s>%.2g</td>", p < 0.05 ? " class=\"sig\"" : "", p);
    }
    fputs("</tr>\n", fp);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The holes of the recovery section. */
static PetscErrorCode HtmlRecovery(Template *t, const ReportRecovery *rec)
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
            "class=\"l\">%s</td><td>%.4f</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%.4f</"
            "td></tr>\n",
            b == rec->hierarchy_band ? " class=\"aligned\"" : "", BaBands[b].name, rec->mean_rho[b], wname,
            rec->aligned[b] ? "yes" : "no", (int)rec->nsig[b], (int)rec->nfalse[b], rec->fdp[b]);
  }
  PetscCall(TemplateSection(t, "planted", rec->hierarchy_band >= 0 ? PETSC_TRUE : PETSC_FALSE));
  if (rec->hierarchy_band < 0) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(TemplatePrintf(t, "hierarchy_band", "%s", hb));
  PetscCall(TemplateHole(t, "area_rows"));
  for (int a = 0; a < BA_NAREAS; a++) {
    char planted[32] = "&ndash;", found[32] = "&ndash;";
    if (rec->nplanted[a]) snprintf(planted, sizeof(planted), "%.2f", rec->planted_layer[a]);
    if (rec->nfound[a]) snprintf(found, sizeof(found), "%.2f", rec->found_layer[a]);
    fprintf(fp, "<tr><td class=\"l\">BA%d</td><td>%d</td><td>%s</td><td>%d</td><td>%s</td></tr>\n", BaVentralAreas[a],
            (int)rec->nplanted[a], planted, (int)rec->nfound[a], found);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode HtmlProvenance(Template *t, Results *res, const char *results_path, const char *consistency)
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

PetscErrorCode ReportWrite(Results *res, const char *results_path, const char *dir, const ReportRecovery *rec)
{
  Figure overview = {0}, corr = {0}, *al;
  OutFile o;
  Template t;
  char consistency[768];

  PetscFunctionBegin;
  PetscCall(MakeDir(dir));
  PetscCall(CheckSummaries(res, consistency, sizeof(consistency)));
  if (strstr(consistency, "disagree"))
    PetscCall(PetscFPrintf(PETSC_COMM_SELF, stderr, "bandalign: warning: %s: %s\n", results_path, consistency));
  PetscCall(WriteSummaryCsv(res, dir));
  PetscCall(WriteControlCsv(res, dir));
  for (int r = 0; r < BA_NROIS; r++)
    PetscCall(WriteAreaLayerCsv(res, dir, r));
  PetscCall(PetscCalloc1(BA_NROIS, &al));
  PetscCall(FigureOverview(res, dir, &overview));
  PetscCall(FigureAreaLayer(res, dir, al));
  PetscCall(FigureLayerCorrelation(res, dir, &corr));

  PetscCall(OutOpen(dir, "report.html", &o));
  TemplateBegin(&t, o.fp, "report.html", ReportTemplate_report_html);
  PetscCall(TemplateHole(&t, "css"));
  PutCss(o.fp);
  PetscCall(TemplateHole(&t, "results_path"));
  Html(o.fp, results_path);
  PetscCall(TemplatePrintf(&t, "nchannels", "%d", (int)res->nchannels));
  PetscCall(TemplatePrintf(&t, "nimages", "%d", (int)res->nimages));
  PetscCall(TemplatePrintf(&t, "nlayers", "%d", (int)res->nlayers));
  PetscCall(TemplateSection(&t, "recovery", rec ? PETSC_TRUE : PETSC_FALSE));
  if (rec) PetscCall(HtmlRecovery(&t, rec));
  PetscCall(HtmlSummary(&t, res));
  PetscCall(HtmlControl(&t, res));
  PetscCall(TemplateHole(&t, "overview_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &overview));
  PetscCall(TemplateHole(&t, "area_layer_figures"));
  for (int r = 0; r < BA_NROIS; r++)
    PetscCall(HtmlFigure(o.fp, dir, &al[r]));
  PetscCall(TemplateHole(&t, "layer_rdm_figure"));
  PetscCall(HtmlFigure(o.fp, dir, &corr));
  PetscCall(HtmlComparisons(&t, res));
  PetscCall(HtmlProvenance(&t, res, results_path, consistency));
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

/* The verdict with a planted hierarchy (docs/report.md): best aligned, aligned in some
   window, FDP at most q. */
static void RecoveryVerdictPlanted(const Results *res, ReportRecovery *rec)
{
  const int H         = rec->hierarchy_band;
  const char *planted = BaBands[H].name;
  char wname[32], why[768] = "";
  int rival = -1, wmin = 0;

  for (int b = 0; b < BA_NBANDS; b++)
    if (b != H && (rival < 0 || rec->score[b] > rec->score[rival])) rival = b;
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
                                     ReportRecovery *rec)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rec, sizeof(*rec)));
  rec->hierarchy_band = H;
  rec->q              = res->q;
  RecoveryBands(res, planted_band, rec);
  RecoveryLayers(res, H, planted_band, planted_layer, rec);
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
  PetscCall(ReportRecoveryCompute(res, truth.hierarchy_band, pband, player, rec));
  PetscCall(PetscFree3(keys, pband, player));
  PetscCall(TruthDestroy(&truth));
  PetscFunctionReturn(PETSC_SUCCESS);
}
