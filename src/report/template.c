/* template.c: text templates with named holes and sections, written in one pass
   (template.h says what a template is). The report's templates are files under
   src/report/templates/, embedded in the program at build time. */
#include <bandalign/template.h>
#include <ctype.h>
#include <stdarg.h>

typedef struct {
  char kind;               /* 0 a hole, '#' a section start, '/' a section end */
  char name[64];           /* what the tag names */
  const char *start, *end; /* the tag's first byte; the byte after it (and after its line end when alone) */
} Tag;

/* The first tag at or after from; *found false when there is none. */
static PetscErrorCode TagFind(const Template *t, const char *from, Tag *tag, PetscBool *found)
{
  const char *s = strstr(from, "{{"), *e;

  PetscFunctionBegin;
  *found = s ? PETSC_TRUE : PETSC_FALSE;
  if (!s) PetscFunctionReturn(PETSC_SUCCESS);
  tag->start = s;
  s += 2;
  tag->kind = *s == '#' || *s == '/' ? *s++ : 0;
  for (e = s; isalnum((unsigned char)*e) || *e == '_'; e++) {}
  PetscCheck(e > s && e - s < (ptrdiff_t)sizeof(tag->name) && e[0] == '}' && e[1] == '}', PETSC_COMM_SELF,
             PETSC_ERR_PLIB, "template %s: bad tag at byte %td", t->name, tag->start - t->text);
  memcpy(tag->name, s, (size_t)(e - s));
  tag->name[e - s] = 0;
  e += 2;
  if ((tag->start == t->text || tag->start[-1] == '\n') && *e == '\n') e++;
  tag->end = e;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void TagDescribe(const Tag *tag, PetscBool found, char *buf, size_t len)
{
  if (!found)
    snprintf(buf, len, "the end of the template");
  else
    snprintf(buf, len, "{{%s%s}}", tag->kind == '#' ? "#" : tag->kind == '/' ? "/" : "", tag->name);
}

/* Writes the text up to the next hole or section start, or to the end; passes the ends of
   the sections entered. */
static PetscErrorCode Advance(Template *t, Tag *tag, PetscBool *found)
{
  PetscFunctionBegin;
  for (;;) {
    PetscCall(TagFind(t, t->at, tag, found));
    if (!*found) {
      fputs(t->at, t->fp);
      t->at += strlen(t->at);
      break;
    }
    fwrite(t->at, 1, (size_t)(tag->start - t->at), t->fp);
    t->at = tag->end;
    if (tag->kind != '/') break;
    PetscCheck(t->depth > 0 && !strcmp(t->open[t->depth - 1], tag->name), PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "template %s: {{/%s}} ends no section entered", t->name, tag->name);
    t->depth--;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

void TemplateBegin(Template *t, FILE *fp, const char *name, const char *text)
{
  t->fp    = fp;
  t->name  = name;
  t->text  = text;
  t->at    = text;
  t->depth = 0;
}

PetscErrorCode TemplateHole(Template *t, const char *hole)
{
  Tag tag;
  PetscBool found;
  char what[80];

  PetscFunctionBegin;
  PetscCall(Advance(t, &tag, &found));
  TagDescribe(&tag, found, what, sizeof(what));
  PetscCheck(found && tag.kind == 0 && !strcmp(tag.name, hole), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "template %s: the code fills {{%s}} but the next tag is %s", t->name, hole, what);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TemplatePrintf(Template *t, const char *hole, const char *fmt, ...)
{
  va_list ap;

  PetscFunctionBegin;
  PetscCall(TemplateHole(t, hole));
  va_start(ap, fmt);
  vfprintf(t->fp, fmt, ap);
  va_end(ap);
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TemplateSection(Template *t, const char *section, PetscBool on)
{
  Tag tag;
  PetscBool found;
  char what[80], end[80];
  const char *e;

  PetscFunctionBegin;
  PetscCall(Advance(t, &tag, &found));
  TagDescribe(&tag, found, what, sizeof(what));
  PetscCheck(found && tag.kind == '#' && !strcmp(tag.name, section), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "template %s: the code expects section {{#%s}} but the next tag is %s", t->name, section, what);
  if (on) {
    PetscCheck(t->depth < TEMPLATE_MAX_DEPTH, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "template %s: sections nested deeper than %d", t->name, TEMPLATE_MAX_DEPTH);
    PetscCall(PetscStrncpy(t->open[t->depth++], section, sizeof(t->open[0])));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  snprintf(end, sizeof(end), "{{/%s}}", section);
  e = strstr(t->at, end);
  PetscCheck(e, PETSC_COMM_SELF, PETSC_ERR_PLIB, "template %s: section {{#%s}} has no end", t->name, section);
  PetscCall(TagFind(t, e, &tag, &found));
  t->at = tag.end;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode TemplateEnd(Template *t)
{
  Tag tag;
  PetscBool found;
  char what[80];

  PetscFunctionBegin;
  PetscCall(Advance(t, &tag, &found));
  TagDescribe(&tag, found, what, sizeof(what));
  PetscCheck(!found, PETSC_COMM_SELF, PETSC_ERR_PLIB, "template %s: %s left unfilled", t->name, what);
  PetscCheck(t->depth == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "template %s: section {{#%s}} has no end", t->name,
             t->open[t->depth - 1]);
  PetscFunctionReturn(PETSC_SUCCESS);
}
