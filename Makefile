# bandalign: build, install, demo and tests.
#   make            build bin/bandalign (and the test programs)
#   make demo       install missing dependencies, build, run the demo preset on 2 ranks
#   make check      run the test suite (ends with "N passed, N failed")
#   make check-sanitize  the bad-input, importer and tiny-pipeline tests on a build with
#                   AddressSanitizer and UBSan (build-san/, bin-san/)
#   make install PREFIX=/usr/local [DESTDIR=/staging]
#
# Where the dependencies are (docs/install.md). Each of these, when set (on the command
# line or in the environment, as `module load` does), wins over pkg-config:
#   MPICC                 the MPI compiler wrapper [mpicc]
#   PETSC_DIR, PETSC_ARCH PETSc's own variables: flags from
#                         $(PETSC_DIR)/$(PETSC_ARCH)/lib/petsc/conf/petscvariables
#                         (PETSC_CC_INCLUDES, PETSC_WITH_EXTERNAL_LIB); PETSC_ARCH is
#                         empty for a prefix install
#   HDF5_DIR              parallel HDF5: $(HDF5_DIR)/include, $(HDF5_DIR)/lib
#   FFTW_DIR              FFTW with MPI: $(FFTW_DIR)/include, $(FFTW_DIR)/lib
#   CPPFLAGS, LDFLAGS     more -I and -L for the other libraries (OpenBLAS, NIfTI, matio,
#                         EDFlib, Random123) outside the compiler's default paths
# Unset ones come from pkg-config ($(PKG_CONFIG); PKG_CONFIG=false turns it off).
# CFLAGS (optimisation, -march, -g) may be replaced: `make CFLAGS=-O2`; the flags the
# build needs (C11, no FP contraction, warnings, includes) are added to it regardless.

PREFIX     ?= /usr/local
DESTDIR    ?=
NP         ?= 2
PKG_CONFIG ?= pkg-config
MPICC      ?= mpicc
# where objects and test programs go, and the program (make check-sanitize sets them to
# build-san and bin-san for its own build)
BUILD      ?= build
BINDIR     ?= bin
CC         := $(MPICC)
NIFTI_INCLUDE ?= /usr/include/nifti

pc = $(shell $(PKG_CONFIG) $(1) 2>/dev/null)
ifneq ($(PETSC_DIR),)
  PETSC_PREFIX := $(if $(PETSC_ARCH),$(PETSC_DIR)/$(PETSC_ARCH),$(PETSC_DIR))
  PETSC_VARS := $(PETSC_PREFIX)/lib/petsc/conf/petscvariables
  ifeq ($(wildcard $(PETSC_VARS)),)
    $(error PETSC_DIR=$(PETSC_DIR) PETSC_ARCH=$(PETSC_ARCH): no $(PETSC_VARS))
  endif
  petscvar = $(shell sed -n 's/^$(1) *= *//p' $(PETSC_VARS))
  PETSC_CFLAGS := $(call petscvar,PETSC_CC_INCLUDES)
  PETSC_LIBS   := -Wl,-rpath,$(PETSC_PREFIX)/lib $(call petscvar,PETSC_WITH_EXTERNAL_LIB)
else
  PETSC_CFLAGS := $(call pc,--cflags petsc)
  PETSC_LIBS   := $(call pc,--libs petsc)
endif
ifneq ($(HDF5_DIR),)
  HDF5_CFLAGS := -I$(HDF5_DIR)/include
  HDF5_LIBS   := -L$(HDF5_DIR)/lib -Wl,-rpath,$(HDF5_DIR)/lib -lhdf5
else
  HDF5_CFLAGS := $(call pc,--cflags hdf5-openmpi)
  HDF5_LIBS   := $(call pc,--libs hdf5-openmpi)
endif
ifneq ($(FFTW_DIR),)
  FFTW_CFLAGS := -I$(FFTW_DIR)/include
  FFTW_LIBS   := -L$(FFTW_DIR)/lib -Wl,-rpath,$(FFTW_DIR)/lib -lfftw3_mpi -lfftw3
