/* options.c: reading options strictly: typed helpers with ranges, unknown options, and the
 * options files checked before PETSc reads them.
 *
 * Every option a stage reads goes through one of the helpers below (OptionsInt64, OptionsInt,
 * OptionsReal, OptionsBool, OptionsString, OptionsChoice). They read the text of the option
 * themselves, so a value that is not a number, does not fit the variable it goes into or
 * lies outside the option's range ends as one line naming the option, and they record the
 * option's name: the names a stage read are the candidates of "did you mean".
 *
 * Unknown options (interface.md, "Options"): after a stage has read its options,
 * OptionsCheckUnknown lists the options of the database that nothing read and refuses
 *   - a name no stage of bandalign knows (a misspelling), wherever it was given, with the
 *     closest name the stage read (edit distance), and
 *   - a name given on the command line that this stage does not read (an option of another
 *     stage).
 * An options file (or PETSC_OPTIONS) may hold the options of several stages, so that one
 * file serves a whole analysis (the Slurm scripts pass one file to every stage): there, the
 * options of other stages are left alone. PETSc's own options (-log_view, -malloc_debug,
 * -options_left, ...) are never refused; PETSc handles them and -options_left reports the
 * unused ones at the end as it always did. The run stage reads every stage's options before
 * any work (OptionsDeferUnknownCheck around those reads), so the check covers the union.
 *
 * OptionsCheckFiles runs in main before PetscInitialize, which reads -options_file and
 * -options_file_yaml (rank 0 reads a file and broadcasts it, so a missing file would stop
 * rank 0 alone and leave the others waiting): each file must exist and be readable, and a
 * plain options file must hold one "-name [value]" per line. YAML syntax is left to PETSc's
 * parser, whose error the error handler prints as one line naming the file(s). */
#include <bandalign/context.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

/* Every option of every bandalign stage. A helper called with a name missing here is a bug
   (PETSC_ERR_PLIB), so the table cannot fall behind the stages. */
static const char *const KnownOptions[] = {
    /* every stage (ContextSetFromOptions) */
    "-out", "-seed", "-protocol", "-quiet",
    /* simulate */
    "-preset", "-sim_profile", "-sim_patients", "-sim_channels", "-sim_images", "-sim_hierarchy_band",
    "-sim_layer_scale", "-sim_ventral_share", "-sim_gain_min", "-sim_gain_max", "-sim_target_share", "-atlas",
    "-sim_block_channels", "-sim_control_network", "-sim_rdm_report",
    /* features */
    "-dataset", "-patients", "-line_hz", "-block_channels", "-fftw_wisdom", "-spectral_tol", "-fftw_planner",
    /* rsa */
    "-features", "-network", "-control_network", "-permutations", "-permutations_max", "-sequential",
    "-permutation_strategy", "-adaptive_delta", "-permtest_kernel", "-channel_chunk", "-perm_chunk", "-correction",
    "-q", "-alpha", "-responsive_q", "-distance", "-noise_splits", "-blas_threads", "-checkpoint", "-resume",
    "-checkpoint_interval", "-save_rdms", "-checkpoint_stop_extension",
    /* report */
    "-results", "-truth", "-check_recovery",
    /* import-bids, import-kuzovkin */
    "-bids", "-task", "-subjects", "-stim_column", "-category_column", "-exclude", "-dir", NULL};

/* PETSc's own options, by prefix (read in PetscInitialize or PetscFinalize, or by PETSc's
   viewers): never refused here. */
static const char *const PetscPrefixes[] = {"-help",
                                            "-version",
                                            "-options_",
                                            "-log",
                                            "-malloc",
                                            "-memory_",
                                            "-info",
                                            "-on_error_",
                                            "-no_signal_handler",
                                            "-start_in_debugger",
                                            "-stop_for_debugger",
                                            "-debugger_",
                                            "-debug_terminal",
                                            "-display",
                                            "-nox",
                                            "-fp_trap",
                                            "-check_pointer_intensity",
                                            "-checkfunctionlist",
                                            "-checkstack",
                                            "-error_output_",
                                            "-objects_dump",
                                            "-skip_petscrc",
                                            "-prefix_push",
                                            "-prefix_pop",
                                            "-petsc",
                                            "-saws",
                                            "-viewer_",
                                            "-draw_",
                                            "-x_virtual",
                                            "-use_gpu_aware_mpi",
                                            "-citations",
                                            "-device_",
                                            "-mpi_",
                                            "-history",
                                            "-get_total_flops",
                                            NULL};

