/* check.h: the tiny assertion helper of the C tests. CheckPlan(n) declares the n checks the
   program runs (prints the plan "1..n"); each check prints "ok - ..." or "not ok - ..."
   (counted by tests/run); CheckDone reports a run whose number of checks differs from its
   plan as one more failed check and returns the exit status. Under MPI only rank 0 checks
   and plans; a program that is only a driver for a reference script declares no plan. */
#ifndef BANDALIGN_TESTS_CHECK_H
#define BANDALIGN_TESTS_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int check_failures = 0, check_count = 0, check_plan = -1;

/* CheckPlan(n): the program runs n checks. */
static inline void CheckPlan(int n)
{
  check_plan = n;
  printf("1..%d\n", n);
  fflush(stdout);
}

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
  check_count++;
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
  if (check_plan >= 0 && check_count != check_plan) {
    printf("not ok - ran %d of %d planned checks\n", check_count, check_plan);
    fflush(stdout);
    check_failures++;
  }
  return check_failures ? 1 : 0;
}

#endif
