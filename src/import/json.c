/* json.c: the string lookup of BIDS sidecar JSON files.
 *
 * import-bids needs two string fields of coordsystem.json (iEEGCoordinateSystem and
 * iEEGCoordinateUnits), so this is a search for "key": "value" in the text, not a parser:
 * nesting, arrays and other value types are not understood, keys must be shorter than
 * 126 characters, and escapes are dropped rather than decoded (json.h). */
#include <bandalign/json.h>

PetscBool JsonString(const char *text, const char *key, char *value, size_t len)
{
  char pat[128];
  const char *p = text;

  snprintf(pat, sizeof(pat), "\"%s\"", key);
  while ((p = strstr(p, pat))) {
    const char *q = p + strlen(pat);
    size_t n      = 0;

    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      q++;
    if (*q != ':') {
      p = q;
      continue;
    }
    q++;
    while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
      q++;
    if (*q != '"') return PETSC_FALSE;
    for (q++; *q && *q != '"' && n + 1 < len; q++) {
      if (*q == '\\' && q[1]) q++;
      value[n++] = *q;
    }
    value[n] = 0;
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}
