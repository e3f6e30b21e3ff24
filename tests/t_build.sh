#!/usr/bin/env bash
# t_build.sh: the build without pkg-config, from the variables a cluster's modules set
# (PETSC_DIR/PETSC_ARCH, HDF5_DIR, FFTW_DIR, MPICC; docs/install.md), pointed at Debian's
# installs; `make CFLAGS=...` keeping the flags the build needs; `make install` with
# PREFIX and DESTDIR. Builds a copy of the tree at -O0 in a folder of its own.
source "$(dirname "$0")/lib.sh"
cd "${BA_ROOT:-$(dirname "$0")/..}"
TMP=$BA_TMP/build
rm -rf "$TMP" && mkdir -p "$TMP"
plan 8

# Debian's PETSc is a prefix install (PETSC_ARCH empty); its parallel HDF5 has include/
# and lib/ under one folder; FFTW is under /usr (the libraries in the multiarch folder,
# which the linker searches anyway)
petsc_dir=$(ls -d /usr/lib/petscdir/petsc3.*/x86_64-linux-gnu-real 2>/dev/null | sort -V | tail -n 1)
vars=(PKG_CONFIG=false PETSC_DIR="$petsc_dir" PETSC_ARCH= HDF5_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi
  FFTW_DIR=/usr MPICC=mpicc)
echo "# ${vars[*]}"

tree=$TMP/tree
mkdir -p "$tree"
cp -r Makefile VERSION include src slurm configs docs data scripts README.md "$tree"/
rc=0
t0=$(date +%s)
# no pkg-config at all: a PKG_CONFIG that is called would fail, and PATH has none either
env -u PETSC_DIR -u PETSC_ARCH make -C "$tree" -j2 "${vars[@]}" CFLAGS="-O0 -g0" bin/bandalign >"$TMP/make.log" 2>&1 || rc=$?
check "make ${vars[*]} CFLAGS='-O0 -g0' bin/bandalign builds ($(($(date +%s) - t0))s)" \
  '[ $rc = 0 ] || { tail -n 20 "$TMP/make.log"; false; }'

line=$(make -C "$tree" -n -B "${vars[@]}" CFLAGS="-O0 -g0" build/core/log.o | grep -- ' -c src/core/log.c')
check "the compile line has PETSc's and HDF5's include folders from the variables" \
  '[[ $line == *"-I$petsc_dir/include"* && $line == *"-I/usr/lib/x86_64-linux-gnu/hdf5/openmpi/include"* ]]'
check "CFLAGS=-O0 replaces -O3 but keeps -std=c11 -ffp-contract=off -Werror" \
  '[[ $line == *"-O0 -g0 -std=c11 -ffp-contract=off"* && $line == *-Werror* && $line != *-O3* ]]'
libs=$(ldd "$tree/bin/bandalign" 2>&1 || true)
# (HDF5_DIR/lib/libhdf5.so is Debian's link to libhdf5_openmpi.so)
check "the binary links PETSc from PETSC_DIR (rpath) and the parallel HDF5" \
  'grep -q "libpetsc_real.so.* => $petsc_dir/lib/" <<<"$libs" && grep -q "libhdf5_openmpi.so" <<<"$libs"'
rc=0
help=$("$tree/bin/bandalign" rsa -help 2>&1) || rc=$?
check "the binary runs: bandalign rsa -help lists -permutations" '[ $rc = 0 ] && grep -q -- -permutations <<<"$help"'

rc=0
make -C "$tree" PKG_CONFIG=false PETSC_DIR="$TMP/nopetsc" bin/bandalign >"$TMP/nopetsc.log" 2>&1 || rc=$?
check "a PETSC_DIR without petscvariables stops make with a message naming it" \
  '[ $rc -ne 0 ] && grep -q "nopetsc.*petscvariables" "$TMP/nopetsc.log"'

# install into a staging folder: DESTDIR + PREFIX, nothing outside
stage=$TMP/stage
rc=0
make -C "$tree" "${vars[@]}" CFLAGS="-O0 -g0" install DESTDIR="$stage" PREFIX=/opt/bandalign >"$TMP/install.log" 2>&1 || rc=$?
p=$stage/opt/bandalign
check "make install DESTDIR=... PREFIX=/opt/bandalign: binary, bandalign-submit, slurm scripts, configs, docs" \
  '[ $rc = 0 ] && [ -x $p/bin/bandalign ] && [ -L $p/bin/bandalign-submit ] && [ -x $p/share/bandalign/slurm/rsa.sbatch ] &&
   [ -x $p/share/bandalign/slurm/features.sbatch ] && [ -f $p/share/bandalign/configs/paper.yaml ] &&
   [ -f $p/share/doc/bandalign/slurm.md ] && [ -f $p/share/doc/bandalign/README.md ] &&
   [ "$(find "$stage" -mindepth 1 -maxdepth 1)" = "$stage/opt" ]'

# the installed bandalign-submit finds its job scripts and the installed binary
"$p/bin/bandalign" simulate -preset tiny -out "$TMP/sim" -quiet >"$TMP/sim.log" 2>&1
printf 'permutations: 100\n' >"$TMP/o.yaml"
rc=0
"$p/bin/bandalign-submit" --dry-run --out "$TMP/dry" "$TMP/o.yaml" "$TMP/sim/dataset.h5" >"$TMP/dry.log" 2>&1 || rc=$?
check "the installed bandalign-submit --dry-run uses the installed binary and job scripts" \
  '[ $rc = 0 ] && grep -q "BA_BIN=$p/bin/bandalign\$" "$TMP/dry.log" && grep -q "$p/share/bandalign/slurm/rsa.sbatch" "$TMP/dry.log" || { cat "$TMP/dry.log"; false; }'
