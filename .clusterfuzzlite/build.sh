#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: the environment supplies CC, CXX, CFLAGS, CXXFLAGS
# (sanitizers and coverage) and $LIB_FUZZING_ENGINE; we build only the grammar layer and
# the fuzz targets, then copy each *_fuzzer with its seed corpus, dictionary and options.
# Also usable locally: SRC=.. OUT=/tmp/out LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   CC=clang-14 CXX=clang++-14 CXXFLAGS='-fsanitize=address,fuzzer-no-link' .clusterfuzzlite/build.sh
src=${SRC:-$(pwd)/..}/mtaspec
[ -d "$src" ] || src=$(cd "$(dirname "$0")/.." && pwd)
build=${WORK:-/tmp}/mtaspec-fuzz-build
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMTA_FUZZ=ON -DMTA_FUZZ_INSTRUMENT=OFF -DMTA_FUZZ_LDFLAGS="$LIB_FUZZING_ENGINE" \
  -DMTA_BUILD_TESTS=OFF -DMTA_BUILD_BENCH=OFF -DMTA_BUILD_PROGRAMS=OFF
cmake --build "$build"
for f in "$build"/bin/*_fuzzer; do
  name=$(basename "$f")
  cp "$f" "$OUT/"
  if [ -d "$src/corpora/fuzz/$name" ]; then
    (cd "$src/corpora/fuzz/$name" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  if [ -f "$src/fuzz/$name.dict" ]; then
    cp "$src/fuzz/$name.dict" "$OUT/"
    printf '[libfuzzer]\ndict = %s.dict\n' "$name" > "$OUT/$name.options"
  fi
done
