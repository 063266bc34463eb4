#!/usr/bin/env bash
# Builds the release library and installs it like a C library:
#
#   scripts/install.sh [--prefix DIR] [--libdir DIR] [--includedir DIR]
#                      [--destdir DIR] [--no-ldconfig]
#
# PREFIX, LIBDIR, INCLUDEDIR and DESTDIR may also be given as environment
# variables (options win). Defaults: PREFIX=/usr/local, LIBDIR=$PREFIX/lib,
# INCLUDEDIR=$PREFIX/include, DESTDIR empty. Everything is written under
# $DESTDIR; the paths recorded inside the files (pkg-config, CMake) leave
# DESTDIR out, as a packager needs. Installed:
#
#   $LIBDIR/librocketmq.so.X.Y.Z         the shared library, SONAME librocketmq.so.X
#   $LIBDIR/librocketmq.so.X             -> librocketmq.so.X.Y.Z (what programs load)
#   $LIBDIR/librocketmq.so               -> librocketmq.so.X (for -lrocketmq, and for
#                                           programs linked against the legacy,
#                                           unversioned librocketmq.so)
#   $LIBDIR/librocketmq.a                the static archive
#   $INCLUDEDIR/rocketmq.h               the rmq_* API
#   $INCLUDEDIR/rocketmq/C*.h            the legacy rocketmq-client-cpp C API
#   $LIBDIR/pkgconfig/rocketmq.pc        pkg-config: shared (Libs.private for --static)
#   $LIBDIR/pkgconfig/rocketmq-static.pc pkg-config: the archive (use with --static)
#   $LIBDIR/cmake/RocketMQ/RocketMQConfig.cmake and RocketMQConfigVersion.cmake:
#                                        find_package(RocketMQ), targets RocketMQ::rocketmq
#                                        and RocketMQ::rocketmq-static
#
# The build runs in its own target directory, <target>/install (<target> is
# $CARGO_TARGET_DIR or ./target), with `--print native-static-libs`, whose
# answer becomes the system libraries of a static link. A separate directory
# keeps that build from invalidating a plain `cargo build --release`.
# When DESTDIR is empty, the caller is root and LIBDIR is a directory the
# dynamic loader's cache covers (e.g. /usr/local/lib on Debian), ldconfig
# runs at the end, unless --no-ldconfig.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

prefix="${PREFIX:-/usr/local}"
libdir="${LIBDIR:-}"
includedir="${INCLUDEDIR:-}"
destdir="${DESTDIR:-}"
ldconfig=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --libdir) libdir="${2:?--libdir needs a directory}"; shift 2 ;;
    --libdir=*) libdir="${1#*=}"; shift ;;
    --includedir) includedir="${2:?--includedir needs a directory}"; shift 2 ;;
    --includedir=*) includedir="${1#*=}"; shift ;;
    --destdir) destdir="${2:?--destdir needs a directory}"; shift 2 ;;
    --destdir=*) destdir="${1#*=}"; shift ;;
    --no-ldconfig) ldconfig=no; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument $1" >&2; usage ;;
  esac
