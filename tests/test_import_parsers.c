/* test_import_parsers.c: the file readers behind import-bids on small files written here:
   TSV tables (blank lines, CR, trimming, ragged rows, a byte-order mark), the JSON string lookup, unit scaling,
   BrainVision headers and samples (multiplexed INT_16, vectorized IEEE_FLOAT_32, "\1" in
   names, a data file of the wrong size) and EDF+ through EDFlib (written with EDFlib's
   writer: values within one digital step, units to microvolts, a corrupt header). */
#include <unistd.h>
#include <edflib.h>
#include <bandalign/brainvision.h>
#include <bandalign/context.h>
#include <bandalign/edf.h>
#include <bandalign/json.h>
#include <bandalign/tsv.h>
#include "check.h"

static char dir[] = "/tmp/test_import_parsers.XXXXXX";

/* dir/name, written with len bytes of text (len < 0: strlen). */
static const char *Write(const char *name, const void *text, long len)
{
  static char path[8][PETSC_MAX_PATH_LEN];
  static int next = 0;
  char *p         = path[next++ % 8];
  FILE *f;

  snprintf(p, PETSC_MAX_PATH_LEN, "%s/%s", dir, name);
  f = fopen(p, "wb");
  if (f) {
    fwrite(text, 1, len < 0 ? strlen(text) : (size_t)len, f);
    fclose(f);
  }
  return p;
}

static void TestTsv(void)
{
  const char *p = Write("t.tsv", "name\ttype \r\n\nA1 \tSEEG\r\n  \nB'2\tn/a\n", -1);
  Tsv t;
  PetscInt col = -1;

  CHECK(!TsvRead(PETSC_COMM_SELF, p, &t) && t.ncols == 2 && t.nrows == 2,
        "TSV: 2 columns, 2 rows, blank lines skipped");
  CHECK(!strcmp(TsvCell(&t, 0, 0), "A1") && !strcmp(TsvCell(&t, 0, 1), "SEEG") && !strcmp(TsvCell(&t, 1, 0), "B'2") &&
            !strcmp(TsvCell(&t, 1, 1), "n/a"),
        "TSV: cells trimmed of blanks and CR, n/a kept as text");
  CHECK(TsvColumn(&t, "type") == 1 && TsvColumn(&t, "x") == -1, "TSV: columns found by trimmed header name");
  CHECK(TsvRequire(PETSC_COMM_SELF, &t, "status", &col) == BA_ERR_INPUT, "TSV: a required column that is missing");
  TsvFree(&t);
  p = Write("ragged.tsv", "a\tb\n1\t2\n3\n", -1);
  CHECK(TsvRead(PETSC_COMM_SELF, p, &t) == BA_ERR_INPUT, "TSV: a row with fewer fields than the header");
  TsvFree(&t);
  p = Write("empty.tsv", "\n \n", -1);
  CHECK(TsvRead(PETSC_COMM_SELF, p, &t) == BA_ERR_INPUT, "TSV: a file without a header line");
  TsvFree(&t);
  CHECK(TsvRead(PETSC_COMM_SELF, "/nonexistent/x.tsv", &t) == BA_ERR_INPUT, "TSV: a missing file");
  TsvFree(&t);
  p = Write("bom.tsv", "\xef\xbb\xbfname\ttype\nA1\tSEEG\n", -1);
  CHECK(!TsvRead(PETSC_COMM_SELF, p, &t) && TsvColumn(&t, "name") == 0 && t.nrows == 1,
        "TSV: a UTF-8 byte-order mark (as mne-bids writes) is not part of the first column's name");
  TsvFree(&t);
}

static void TestJson(void)
{
  const char *text = "{\n  \"note\": \"iEEGCoordinateSystem\",\n  \"iEEGCoordinateSystem\" :\t\"MNI305\",\n"
                     "  \"n\": 3, \"q\": \"a\\\"b\"\n}";
  char v[16];

  CHECK(JsonString(text, "iEEGCoordinateSystem", v, sizeof(v)) && !strcmp(v, "MNI305"),
        "JSON: a key's string value, spaces and tab around the colon; the same text as a value is no key");
  CHECK(!JsonString(text, "n", v, sizeof(v)), "JSON: a number is not a string value");
  CHECK(!JsonString(text, "units", v, sizeof(v)), "JSON: an absent key");
  CHECK(JsonString(text, "q", v, sizeof(v)) && !strcmp(v, "a\"b"), "JSON: an escaped quote");
  CHECK(JsonString(text, "iEEGCoordinateSystem", v, 4) && !strcmp(v, "MNI"), "JSON: a value cut to the buffer");
  {
    const char *p = Write("bom.json", "\xef\xbb\xbf{\"iEEGCoordinateUnits\": \"m\"}", -1);
    char *t       = NULL;
    CHECK(!TextRead(PETSC_COMM_SELF, p, &t) && t[0] == '{' && JsonString(t, "iEEGCoordinateUnits", v, sizeof(v)) &&
              !strcmp(v, "m"),
          "JSON: a file read after its byte-order mark");
    PetscFree(t);
  }
}

