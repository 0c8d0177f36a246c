#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds the consumer project
# (tests/install/consumer) against it twice: through find_package(hogmf) and
# through pkg-config, both a C++ program and a C99 one (c_consumer.c, through the C
# API: the C link needs hogmf.pc to name the C++ run-time). All must run. Also checks
# that only include/hogmf's headers are installed, that the installed CLI runs, and
# that the installed Python package (when the build has one) imports and trains.
#
#   install_test.sh BUILD_DIR SOURCE_DIR CMAKE CXX_COMPILER [COMPILER_LAUNCHER [C_COMPILER]]
set -euo pipefail

build_dir=$1 source_dir=$2 cmake=$3 cxx=$4 launcher=${5:-} cc=${6:-cc}
work=$(mktemp -d "${TMPDIR:-/tmp}/hogmf-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

echo "== cmake --install $build_dir --prefix $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >/dev/null

echo "== installed headers are include/hogmf's"
installed=$(cd "$prefix/include" && find . -type f | sed 's#^\./##' | sort)
expected=$(cd "$source_dir/include" && find hogmf -type f -name '*.h' | sort)
if [ "$installed" != "$expected" ]; then
  echo "installed headers differ from include/hogmf:" >&2
  diff <(echo "$expected") <(echo "$installed") >&2 || true
  exit 1
fi

echo "== $prefix/bin/hogmf help"
"$prefix/bin/hogmf" help >/dev/null

module=$(find "$prefix" -name '_hogmf*.so' | head -n 1)
if [ -n "$module" ]; then
  echo "== the installed Python package: ${module#"$prefix"/}"
  (cd "$work" && PYTHONPATH=$(dirname "$(dirname "$module")") /usr/bin/python3 -c \
    'import hogmf; m = hogmf.MF(k=2, epochs=2, l2=0.1).fit([1, 2, 3], [1, 2, 1], [1.0, 2.0, 3.0]); assert m.predict([1], [1]).shape == (1,)')
fi

echo "== find_package(hogmf CONFIG) consumer"
cmake_args=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc"
            -DCMAKE_BUILD_TYPE=Release)
if [ -n "$launcher" ]; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_C_COMPILER_LAUNCHER="$launcher")
fi
"$cmake" -S "$source_dir/tests/install/consumer" -B "$work/consumer-build" "${cmake_args[@]}" >/dev/null
"$cmake" --build "$work/consumer-build" >/dev/null
mkdir "$work/run-cmake"
"$work/consumer-build/consumer" "$work/run-cmake"
"$work/consumer-build/c_consumer" "$work/run-cmake"

echo "== pkg-config consumer"
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name hogmf.pc)")
flags=$(pkg-config --cflags --libs hogmf)
echo "pkg-config --cflags --libs hogmf: $flags"
# shellcheck disable=SC2086  # the flags are words
$launcher "$cxx" -std=c++20 -O1 "$source_dir/tests/install/consumer/main.cc" $flags \
  -o "$work/consumer-pc"
mkdir "$work/run-pc"
"$work/consumer-pc" "$work/run-pc"

echo "== pkg-config C consumer"
# shellcheck disable=SC2086
$launcher "$cc" -std=c99 -pedantic -Wall -Werror -O1 "$source_dir/tests/install/consumer/c_consumer.c" \
  $flags -o "$work/c-consumer-pc"
"$work/c-consumer-pc" "$work/run-pc"
echo "install test passed"
