# bandalign: build, install, demo and tests.
#   make            build bin/bandalign (and the test programs)
#   make demo       install missing dependencies, build, run the demo preset on 2 ranks
#   make check      run the test suite (ends with "N passed, N failed")
#   make install PREFIX=/usr/local

PREFIX   ?= /usr/local
NP       ?= 2
PKGS     := petsc ompi-c fftw3 hdf5-openmpi
CC       := mpicc
CFLAGS   ?= -O3 -march=x86-64-v2 -g
CFLAGS   += -std=c11 -ffp-contract=off -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -I/usr/include/nifti \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfftw3_mpi -lfftw3 \
            -lniftiio -lznz -lz -lopenblas -ledf -lmatio -lm
VERSION  := $(shell cat VERSION)
CFLAGS   += -DBA_VERSION='"$(VERSION)"'

SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
OBJ      := $(SRC:src/%.c=build/%.o)
TESTSRC  := $(wildcard tests/test_*.c)
TESTBIN  := $(TESTSRC:tests/%.c=build/tests/%)
DRIVERS  := $(patsubst tests/drivers/%.c,build/drivers/%,$(wildcard tests/drivers/*.c))
BENCH    := $(patsubst bench/%.c,build/bench/%,$(wildcard bench/*.c))
MPIRUN   := mpirun --allow-run-as-root --oversubscribe -q

all: bin/bandalign $(TESTBIN) $(DRIVERS) $(BENCH)

build/%.o: src/%.c $(wildcard include/bandalign/*.h) VERSION | build
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

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

build build/tests build/drivers build/bench bin:
	mkdir -p $@

deps:
	scripts/install-deps

demo: deps
	$(MAKE) all
	$(MPIRUN) -np $(NP) bin/bandalign run -preset demo -out demo-out

check: all
	tests/run

check-slurm: all
	tests/slurm/check-slurm

install: bin/bandalign
	install -d $(PREFIX)/bin $(PREFIX)/share/bandalign/configs
	install -m 755 bin/bandalign $(PREFIX)/bin/bandalign
	install -m 644 configs/*.yaml $(PREFIX)/share/bandalign/configs/

format:
	clang-format -i src/*.c include/bandalign/*.h tests/*.c tests/*.h

clean:
	rm -rf build bin

.PHONY: all deps demo check check-slurm install format clean
.SECONDARY:
