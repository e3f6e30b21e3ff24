/* template.h: text templates with named holes and sections, written in one pass.

   A template is text with tags: {{name}} is a hole, {{#name}} ... {{/name}} a section;
   a name is letters, digits and '_'. The code walks a template from start to end:
   TemplateHole writes the text up to the next tag, which must be the hole it names, and
   the caller then writes what goes there to t->fp (with fprintf, an escaping function,
   anything); TemplateSection writes the text up to the next tag, which must open the
   section it names, and either goes on into the section or skips past its end;
   TemplateEnd writes the rest. A tag alone on its line takes that line end with it, so
   that a section on lines of its own adds or removes whole lines and a hole on a line of
   its own is filled with whole lines (each ending with its line end). Text is copied byte
   for byte: nothing in a template is a format. A template that does not match the code
   (a hole filled that is not next, a hole left unfilled, a bad tag) is PETSC_ERR_PLIB:
   templates are part of the program. Not collective. */
#ifndef BANDALIGN_TEMPLATE_H
#define BANDALIGN_TEMPLATE_H

#include <bandalign/bandalign.h>
#include <stdio.h>

#define TEMPLATE_MAX_DEPTH 8

typedef struct {
  FILE *fp;                          /* where the text goes */
  const char *name;                  /* of the template, for errors */
  const char *text;                  /* the whole template */
  const char *at;                    /* what is still to write */
  int depth;                         /* sections entered and not yet ended */
  char open[TEMPLATE_MAX_DEPTH][64]; /* their names */
} Template;

/* Starts writing template text (NUL-terminated; name for errors) to fp. */
void TemplateBegin(Template *t, FILE *fp, const char *name, const char *text);

/* Writes up to the hole {{hole}}, which must be the next tag; the caller fills it. */
PetscErrorCode TemplateHole(Template *t, const char *hole);

/* TemplateHole, then fills the hole with printf's fmt. */
PetscErrorCode TemplatePrintf(Template *t, const char *hole, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes up to the section {{#section}}, which must be the next tag (not counting the
   ends of sections), then enters it when on, or skips past its {{/section}}. */
PetscErrorCode TemplateSection(Template *t, const char *section, PetscBool on);

/* Writes the rest of the template, which must hold no more holes or sections. */
PetscErrorCode TemplateEnd(Template *t);

#endif
