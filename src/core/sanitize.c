/* sanitize.c: LeakSanitizer's view of a failed run (include/bandalign/sanitize.h). In a
   build without sanitizers nothing calls the hook. */
#include <bandalign/sanitize.h>
#include <stdlib.h>

static volatile int RunFailed;

void SanitizeRunFailed(void)
{
  RunFailed = 1;
}

/* LeakSanitizer's hook, asked when it is about to check for leaks at exit. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
  const char *keep = getenv("BA_LEAKS_ON_ERROR");
  return RunFailed && !(keep && keep[0] == '1');
}