static void TestUnits(void)
{
  CHECK(SignalUnitToMicrovolts("V") == 1e6 && SignalUnitToMicrovolts(" mV ") == 1e3 &&
            SignalUnitToMicrovolts("nV") == 1e-3 && SignalUnitToMicrovolts("uV") == 1 &&
            SignalUnitToMicrovolts("\xc2\xb5V") == 1 && SignalUnitToMicrovolts("K") == 1,
        "units: V, mV, nV scaled to microvolts; uV, \xc2\xb5V and unknown units left as they are");
}

/* A BrainVision header for 3 channels, the sampling interval and channel 2's resolution given. */
static const char *BvHeaderWith(const char *name, const char *data, const char *orient, const char *binfmt,
                                const char *interval, const char *res2)
{
  char text[1024];

  snprintf(text, sizeof(text),
           "\xef\xbb\xbf" /* a byte-order mark: the header is read after it */
           "Brain Vision Data Exchange Header File Version 1.0\n; comment\n[Common Infos]\nDataFile=%s\n"
           "MarkerFile=x.vmrk\nDataFormat=BINARY\nDataOrientation=%s\nNumberOfChannels=3\nSamplingInterval=%s\n"
           "[Binary Infos]\nBinaryFormat=%s\n[Channel Infos]\nCh2=B2,,%s,mV\nCh1=A\\11,,0.25,\xc2\xb5V\nCh3=C3,,,\n",
           data, orient, interval, binfmt, res2);
  return Write(name, text, -1);
}

/* A BrainVision header for 3 channels at 250 Hz. */
static const char *BvHeader(const char *name, const char *data, const char *orient, const char *binfmt)
{
  return BvHeaderWith(name, data, orient, binfmt, "4000", "0.5");
}

/* Resolutions and sampling intervals that are not finite positive numbers are refused. */
static void TestBrainVisionValues(void)
{
  const char *bad[] = {"nan", "inf", "-inf", "0", "-0.5", "abc", "0.5x"};
  SignalTable sig;
  BvLayout bv;
  int nres = 0, nint = 0;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    nres += BrainVisionHeaderRead(PETSC_COMM_SELF,
                                  BvHeaderWith("bad.vhdr", "mux.eeg", "MULTIPLEXED", "INT_16", "4000", bad[i]), &sig,
                                  &bv) == BA_ERR_INPUT;
    nint += BrainVisionHeaderRead(PETSC_COMM_SELF,
                                  BvHeaderWith("bad.vhdr", "mux.eeg", "MULTIPLEXED", "INT_16", bad[i], "0.5"), &sig,
                                  &bv) == BA_ERR_INPUT;
  }
  CHECK(nres == 7, "BrainVision: a channel resolution nan, inf, -inf, 0, negative or not a number is refused (%d of 7)",
        nres);
  CHECK(nint == 7, "BrainVision: a SamplingInterval nan, inf, -inf, 0, negative or not a number is refused (%d of 7)",
        nint);
}

static void TestBrainVision(void)
{
  const int16_t mux[4][3] = {{1, -2, 3}, {4, 5, -6}, {7, 8, 9}, {-10, 11, 12}};
  const float vec[3][4]   = {{0.5f, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}};
  const PetscInt idx[2]   = {2, 0};
  double a[4], b[4], *x[2] = {a, b};
  char err[256];
  SignalTable sig;
  BvLayout bv;
  const char *p;

  Write("mux.eeg", mux, sizeof(mux));
  p = BvHeader("mux.vhdr", "mux.eeg", "MULTIPLEXED", "INT_16");
  CHECK(!BrainVisionHeaderRead(PETSC_COMM_SELF, p, &sig, &bv) && sig.nsignals == 3 && !bv.vectorized &&
            bv.type == BV_INT16 && !strcmp(strrchr(bv.datafile, '/'), "/mux.eeg"),
        "BrainVision: 3 channels, multiplexed INT_16, data file next to the header");
  CHECK(!strcmp(sig.label[0], "A,1") && !strcmp(sig.label[1], "B2") && !strcmp(sig.label[2], "C3"),
        "BrainVision: names by channel number, \\1 read as a comma");
  CHECK(sig.fs[1] == 250 && sig.nsamples[2] == 4 && sig.scale[0] == 0.25 && sig.scale[1] == 500 && sig.scale[2] == 1,
        "BrainVision: 250 Hz, 4 samples from the file size, resolution times unit (mV 1000, default 1)");
  CHECK(!BrainVisionSignalsRead(&sig, &bv, 2, idx, x, err, sizeof(err)) && !err[0] && a[0] == 3 && a[3] == 12 &&
            b[0] == 0.25 && b[1] == 1 && b[3] == -2.5,
        "BrainVision: multiplexed samples of channels 3 and 1 in microvolts");
  SignalTableFree(&sig);

  Write("vec.eeg", vec, sizeof(vec));
  p = BvHeader("vec.vhdr", "vec.eeg", "VECTORIZED", "IEEE_FLOAT_32");
  CHECK(!BrainVisionHeaderRead(PETSC_COMM_SELF, p, &sig, &bv) && bv.vectorized && bv.type == BV_FLOAT32 &&
            sig.nsamples[0] == 4 && !BrainVisionSignalsRead(&sig, &bv, 2, idx, x, err, sizeof(err)) && !err[0] &&
            a[0] == 8 && a[3] == 11 && b[0] == 0.125 && b[3] == 0.75,
        "BrainVision: vectorized IEEE_FLOAT_32 samples of channels 3 and 1");
  SignalTableFree(&sig);

  Write("short.eeg", mux, sizeof(mux) - 1);
  p = BvHeader("short.vhdr", "short.eeg", "MULTIPLEXED", "INT_16");
  CHECK(BrainVisionHeaderRead(PETSC_COMM_SELF, p, &sig, &bv) == BA_ERR_INPUT,
        "BrainVision: a data file that is not a whole number of samples");
  p = BvHeader("int64.vhdr", "mux.eeg", "MULTIPLEXED", "INT_64");
  CHECK(BrainVisionHeaderRead(PETSC_COMM_SELF, p, &sig, &bv) == BA_ERR_INPUT,
        "BrainVision: an unsupported BinaryFormat");
  p = Write("notbv.vhdr", "[Common Infos]\nNumberOfChannels=1\n", -1);
  CHECK(BrainVisionHeaderRead(PETSC_COMM_SELF, p, &sig, &bv) == BA_ERR_INPUT, "BrainVision: not a BrainVision header");
}