done
case "$prefix" in
  /*) ;;
  *) echo "install.sh: PREFIX must be an absolute path: $prefix" >&2; exit 2 ;;
esac
prefix="${prefix%/}"
libdir="${libdir:-$prefix/lib}"
includedir="${includedir:-$prefix/include}"
for d in "$libdir" "$includedir"; do
  case "$d" in
    /*) ;;
    *) echo "install.sh: LIBDIR and INCLUDEDIR must be absolute paths: $d" >&2; exit 2 ;;
  esac
done

# OpenSSL's headers (the TLS stack is the system's libssl.so.3): installed
# with apt-get when missing and run as root, otherwise a clear failure.
scripts/build-deps.sh

cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/install"

# The version, X.Y.Z, from Cargo ("path+file:///...#rocketmq@X.Y.Z").
pkgid=$("$cargo" pkgid --offline 2>/dev/null || "$cargo" pkgid)
version="${pkgid##*[#@]}"
major="${version%%.*}"
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "install.sh: cannot read the version from '$pkgid'" >&2; exit 1 ;;
esac

# One build gives the shared library, the archive and the system libraries
# the archive needs. Cargo replays the note when nothing was rebuilt.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "$cargo" rustc --release --lib --target-dir "$target_dir" \
    -- --print native-static-libs >"$log" 2>&1; then
  cat "$log" >&2
  echo "install.sh: the build failed" >&2
  exit 1
fi
native_static_libs=$(sed -n 's/.*note: native-static-libs: //p' "$log" | tail -n 1)
if [ -z "$native_static_libs" ]; then
  cat "$log" >&2
  echo "install.sh: rustc printed no native-static-libs" >&2
  exit 1
fi
built="$target_dir/release"

soname="librocketmq.so.$major"
if command -v readelf >/dev/null 2>&1; then
  actual=$(readelf -d "$built/librocketmq.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  if [ "$actual" != "$soname" ]; then
    echo "install.sh: the built library's SONAME is '$actual', expected $soname" >&2
    exit 1
  fi
fi

dest_lib="$destdir$libdir"
dest_inc="$destdir$includedir"
install -d "$dest_lib" "$dest_lib/pkgconfig" "$dest_lib/cmake/RocketMQ" "$dest_inc/rocketmq"
install -m 0755 "$built/librocketmq.so" "$dest_lib/librocketmq.so.$version"
ln -sfn "librocketmq.so.$version" "$dest_lib/$soname"
ln -sfn "$soname" "$dest_lib/librocketmq.so"
install -m 0644 "$built/librocketmq.a" "$dest_lib/librocketmq.a"
install -m 0644 include/rocketmq.h "$dest_inc/rocketmq.h"
install -m 0644 include/rocketmq/C*.h "$dest_inc/rocketmq/"

# pkg-config. The legacy headers include each other by bare name, so their
# directory is on the include path too.
description=$(sed -n 's/^description = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
write_pc() { # file name libs [libs_private]
  {
    echo "prefix=$prefix"
    echo "exec_prefix=\${prefix}"
    echo "libdir=$libdir"
    echo "includedir=$includedir"
    echo
    echo "Name: $2"
    echo "Description: $description"
    echo "Version: $version"
    echo "Libs: $3"
    [ -z "${4:-}" ] || echo "Libs.private: $4"
    echo "Cflags: -I\${includedir} -I\${includedir}/rocketmq"
  } >"$1"
  chmod 0644 "$1"
}
write_pc "$dest_lib/pkgconfig/rocketmq.pc" rocketmq \
  "-L\${libdir} -lrocketmq" "$native_static_libs"
write_pc "$dest_lib/pkgconfig/rocketmq-static.pc" rocketmq-static \
  "\${libdir}/librocketmq.a" "$native_static_libs"

# CMake: paths relative to the package's own directory, so a relocated
# prefix (or one under DESTDIR) still works.
cmake_dir="$libdir/cmake/RocketMQ"
rel_lib=$(realpath -m --relative-to="$cmake_dir" "$libdir")
rel_inc=$(realpath -m --relative-to="$cmake_dir" "$includedir")
cmake_libs=""
for l in $native_static_libs; do
  case "$l" in
    -l*) cmake_libs="$cmake_libs;${l#-l}" ;;
    *) cmake_libs="$cmake_libs;$l" ;;
  esac
done
cmake_libs="${cmake_libs#;}"
cat >"$dest_lib/cmake/RocketMQ/RocketMQConfig.cmake" <<EOF
# CMake package of librocketmq $version, written by scripts/install.sh.
#   find_package(RocketMQ 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE RocketMQ::rocketmq)         # shared
#   target_link_libraries(app PRIVATE RocketMQ::rocketmq-static)  # static
# Sets RocketMQ_VERSION and RocketMQ_INCLUDE_DIRS.
get_filename_component(_rocketmq_libdir "\${CMAKE_CURRENT_LIST_DIR}/$rel_lib" ABSOLUTE)
get_filename_component(_rocketmq_includedir "\${CMAKE_CURRENT_LIST_DIR}/$rel_inc" ABSOLUTE)
set(RocketMQ_VERSION "$version")
set(RocketMQ_INCLUDE_DIRS "\${_rocketmq_includedir};\${_rocketmq_includedir}/rocketmq")
if(NOT TARGET RocketMQ::rocketmq)
  add_library(RocketMQ::rocketmq SHARED IMPORTED)
  set_target_properties(RocketMQ::rocketmq PROPERTIES
    IMPORTED_LOCATION "\${_rocketmq_libdir}/librocketmq.so.$version"
    IMPORTED_SONAME "$soname"
    INTERFACE_INCLUDE_DIRECTORIES "\${RocketMQ_INCLUDE_DIRS}")
endif()
if(NOT TARGET RocketMQ::rocketmq-static)
  add_library(RocketMQ::rocketmq-static STATIC IMPORTED)
  set_target_properties(RocketMQ::rocketmq-static PROPERTIES
    IMPORTED_LOCATION "\${_rocketmq_libdir}/librocketmq.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_LINK_LIBRARIES "$cmake_libs"
    INTERFACE_INCLUDE_DIRECTORIES "\${RocketMQ_INCLUDE_DIRS}")
endif()
unset(_rocketmq_libdir)
unset(_rocketmq_includedir)
EOF
pointer_size=$(( $(getconf LONG_BIT) / 8 ))
# Same major version = same ABI (see the README's ABI policy): any
# requested X.Y with X equal to ours and X.Y not newer than us fits.
cat >"$dest_lib/cmake/RocketMQ/RocketMQConfigVersion.cmake" <<EOF
# Version check of the RocketMQ CMake package, written by scripts/install.sh:
# a release fits a request of the same major version (the ABI version) that
# is not newer than it.
set(PACKAGE_VERSION "$version")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
set(PACKAGE_VERSION_EXACT FALSE)
if(NOT "\${CMAKE_SIZEOF_VOID_P}" STREQUAL "" AND NOT "\${CMAKE_SIZEOF_VOID_P}" STREQUAL "$pointer_size")
  set(PACKAGE_VERSION "\${PACKAGE_VERSION} ($((pointer_size * 8))-bit)")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
  return()
endif()
if(NOT DEFINED PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "$major"
       AND NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
EOF
chmod 0644 "$dest_lib/cmake/RocketMQ/"*.cmake

echo "installed librocketmq $version into ${destdir}${prefix} (libdir $libdir, includedir $includedir)"

if [ "$ldconfig" = yes ] && [ -z "$destdir" ] && [ "$(id -u)" = 0 ] \
    && command -v ldconfig >/dev/null 2>&1 \
    && ldconfig -vN 2>/dev/null | grep -q "^$libdir:"; then
  ldconfig
fi