else
  FFTW_CFLAGS := $(call pc,--cflags fftw3)
  FFTW_LIBS   := $(call pc,--libs-only-L fftw3) -lfftw3_mpi -lfftw3
endif

VERSION  := $(shell cat VERSION)
CFLAGS   ?= -O3 -march=x86-64-v2 -g
override CFLAGS += -std=c11 -ffp-contract=off -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -I$(NIFTI_INCLUDE) \
            $(PETSC_CFLAGS) $(HDF5_CFLAGS) $(FFTW_CFLAGS) $(CPPFLAGS) -DBA_VERSION='"$(VERSION)"'
LDLIBS   := $(LDFLAGS) $(PETSC_LIBS) $(HDF5_LIBS) $(FFTW_LIBS) \
            -lniftiio -lznz -lz -lopenblas -ledf -lmatio -lm

# src/<room>/*.c: core, kernels, formats, stages, sim, import, report (docs/architecture.md)
SRC      := $(wildcard src/*/*.c)
OBJ      := $(SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/report/templates.o
# the report's HTML, CSS and gnuplot templates, embedded in the program (scripts/embed-templates)
TEMPLATES := $(sort $(wildcard src/report/templates/*.html src/report/templates/*.css src/report/templates/*.gp))
# and the study's published figures (ReportTemplate_published_figures_tsv), shown beside a
# -protocol kuzovkin2018 run: embedded, never read at run time
TEMPLATES += data/kuzovkin2018/published-figures.tsv
TESTSRC  := $(wildcard tests/test_*.c)
TESTBIN  := $(TESTSRC:tests/%.c=$(BUILD)/tests/%)
DRIVERS  := $(patsubst tests/drivers/%.c,$(BUILD)/drivers/%,$(wildcard tests/drivers/*.c))
BENCH    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
MPIRUN   := mpirun --allow-run-as-root --oversubscribe -q

all: $(BINDIR)/bandalign $(TESTBIN) $(DRIVERS) $(BENCH)

# -MMD -MP: each object's header dependencies (public and private) in $(BUILD)/**/*.d
$(BUILD)/%.o: src/%.c VERSION
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(OBJ:.o=.d) $(BUILD)/main.d

# $(BUILD)/report/templates.c holds each template as const char ReportTemplate_<name>[];
# templates.h declares them, for report.c alone
$(BUILD)/report/templates.c $(BUILD)/report/templates.h &: $(TEMPLATES) $(BUILD)/report/templates.list scripts/embed-templates
	@mkdir -p $(@D)
	@echo "  GEN     $(BUILD)/report/templates.c"
	@scripts/embed-templates ReportTemplate_ $(BUILD)/report/templates.c $(BUILD)/report/templates.h $(TEMPLATES)

# the list of templates, rewritten only when a template is added or removed
$(BUILD)/report/templates.list: FORCE
	@mkdir -p $(@D)
	@echo '$(TEMPLATES)' | cmp -s - $@ || echo '$(TEMPLATES)' >$@

$(BUILD)/report/templates.o: $(BUILD)/report/templates.c $(BUILD)/report/templates.h
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/report/report.o: $(BUILD)/report/templates.h
$(BUILD)/report/report.o: CFLAGS += -I$(BUILD)/report

$(BUILD)/libbandalign.a: $(OBJ)
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BINDIR)/bandalign: $(BUILD)/main.o $(BUILD)/libbandalign.a | $(BINDIR)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c tests/check.h $(BUILD)/libbandalign.a | $(BUILD)/tests
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -Itests $< $(BUILD)/libbandalign.a $(LDLIBS) -o $@