static void TestEdf(void)
{
  char path[PETSC_MAX_PATH_LEN], err[PETSC_MAX_PATH_LEN + 64];
  const PetscInt idx[2] = {1, 0};
  double rec[64], a[128], b[128], *x[2] = {a, b}, ea = 0, eb = 0;
  SignalTable sig;
  int h;

  snprintf(path, sizeof(path), "%s/r.edf", dir);
  h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS, 2);
  for (int s = 0; s < 2; s++) {
    edf_set_samplefrequency(h, s, 64);
    edf_set_physical_maximum(h, s, 100);
    edf_set_physical_minimum(h, s, -100);
    edf_set_digital_maximum(h, s, 32767);
    edf_set_digital_minimum(h, s, -32768);
    edf_set_label(h, s, s ? "B'2" : "A1");
    edf_set_physical_dimension(h, s, s ? "uV" : "mV");
  }
  for (int r = 0; r < 2; r++)
    for (int s = 0; s < 2; s++) {
      for (int k = 0; k < 64; k++)
        rec[k] = 90 * sin(0.1 * (r * 64 + k) + s);
      edfwrite_physical_samples(h, rec);
    }
  edfclose_file(h);

  CHECK(!EdfHeaderRead(PETSC_COMM_SELF, path, &sig) && sig.nsignals == 2 && !strcmp(sig.label[0], "A1") &&
            !strcmp(sig.label[1], "B'2") && sig.fs[0] == 64 && sig.nsamples[1] == 128 && sig.scale[0] == 1e3 &&
            sig.scale[1] == 1,
        "EDF: 2 signals, trimmed labels, 64 Hz, 128 samples, mV scaled by 1000 and uV by 1");
  CHECK(!EdfSignalsRead(path, &sig, 2, idx, x, err, sizeof(err)) && !err[0], "EDF: signals 2 and 1 read");
  for (int k = 0; k < 128; k++) {
    ea = fmax(ea, fabs(a[k] - 90 * sin(0.1 * k + 1)));
    eb = fmax(eb, fabs(b[k] - 1e3 * 90 * sin(0.1 * k)));
  }
  CHECK(ea < 200.0 / 65535 && eb < 1e3 * 200.0 / 65535,
        "EDF: samples within one digital step of what was written (%.2g uV, %.2g uV)", ea, eb);
  SignalTableFree(&sig);

  snprintf(path, sizeof(path), "%s/bad.edf", dir);
  Write("bad.edf", "0       garbage", -1);
  CHECK(EdfHeaderRead(PETSC_COMM_SELF, path, &sig) == BA_ERR_INPUT, "EDF: a corrupt header");
  EdfSignalsRead("/nonexistent/x.edf", &sig, 0, idx, x, err, sizeof(err));
  CHECK(strstr(err, "/nonexistent/x.edf: ") == err,
        "EDF: a file that cannot be opened gives a message, not an error: %s", err);
}

int main(int argc, char **argv)
{
  const char *names[] = {"t.tsv",    "ragged.tsv", "empty.tsv",  "mux.eeg",    "mux.vhdr",   "vec.eeg",
                         "vec.vhdr", "short.eeg",  "short.vhdr", "int64.vhdr", "notbv.vhdr", "r.edf",
                         "bad.edf",  "bom.tsv",    "bom.json",   "bad.vhdr"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (!mkdtemp(dir)) return 1;
  CheckPlan(30);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  TestTsv();
  TestJson();
  TestUnits();
  TestBrainVision();
  TestBrainVisionValues();
  TestEdf();
  PetscCall(PetscPopErrorHandler());
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    char p[PETSC_MAX_PATH_LEN];
    snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
  PetscCall(PetscFinalize());
  return CheckDone();
}
