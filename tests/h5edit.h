/* h5edit.h: the C tests' way to make bad input: copy a good file and alter it through
   serial HDF5 (one process), the way a careless converter might have written it. */
#ifndef BANDALIGN_TESTS_H5EDIT_H
#define BANDALIGN_TESTS_H5EDIT_H

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum { EDIT_DELETE, EDIT_SET, EDIT_RESHAPE, EDIT_ATTR_STRING, EDIT_ATTR_INT, EDIT_DELETE_ATTR } EditKind;

typedef struct {
  EditKind kind;
  const char *object; /* dataset (or "/" for attributes) */
  const char *attr;   /* attribute name */
  hsize_t at[3];      /* element to set */
  double value;       /* value to set (as the dataset's type) */
  const char *string; /* new string attribute */
  hsize_t dims[3];    /* new shape (EDIT_RESHAPE; ndims from dims[2] == 0 ? 2 : 3) */
} Edit;

/* Copies a file byte for byte; 1 on success. */
static int CopyFile(const char *from, const char *to)
{
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  int ok = in && out;

  while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
    ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out) fclose(out);
  return ok;
}

/* Applies one edit to the file at path; 1 on success. */
static int ApplyEdit(const char *path, const Edit *e)
{
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), d, s, m, t, a;
  int ok  = f >= 0;

  if (!ok) return 0;
  switch (e->kind) {
  case EDIT_DELETE:
    ok = H5Ldelete(f, e->object, H5P_DEFAULT) >= 0;
    break;
  case EDIT_SET:
    d  = H5Dopen2(f, e->object, H5P_DEFAULT);
    s  = H5Dget_space(d);
    ok = H5Sselect_elements(s, H5S_SELECT_SET, 1, e->at) >= 0;
    m  = H5Screate(H5S_SCALAR);
    ok = ok && H5Dwrite(d, H5T_NATIVE_DOUBLE, m, s, H5P_DEFAULT, &e->value) >= 0;
    H5Sclose(m);
    H5Sclose(s);
    H5Dclose(d);
    break;
  case EDIT_RESHAPE: {
    int nd       = e->dims[2] == 0 ? 2 : 3;
    hsize_t n    = e->dims[0] * e->dims[1] * (nd == 3 ? e->dims[2] : 1);
    double *zero = calloc(n + 1, sizeof(double));
    ok           = H5Ldelete(f, e->object, H5P_DEFAULT) >= 0;
    s            = H5Screate_simple(nd, e->dims, NULL);
    d            = H5Dcreate2(f, e->object, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok           = ok && d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) >= 0;
    free(zero);
    H5Dclose(d);
    H5Sclose(s);
  } break;
  case EDIT_ATTR_STRING:
  case EDIT_ATTR_INT:
  case EDIT_DELETE_ATTR:
    d = H5Oopen(f, e->object, H5P_DEFAULT);
    if (H5Aexists(d, e->attr) > 0) H5Adelete(d, e->attr);
    if (e->kind != EDIT_DELETE_ATTR) {
      int64_t v = (int64_t)e->value;
      s         = H5Screate(H5S_SCALAR);
      if (e->kind == EDIT_ATTR_STRING) {
        t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
      } else
        t = H5Tcopy(H5T_NATIVE_INT64);
      a  = H5Acreate2(d, e->attr, t, s, H5P_DEFAULT, H5P_DEFAULT);
      ok = a >= 0 && H5Awrite(a, t, e->kind == EDIT_ATTR_STRING ? (const void *)&e->string : (const void *)&v) >= 0;
      H5Aclose(a);
      H5Tclose(t);
      H5Sclose(s);
    }
    H5Oclose(d);
    break;
  }
  return H5Fclose(f) >= 0 && ok;
}

#endif