# helper programs of the scripted tests and the benchmarks, linked like the tests
$(BUILD)/drivers/%: tests/drivers/%.c $(BUILD)/libbandalign.a | $(BUILD)/drivers
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $< $(BUILD)/libbandalign.a $(LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(BUILD)/libbandalign.a | $(BUILD)/bench
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $< $(BUILD)/libbandalign.a $(LDLIBS) -o $@

$(BUILD)/tests $(BUILD)/drivers $(BUILD)/bench $(BINDIR):
	mkdir -p $@

deps:
	scripts/install-deps

demo: deps
	$(MAKE) all
	$(MPIRUN) -np $(NP) bin/bandalign run -preset demo -out demo-out

check: all lint
	tests/run

check-slurm: all
	tests/slurm/check-slurm

# The program and the C tests built again with AddressSanitizer and UBSan into build-san/
# and bin-san/ (the normal build is untouched), then the tests of bad, corrupt and truncated
# input, the importers' tests and the tiny pipeline run on them (tests/sanitize/README.md).
# The leaks of Open MPI, PETSc and HDF5 are suppressed in tests/sanitize/lsan.supp.
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_TESTS  := t_badinput t_corrupt t_import_bids t_import_kuzovkin test_import_parsers t_pipeline
# fast_unwind_on_malloc=0: whole stacks through the libraries built without frame pointers,
# so that the suppressions can name them; Open MPI keeps its components loaded so that
# their frames have names
SAN_ENV    := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:detect_stack_use_after_return=0 \
              LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp:print_suppressions=0 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$(CURDIR)/tests/sanitize/ubsan.supp \
              OMPI_MCA_mca_base_component_disable_dlclose=1
sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san BINDIR=bin-san CFLAGS="$(SAN_CFLAGS)" \
	  bin-san/bandalign $(patsubst %,build-san/tests/%,$(filter test_%,$(SAN_TESTS)))

check-sanitize: all sanitize
	$(SAN_ENV) tests/run --bin bin-san/bandalign --build build-san $(SAN_TESTS)

# The executable, the Slurm scripts (bandalign-submit runs slurm/submit), the presets and
# the documentation, under $(DESTDIR)$(PREFIX); DESTDIR is for staging (packages).
SHARE := $(DESTDIR)$(PREFIX)/share/bandalign
install: bin/bandalign
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/configs $(SHARE)/slurm $(DESTDIR)$(PREFIX)/share/doc/bandalign
	install -m 755 bin/bandalign $(DESTDIR)$(PREFIX)/bin/bandalign
	install -m 755 slurm/submit slurm/features.sbatch slurm/rsa.sbatch $(SHARE)/slurm/
	ln -sf ../share/bandalign/slurm/submit $(DESTDIR)$(PREFIX)/bin/bandalign-submit
	install -m 644 configs/*.yaml $(SHARE)/configs/
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/bandalign/

# Kernels are pure computation on arrays (docs/architecture.md): a kernel may not include,
# even through another header, HDF5, FFTW's MPI library or bandalign's I/O and communication
# modules, nor call MPI or HDF5. (mpi.h itself comes in with petscsys.h for PetscErrorCode.)
LINT_HEADERS := hdf5\.h|fftw3-mpi\.h|petscvec\.h|petscmat\.h|bandalign/(h5io|comm|context|dataset|network|features|results|truth|checkpoint|import|folder)\.h
LINT_CALLS   := \b(MPI_[A-Z][a-z_]+|PetscCallMPI|H5[A-Z][a-z_]+)[[:space:]]*\(|MPI_COMM_WORLD|PETSC_COMM_WORLD
lint:
	@fail=0; for f in src/kernels/*.c; do \
	  inc=$$($(CC) $(CFLAGS) -MM $$f | tr ' \\' '\n\n' | grep -E '$(LINT_HEADERS)' || true); \
	  calls=$$(grep -nE '$(LINT_CALLS)' $$f || true); \
	  if [ -n "$$inc$$calls" ]; then fail=1; echo "lint: $$f is a kernel but uses MPI or HDF5:"; \
	    [ -z "$$inc" ] || echo "$$inc" | sed 's/^/    includes /'; [ -z "$$calls" ] || echo "$$calls" | sed 's/^/    line /'; fi; \
	done; [ $$fail = 0 ] && echo "lint: $(words $(wildcard src/kernels/*.c)) kernels free of MPI and HDF5"

format:
	clang-format -i src/*.c src/*/*.c include/bandalign/*.h tests/*.c tests/*.h

clean:
	rm -rf build bin build-san bin-san

.PHONY: all deps demo check check-slurm sanitize check-sanitize install lint format clean FORCE
.SECONDARY:
