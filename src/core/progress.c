/* progress.c: throttled percent-and-time-left lines on stderr from rank 0.
 *
 * Rank 0 reports its own share of the work: the partition balances work, so its fraction
 * done stands for the whole job without any communication. */
#include <bandalign/progress.h>

void ProgressBegin(Progress *p, MPI_Comm comm, const char *what, double total, PetscBool quiet)
{
  int rank = 0;

  MPI_Comm_rank(comm, &rank);
  snprintf(p->what, sizeof(p->what), "%s", what);
  p->total   = total > 0 ? total : 1;
  p->t_start = MPI_Wtime();
  p->t_last  = p->t_start;
  p->active  = (PetscBool)(rank == 0 && !quiet);
  p->printed = PETSC_FALSE;
}

static void FormatSeconds(double s, char *buf, size_t len)
{
  if (s < 60)
    snprintf(buf, len, "%.0fs", s);
  else if (s < 3600)
    snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
  else
    snprintf(buf, len, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

void ProgressUpdate(Progress *p, double done)
{
  const double now = MPI_Wtime();
  char left[32];

  if (!p->active || now - p->t_last < 2.0 || done <= 0) return;
  p->t_last  = now;
  p->printed = PETSC_TRUE;
  FormatSeconds((now - p->t_start) * (p->total - done) / done, left, sizeof(left));
  fprintf(stderr, "%s: %3.0f%% (%.0f/%.0f), %s left\n", p->what, 100.0 * done / p->total, done, p->total, left);
  fflush(stderr);
}

void ProgressEnd(Progress *p)
{
  char took[32];

  if (!p->active || !p->printed) return; /* short work needs no closing line */
  FormatSeconds(MPI_Wtime() - p->t_start, took, sizeof(took));
  fprintf(stderr, "%s: 100%% in %s\n", p->what, took);
  fflush(stderr);
}
