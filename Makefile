# bandalign: build, install, demo and tests.
#   make            build bin/bandalign (and the test programs)
#   make demo       install missing dependencies, build, run the demo preset on 2 ranks
#   make check      run the test suite (ends with "N passed, N failed")
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
OBJ      := $(SRC:src/%.c=build/%.o) build/report/templates.o
# the report's HTML, CSS and gnuplot templates, embedded in the program (scripts/embed-templates)
TEMPLATES := $(sort $(wildcard src/report/templates/*.html src/report/templates/*.css src/report/templates/*.gp))
# and the study's published figures (ReportTemplate_published_figures_tsv), shown beside a
# -protocol kuzovkin2018 run: embedded, never read at run time
TEMPLATES += data/kuzovkin2018/published-figures.tsv
TESTSRC  := $(wildcard tests/test_*.c)
TESTBIN  := $(TESTSRC:tests/%.c=build/tests/%)
DRIVERS  := $(patsubst tests/drivers/%.c,build/drivers/%,$(wildcard tests/drivers/*.c))
BENCH    := $(patsubst bench/%.c,build/bench/%,$(wildcard bench/*.c))
MPIRUN   := mpirun --allow-run-as-root --oversubscribe -q

all: bin/bandalign $(TESTBIN) $(DRIVERS) $(BENCH)

# -MMD -MP: each object's header dependencies (public and private) in build/**/*.d
build/%.o: src/%.c VERSION
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(OBJ:.o=.d) build/main.d

# build/report/templates.c holds each template as const char ReportTemplate_<name>[];
# templates.h declares them, for report.c alone
build/report/templates.c build/report/templates.h &: $(TEMPLATES) build/report/templates.list scripts/embed-templates
	@mkdir -p $(@D)
	@echo "  GEN     build/report/templates.c"
	@scripts/embed-templates ReportTemplate_ build/report/templates.c build/report/templates.h $(TEMPLATES)

# the list of templates, rewritten only when a template is added or removed
build/report/templates.list: FORCE
	@mkdir -p $(@D)
	@echo '$(TEMPLATES)' | cmp -s - $@ || echo '$(TEMPLATES)' >$@

build/report/templates.o: build/report/templates.c build/report/templates.h
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

build/report/report.o: build/report/templates.h
build/report/report.o: CFLAGS += -Ibuild/report

build/libbandalign.a: $(OBJ)
	@echo "  AR      $@"
	@ar rcs $@ $^

bin/bandalign: build/main.o build/libbandalign.a | bin
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

build/tests/%: tests/%.c tests/check.h build/libbandalign.a | build/tests
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -Itests $< build/libbandalign.a $(LDLIBS) -o $@

# helper programs of the scripted tests and the benchmarks, linked like the tests
build/drivers/%: tests/drivers/%.c build/libbandalign.a | build/drivers
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $< build/libbandalign.a $(LDLIBS) -o $@

build/bench/%: bench/%.c build/libbandalign.a | build/bench
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $< build/libbandalign.a $(LDLIBS) -o $@

build/tests build/drivers build/bench bin:
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
	rm -rf build bin

.PHONY: all deps demo check check-slurm install lint format clean FORCE
.SECONDARY:
