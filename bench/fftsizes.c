/* bench/fftsizes.c: time of one complex backward FFT and one real-to-complex FFT per size
   with FFTW_ESTIMATE plans (the features stage's default), best of 5 rounds; shows why the
   spectral kernel's transform sizes avoid a factor 3. Usage: fftsizes   (one core) */
#include <bandalign/bandalign.h>
#include <time.h>

static double Now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(void)
{
  static const int sizes[] = {128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 2048};
  const int nsizes         = (int)(sizeof(sizes) / sizeof(sizes[0]));

  for (int s = 0; s < nsizes; s++) {
    const int m     = sizes[s];
    fftw_complex *a = fftw_alloc_complex(m), *b = fftw_alloc_complex(m);
    double *r = fftw_alloc_real(m), best_c = INFINITY, best_r = INFINITY;
    fftw_plan c2c    = fftw_plan_dft_1d(m, a, b, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_plan r2c    = fftw_plan_dft_r2c_1d(m, r, a, FFTW_ESTIMATE);
    const int repeat = 20000;

    for (int i = 0; i < m; i++) {
      a[i][0] = a[i][1] = 1e-3 * i;
      r[i]              = i;
    }
    for (int round = 0; round < 5; round++) {
      double t = Now();
      for (int k = 0; k < repeat; k++)
        fftw_execute(c2c);
      best_c = fmin(best_c, (Now() - t) / repeat);
      t      = Now();
      for (int k = 0; k < repeat; k++)
        fftw_execute(r2c);
      best_r = fmin(best_r, (Now() - t) / repeat);
    }
    printf("m = %4d  c2c %6.3f us (%.2f ns per point)  r2c %6.3f us\n", m, 1e6 * best_c, 1e9 * best_c / m,
           1e6 * best_r);
    fftw_destroy_plan(c2c);
    fftw_destroy_plan(r2c);
    fftw_free(a);
    fftw_free(b);
    fftw_free(r);
  }
  return 0;
}
