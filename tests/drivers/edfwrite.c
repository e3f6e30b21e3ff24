/* edfwrite.c: writes an EDF+ file with EDFlib for the import tests.
 *   edfwrite OUT FS NSAMP LABELS UNIT DATA
 * FS integer Hz, NSAMP a multiple of FS (one-second data records), LABELS comma-separated
 * signal names, UNIT their physical dimension, DATA raw float64 [nsignals][NSAMP]. Each
 * signal's physical range is its own minimum and maximum, 16-bit digital range. */
#include <edflib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
  char labels[4096], *tok, *names[EDFLIB_MAXSIGNALS];
  int ns = 0, fs, h;
  long n;
  double *x;
  FILE *f;

  if (argc != 7) {
    fprintf(stderr, "usage: edfwrite OUT FS NSAMP LABELS UNIT DATA\n");
    return 2;
  }
  fs = atoi(argv[2]);
  n  = atol(argv[3]);
  snprintf(labels, sizeof(labels), "%s", argv[4]);
  for (tok = strtok(labels, ","); tok && ns < EDFLIB_MAXSIGNALS; tok = strtok(NULL, ","))
    names[ns++] = tok;
  if (fs <= 0 || n % fs) {
    fprintf(stderr, "edfwrite: NSAMP must be a multiple of FS\n");
    return 2;
  }
  x = malloc(sizeof(double) * (size_t)ns * (size_t)n);
  f = fopen(argv[6], "rb");
  if (!f || fread(x, sizeof(double), (size_t)ns * (size_t)n, f) != (size_t)ns * (size_t)n) {
    fprintf(stderr, "edfwrite: cannot read %s\n", argv[6]);
    return 1;
  }
  fclose(f);
  h = edfopen_file_writeonly(argv[1], EDFLIB_FILETYPE_EDFPLUS, ns);
  if (h < 0) {
    fprintf(stderr, "edfwrite: cannot create %s (%d)\n", argv[1], h);
    return 1;
  }
  for (int s = 0; s < ns; s++) {
    double lo = x[(size_t)s * n], hi = lo;
    for (long k = 0; k < n; k++) {
      const double v = x[(size_t)s * n + k];
      lo             = v < lo ? v : lo;
      hi             = v > hi ? v : hi;
    }
    if (hi - lo < 1e-9) hi = lo + 1;
    if (edf_set_samplefrequency(h, s, fs) || edf_set_physical_maximum(h, s, hi) || edf_set_physical_minimum(h, s, lo) ||
        edf_set_digital_maximum(h, s, 32767) || edf_set_digital_minimum(h, s, -32768) ||
        edf_set_label(h, s, names[s]) || edf_set_physical_dimension(h, s, argv[5])) {
      fprintf(stderr, "edfwrite: cannot set up signal %d\n", s);
      return 1;
    }
  }
  for (long r = 0; r < n / fs; r++)
    for (int s = 0; s < ns; s++)
      if (edfwrite_physical_samples(h, x + (size_t)s * n + (size_t)r * fs)) {
        fprintf(stderr, "edfwrite: write failed\n");
        return 1;
      }
  edfclose_file(h);
  free(x);
  return 0;
}
