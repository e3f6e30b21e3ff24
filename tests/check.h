/* check.h: the tiny assertion helper of the C tests. Each check prints "ok - ..." or
   "not ok - ..." (counted by tests/run); CheckDone returns the exit status. */
#ifndef BANDALIGN_TESTS_CHECK_H
#define BANDALIGN_TESTS_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int check_failures = 0;

static int CheckReport(int ok, const char *file, int line, const char *fmt, ...)
{
  va_list ap;

  printf("%s - ", ok ? "ok" : "not ok");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if (!ok) printf("  (%s:%d)", file, line);
  printf("\n");
  fflush(stdout);
  if (!ok) check_failures++;
  return ok;
}

/* CHECK(cond, "what is being checked", ...) */
#define CHECK(cond, ...) CheckReport((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* Relative difference |a - b| / max(|b|, floor). */
static inline double RelErr(double a, double b, double floor_)
{
  double d = fabs(b) > floor_ ? fabs(b) : floor_;
  return fabs(a - b) / d;
}

static inline int CheckDone(void)
{
  return check_failures ? 1 : 0;
}

#endif