#define MAX_READ 128
static const char *ReadNames[MAX_READ]; /* options read through the helpers, in order */
static int NRead;
static PetscBool Deferred;
static char *CommandLine;    /* "\n-name\n-name\n..." of the command line (lower case) */
static char YamlFiles[1024]; /* the YAML options files given, for PETSc's parse errors */

/* name without its dash, compared without case (PETSc's option names ignore case) */
static const char *Bare(const char *name)
{
  return name[0] == '-' ? name + 1 : name;
}

static PetscBool SameName(const char *a, const char *b)
{
  return strcasecmp(Bare(a), Bare(b)) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool InList(const char *const *list, const char *name)
{
  for (int i = 0; list[i]; i++)
    if (SameName(list[i], name)) return PETSC_TRUE;
  return PETSC_FALSE;
}

static PetscBool IsPetscOption(const char *name)
{
  for (int i = 0; PetscPrefixes[i]; i++)
    if (!strncasecmp(Bare(name), Bare(PetscPrefixes[i]), strlen(Bare(PetscPrefixes[i])))) return PETSC_TRUE;
  return PETSC_FALSE;
}

static PetscErrorCode Register(MPI_Comm comm, const char *name)
{
  PetscFunctionBegin;
  PetscCheck(InList(KnownOptions, name), comm, PETSC_ERR_PLIB,
             "option %s is missing from the table of bandalign's options (src/core/options.c)", name);
  for (int i = 0; i < NRead; i++)
    if (SameName(ReadNames[i], name)) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCheck(NRead < MAX_READ, comm, PETSC_ERR_PLIB, "more than %d options", MAX_READ);
  ReadNames[NRead++] = name;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Option keys as PETSc tells them from values: '-' and then not a digit or '.'. */
static int IsKey(const char *s)
{
  return s[0] == '-' && s[1] && !isdigit((unsigned char)s[1]) && s[1] != '.';
}

void OptionsSetCommandLine(int argc, char **argv)
{
  size_t len = 2;

  for (int i = 1; i < argc; i++)
    len += strlen(argv[i]) + 1;
  free(CommandLine);
  CommandLine = malloc(len);
  if (!CommandLine) return;
  strcpy(CommandLine, "\n");
  for (int i = 1; i < argc; i++)
    if (IsKey(argv[i])) {
      strcat(CommandLine, Bare(argv[i]));
      strcat(CommandLine, "\n");
    }
}

static PetscBool OnCommandLine(const char *name)
{
  const char *b  = Bare(name);
  const size_t n = strlen(b);

  if (!CommandLine) return PETSC_FALSE;
  for (const char *p = CommandLine; (p = strchr(p, '\n')) && p[1]; p++)
    if (!strncasecmp(p + 1, b, n) && p[1 + n] == '\n') return PETSC_TRUE;
  return PETSC_FALSE;
}

/* ---- the typed helpers ---- */

PetscErrorCode OptionsInt64(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscInt64 def,
                            PetscInt64 min, PetscInt64 max, PetscInt64 *value, PetscBool *set)
{
  char text[64], now[32], full[512];
  PetscBool given = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(Register(PetscOptionsObject->comm, name));
  PetscCall(PetscSNPrintf(now, sizeof(now), "%" PetscInt64_FMT, def));
  PetscCall(PetscSNPrintf(full, sizeof(full), "%s; an integer in [%" PetscInt64_FMT ", %" PetscInt64_FMT "]", help, min,
                          max));
  PetscCall(PetscOptionsString(name, full, NULL, now, text, sizeof(text), &given));
  *value = def;
  if (given) {
    const char *s = text;
    char *end     = NULL;
    long long v;

    PetscCheck(s[0], PetscOptionsObject->comm, BA_ERR_INPUT,
               "%s: needs a value (an integer in [%" PetscInt64_FMT ", %" PetscInt64_FMT "])", name, min, max);
    errno = 0;
    v     = strtoll(s, &end, 10);
    PetscCheck((isdigit((unsigned char)s[0]) || ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1]))) &&
                   end && !*end,
               PetscOptionsObject->comm, BA_ERR_INPUT,
               "%s: '%s' is not an integer (expected an integer in [%" PetscInt64_FMT ", %" PetscInt64_FMT "])", name,
               s, min, max);
    PetscCheck(errno != ERANGE && v >= min && v <= max, PetscOptionsObject->comm, BA_ERR_INPUT,
               "%s: %s is out of range (expected an integer in [%" PetscInt64_FMT ", %" PetscInt64_FMT "])", name, s,
               min, max);
    *value = (PetscInt64)v;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsInt(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscInt def,
                          PetscInt min, PetscInt max, PetscInt *value, PetscBool *set)
{
  PetscInt64 v;

  PetscFunctionBegin;
  PetscCall(OptionsInt64(PetscOptionsObject, name, help, def, min, max, &v, set));
  *value = (PetscInt)v; /* within [min, max], so within PetscInt */
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsReal(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscReal def,
                           PetscReal min, PetscReal max, PetscReal *value, PetscBool *set)
{
  char text[64], now[32], lo[32], hi[32], full[512];
  PetscBool given = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(Register(PetscOptionsObject->comm, name));
  /* C's %g (PETSc's own formatting writes 1 as "1.") */
  snprintf(now, sizeof(now), "%g", (double)def);
  snprintf(lo, sizeof(lo), "%g", (double)min);
  snprintf(hi, sizeof(hi), "%g", (double)max);
  snprintf(full, sizeof(full), "%s; a number in [%s, %s]", help, lo, hi);
  PetscCall(PetscOptionsString(name, full, NULL, now, text, sizeof(text), &given));
  *value = def;
  if (given) {
    const char *s = text;
    char *end     = NULL;
    double v;

    PetscCheck(s[0], PetscOptionsObject->comm, BA_ERR_INPUT, "%s: needs a value (a number in [%s, %s])", name, lo, hi);
    v = strtod(s, &end);
    PetscCheck(!isspace((unsigned char)s[0]) && end != s && !*end && isfinite(v), PetscOptionsObject->comm,
               BA_ERR_INPUT, "%s: '%s' is not a number (expected a number in [%s, %s])", name, s, lo, hi);
    PetscCheck(v >= min && v <= max, PetscOptionsObject->comm, BA_ERR_INPUT,
               "%s: %s is out of range (expected a number in [%s, %s])", name, s, lo, hi);
    *value = (PetscReal)v;
  }
  if (set) *set = given;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsBool(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, PetscBool def,
                           PetscBool *value, PetscBool *set)
{
  static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "1", "0", NULL};
  char given[64];
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(Register(PetscOptionsObject->comm, name));
  /* checked first so that a bad value names the option, once (PETSc's own message names
     neither) */
  PetscCall(
      PetscOptionsGetString(PetscOptionsObject->options, PetscOptionsObject->prefix, name, given, sizeof(given), &has));
  PetscCheck(!has || !given[0] || InList(words, given), PetscOptionsObject->comm, BA_ERR_INPUT,
             "%s: '%s' is not a truth value (expected true or false)", name, given);
  PetscCall(PetscOptionsBool(name, help, NULL, def, value, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsString(PetscOptionItems *PetscOptionsObject, const char *name, const char *help, const char *def,
                             char *value, size_t len, PetscBool *set)
{
  PetscFunctionBegin;
  PetscCall(Register(PetscOptionsObject->comm, name));
  PetscCall(PetscOptionsString(name, help, NULL, def, value, len, set));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsChoice(PetscOptionItems *PetscOptionsObject, const char *name, const char *help,
                             const char *const *choices, int def, int *value)
{
  char given[256], list[512] = "";
  PetscInt n = 0, v = def;
  PetscBool set, found;

  PetscFunctionBegin;
  PetscCall(Register(PetscOptionsObject->comm, name));
  while (choices[n])
    n++;
  /* PETSc's own list option; an unknown value is checked first only so that it ends as the
     one-line input error on the option's communicator (PETSc raises it on each rank) */
  PetscCall(
      PetscOptionsGetString(PetscOptionsObject->options, PetscOptionsObject->prefix, name, given, sizeof(given), &set));
  if (set) {
    PetscCall(PetscEListFind(n, choices, given, &v, &found));
    for (PetscInt i = 0; !found && i < n; i++) {
      PetscCall(PetscStrlcat(list, i ? "|" : "", sizeof(list)));
      PetscCall(PetscStrlcat(list, choices[i], sizeof(list)));
    }
    PetscCheck(found, PetscOptionsObject->comm, BA_ERR_INPUT, "%s: unknown value '%s' (expected %s)", name, given,
               list);
  }
  v = def;
  PetscCall(PetscOptionsEList(name, help, NULL, choices, n, choices[def], &v, NULL));
  *value = (int)v;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode OptionsRequire(MPI_Comm comm, const char *name, const char *value)
{
  PetscFunctionBegin;
  PetscCheck(value && value[0], comm, BA_ERR_INPUT, "%s: option is required", name);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- unknown options ---- */

/* Edit distance (optimal string alignment: insertions, deletions, substitutions and swaps of
   neighbours), without case; names are short. */
static int Distance(const char *a, const char *b)
{
  int d[64][64];
  const int n = (int)PetscMin(strlen(a), 63), m = (int)PetscMin(strlen(b), 63);

  for (int i = 0; i <= n; i++)
    d[i][0] = i;
  for (int j = 0; j <= m; j++)
    d[0][j] = j;
  for (int i = 1; i <= n; i++)
    for (int j = 1; j <= m; j++) {
      const int c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      int v       = PetscMin(d[i - 1][j] + 1, PetscMin(d[i][j - 1] + 1, d[i - 1][j - 1] + c));
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]))
        v = PetscMin(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  return d[n][m];
}

/* The option this stage read that is closest to name, or NULL if none is close (at most a
   third of the name's letters, and at least one, changed). */
static const char *Closest(const char *name)
{
  const char *best = NULL;
  int dbest        = 1 << 30;
  const int limit  = PetscMax(1, (int)strlen(Bare(name)) / 3);

  for (int i = 0; i < NRead; i++) {
    const int d = Distance(Bare(name), Bare(ReadNames[i]));
    if (d < dbest) dbest = d, best = ReadNames[i];
  }
  return dbest <= limit ? best : NULL;
}

void OptionsDeferUnknownCheck(PetscBool defer)
{
  Deferred = defer;
}

PetscErrorCode OptionsCheckUnknown(MPI_Comm comm)
{
  PetscInt n;
  char **names, **values, msg[1024] = "", also[512] = "";
  const char *stage = ContextStageName();
  int nbad          = 0;

  PetscFunctionBegin;
  if (Deferred) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    const char *name = names[i];
    char dashed[256];
    PetscBool known;

    if (IsPetscOption(name)) continue;
    known = InList(KnownOptions, name);
    if (known && !OnCommandLine(name)) continue; /* another stage's, from an options file */
    PetscCall(PetscSNPrintf(dashed, sizeof(dashed), "-%s", Bare(name)));
    if (nbad++ == 0) {
      const char *near = known ? NULL : Closest(name);
      if (known)
        PetscCall(
            PetscSNPrintf(msg, sizeof(msg), "%s: not an option of %s (see bandalign %s -help)", dashed, stage, stage));
      else if (near)
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s: unknown option (did you mean %s?)", dashed, near));
      else
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s: unknown option (see bandalign %s -help)", dashed, stage));
    } else {
      PetscCall(PetscStrlcat(also, nbad > 2 ? ", " : "", sizeof(also)));
      PetscCall(PetscStrlcat(also, dashed, sizeof(also)));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(nbad == 0, comm, BA_ERR_INPUT, "%s%s%s", msg, nbad > 1 ? "; also not read: " : "", also);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ---- options files, before PetscInitialize ---- */

const char *OptionsYamlFiles(void)
{
  return YamlFiles;
}

/* As PETSc decides (PetscOptionsFilename): a file is YAML by its name (.yml, .yaml, or a
   ":yaml" suffix, removed) or by its first bytes ("%YAML " or "---"). */
static int FileIsYaml(char *path, int forced)
{
  size_t n     = strlen(path);
  char head[8] = "";
  FILE *f;

  if (n > 5 && !strcmp(path + n - 5, ":yaml")) {
    path[n - 5] = 0;
    return 1;
  }
  if (forced || (n > 4 && !strcasecmp(path + n - 4, ".yml")) || (n > 5 && !strcasecmp(path + n - 5, ".yaml"))) return 1;
  if ((f = fopen(path, "r"))) {
    size_t got = fread(head, 1, 6, f);
    head[got]  = 0;
    fclose(f);
  }
  return !strncmp(head, "%YAML ", 6) || !strncmp(head, "---", 3);
}

/* A plain PETSc options file: per line (after '#'), nothing, "-name [value]" or
   "alias -name -other". */
static int CheckPlainFile(const char *path, FILE *f, char *err, size_t len)
{
  char line[4096];
  int lineno = 0;

  while (fgets(line, sizeof(line), f)) {
    char *tok[4] = {NULL}, *save = NULL, *c = strchr(line, '#');
    int ntok = 0;
    lineno++;
    if (c) *c = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save))
      if (ntok < 4)
        tok[ntok++] = t;
      else
        ntok++;
    if (!ntok) continue;
    if (!strcasecmp(tok[0], "alias")) {
      if (ntok == 3 && IsKey(tok[1]) && IsKey(tok[2])) continue;
      snprintf(err, len, "%s: line %d: an alias line is 'alias -name -other'", path, lineno);
      return 1;
    }
    if (!IsKey(tok[0])) {
      snprintf(err, len, "%s: line %d: '%s' is not an option (expected -name [value] per line)", path, lineno, tok[0]);
      return 1;
    }
    if (ntok > 2 || (ntok == 2 && IsKey(tok[1]))) {
      snprintf(err, len, "%s: line %d: one option per line (-name [value])", path, lineno);
      return 1;
    }
  }
  return 0;
}

/* One file of -options_file (yaml = 0) or -options_file_yaml (yaml = 1). */
static int CheckFile(const char *given, int yaml, char *err, size_t len)
{
  char path[PETSC_MAX_PATH_LEN];
  struct stat st;
  FILE *f;
  int bad;

  snprintf(path, sizeof(path), "%s", given);
  yaml = FileIsYaml(path, yaml);
  if (stat(path, &st) != 0) {
    snprintf(err, len, "%s: cannot open the options file (%s)", path, strerror(errno));
    return 1;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(err, len, "%s: is a folder, not an options file", path);
    return 1;
  }
  if (!(f = fopen(path, "r"))) {
    snprintf(err, len, "%s: cannot read the options file (%s)", path, strerror(errno));
    return 1;
  }
  if (yaml) {
    size_t n = strlen(YamlFiles);
    /* the list is for messages only: a name that does not fit is cut */
    if (n + 2 < sizeof(YamlFiles)) {
      size_t k;
      if (n) memcpy(YamlFiles + n, ", ", 2), n += 2;
      k = PetscMin(strlen(path), sizeof(YamlFiles) - 1 - n);
      memcpy(YamlFiles + n, path, k);
      YamlFiles[n + k] = 0;
    }
    bad = 0;
  } else
    bad = CheckPlainFile(path, f, err, len);
  fclose(f);
  return bad;
}

int OptionsCheckFiles(int argc, char **argv)
{
  char err[PETSC_MAX_PATH_LEN + 256] = "";
  int rank = 0, bad = 0;

  /* before PetscInitialize: plain MPI, and (MPI_Bcast) rather than PETSc's logging macro */
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) /* as PETSc: rank 0 reads the files */
    for (int i = 1; i < argc && !bad; i++) {
      const int plain = !strcasecmp(argv[i], "-options_file"), yaml = !strcasecmp(argv[i], "-options_file_yaml");
      if (!plain && !yaml) continue;
      if (i + 1 >= argc || argv[i + 1][0] == '-') {
        snprintf(err, sizeof(err), "%s: needs a file name", argv[i]);
        bad = 1;
      } else
        bad = CheckFile(argv[++i], yaml, err, sizeof(err));
    }
  (MPI_Bcast)(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
  (MPI_Bcast)(YamlFiles, sizeof(YamlFiles), MPI_CHAR, 0, MPI_COMM_WORLD);
  if (bad && rank == 0) {
    fprintf(stderr, "bandalign: error: %s\n", err);
    fflush(stderr);
  }
  return bad;
}
