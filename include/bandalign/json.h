/* json.h: looking up a string in a BIDS sidecar JSON file (e.g. coordsystem.json). */
#ifndef BANDALIGN_JSON_H
#define BANDALIGN_JSON_H

#include <bandalign/bandalign.h>

/* The string value of "key" in text (a JSON object) in value (at most len - 1 bytes, cut
   beyond); PETSC_FALSE when key is absent or its value is not a string. Not a JSON parser:
   the first occurrence of "key" followed by a colon wins at any depth, and an escape keeps
   the escaped character as is ("\n" gives 'n', "\u00b5" gives 'u' then "00b5"). */
PetscBool JsonString(const char *text, const char *key, char *value, size_t len);

#endif
