#!/usr/bin/env bash
# Builds against musl, from Debian's source packages, the libraries a CPython compiled with
# musl-cc needs for pip and the test suite: zlib, libffi (ctypes) and OpenSSL (_ssl: pip and uv
# reach PyPI over TLS). Static libraries with position-independent code, installed into the
# prefix given as the only argument, so that CPython carries them and its image needs no
# musl-linked shared library besides libc.
set -euo pipefail
# shellcheck source=docker/debian-source.sh
source "$(dirname "$0")/debian-source.sh"
prefix=$1
# The architecture compiled for, as uname -m names it: MUSL_TARGET (which musl-cc reads too)
# for a cross compile on the build machine.
target=${MUSL_TARGET:-$(uname -m)}
export CC=musl-cc CFLAGS="-O2 -fPIC"
host=()
if [ "$target" != "$(uname -m)" ]; then
    # The cross binutils archive the objects; configure scripts are told the host.
    export AR=$target-linux-gnu-ar RANLIB=$target-linux-gnu-ranlib
    host=(--build="$(gcc -dumpmachine)" --host="$target-linux-musl")
    echo "== cross-compiling for $target-linux-musl on $(uname -m)"
fi
work=$(mktemp -d)

# enter_source PACKAGE: its upstream source, fetched and unpacked in $work, as the working folder.
enter_source() {
    cd "$work"
    local tarball
    tarball=$(fetch_source "$1")
    cd "$(unpack_source "$tarball")"
}

started=$SECONDS
enter_source zlib
logged configure.log ./configure --static --prefix="$prefix"
logged make.log make -j"$(nproc)" install
echo "== zlib: built in $((SECONDS - started)) s"

started=$SECONDS
enter_source libffi
# Debian's upstream tarball is the git tree: configure is made here.
[ -x configure ] || logged autogen.log ./autogen.sh
logged configure.log ./configure "${host[@]}" --prefix="$prefix" --disable-shared --enable-static \
    --with-pic --disable-docs
logged make.log make -j"$(nproc)" install
echo "== libffi: built in $((SECONDS - started)) s"

started=$SECONDS
enter_source openssl
# The system's certificates stay where Debian's ca-certificates writes them (/etc/ssl).
logged configure.log ./Configure "linux-$target" no-shared no-tests no-docs no-apps -fPIC \
    --prefix="$prefix" --libdir=lib --openssldir=/etc/ssl
logged make.log make -j"$(nproc)"
logged install.log make install_sw
echo "== openssl: built in $((SECONDS - started)) s"
cd /
rm -rf "$work"
