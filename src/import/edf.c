/* edf.c: EDF/BDF recordings (European Data Format, 16-bit; BioSemi's 24-bit variant) over
 * EDFlib.
 *
 * EDFlib parses the header and converts digital to physical values; this adapter gives its
 * signals as a SignalTable and reads whole signals in chunks of 2^20 samples. Annotations
 * (EDF+ TAL signals) are not read: EDFlib leaves them out of the signal list, and events come
 * from the BIDS events.tsv. Discontinuous files (EDF+D, BDF+D) and files of more than
 * EDFLIB_MAXSIGNALS (640) signals are refused by EDFlib. Labels are the header's 16
 * characters, trimmed. */
#include <edflib.h>
#include <bandalign/context.h>
#include <bandalign/edf.h>
#include <bandalign/tsv.h>

/* EDFlib's open error, in words. */
static const char *EdfError(int code)
{
  switch (code) {
  case EDFLIB_MALLOC_ERROR:
    return "out of memory";
  case EDFLIB_NO_SUCH_FILE_OR_DIRECTORY:
    return "no such file";
  case EDFLIB_FILE_CONTAINS_FORMAT_ERRORS:
    return "not a valid EDF/BDF file (format errors in the header)";
  case EDFLIB_MAXFILES_REACHED:
    return "too many open files";
  case EDFLIB_FILE_READ_ERROR:
    return "read error";
  case EDFLIB_FILE_ALREADY_OPENED:
    return "already open";
  case EDFLIB_FILETYPE_ERROR:
    return "not an EDF or BDF file";
  case EDFLIB_FILE_IS_DISCONTINUOUS:
    return "discontinuous EDF+D/BDF+D recordings are not supported";
  default:
    return "cannot open";
  }
}

PetscErrorCode EdfHeaderRead(MPI_Comm comm, const char *path, SignalTable *sig)
{
  struct edf_hdr_struct *hdr;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(1, &hdr));
  if (edfopen_file_readonly(path, hdr, EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0) {
    const int code = hdr->filetype;
    PetscCall(PetscFree(hdr));
    SETERRQ(comm, BA_ERR_INPUT, "%s: %s", path, EdfError(code));
  }
  PetscCall(SignalTableAlloc(sig, hdr->edfsignals));
  for (PetscInt s = 0; s < sig->nsignals; s++) {
    const struct edf_param_struct *p = &hdr->signalparam[s];
    char label[32];

    PetscCall(PetscStrncpy(label, p->label, sizeof(label)));
    PetscCall(PetscStrallocpy(TextTrim(label), &sig->label[s]));
    sig->fs[s]       = p->smp_in_datarecord / ((double)hdr->datarecord_duration / EDFLIB_TIME_DIMENSION);
    sig->nsamples[s] = p->smp_in_file;
    sig->scale[s]    = SignalUnitToMicrovolts(p->physdimension);
  }
  edfclose_file(hdr->handle);
  PetscCall(PetscFree(hdr));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode EdfSignalsRead(const char *path, const SignalTable *sig, PetscInt n, const PetscInt *idx, double **x,
                              char *err, size_t errlen)
{
  struct edf_hdr_struct *hdr;

  PetscFunctionBegin;
  err[0] = 0;
  PetscCall(PetscMalloc1(1, &hdr));
  if (edfopen_file_readonly(path, hdr, EDFLIB_DO_NOT_READ_ANNOTATIONS) < 0) {
    snprintf(err, errlen, "%s: %s", path, EdfError(hdr->filetype));
    PetscCall(PetscFree(hdr));
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  for (PetscInt k = 0; k < n && !err[0]; k++) {
    const PetscInt64 ns = sig->nsamples[idx[k]];
    for (PetscInt64 done = 0; done < ns;) {
      const int chunk = (int)PetscMin(ns - done, (PetscInt64)1 << 20);
      if (edfread_physical_samples(hdr->handle, (int)idx[k], chunk, x[k] + done) != chunk) {
        snprintf(err, errlen, "%s: cannot read signal %s", path, sig->label[idx[k]]);
        break;
      }
      done += chunk;
    }
    for (PetscInt64 i = 0; i < ns; i++)
      x[k][i] *= sig->scale[idx[k]];
  }
  edfclose_file(hdr->handle);
  PetscCall(PetscFree(hdr));
  PetscFunctionReturn(PETSC_SUCCESS);
}
