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
export CC=musl-cc CFLAGS="-O2 -fPIC"
work=$(mktemp -d)
cd "$work"

started=$SECONDS
tarball=$(fetch_source zlib)
cd "$(unpack_source "$tarball")"
./configure --static --prefix="$prefix" >configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
make -j"$(nproc)" install >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
echo "== zlib: built in $((SECONDS - started)) s"

cd "$work"
started=$SECONDS
tarball=$(fetch_source libffi)
cd "$(unpack_source "$tarball")"
# Debian's upstream tarball is the git tree: configure is made here.
[ -x configure ] || ./autogen.sh >autogen.log 2>&1 || { tail -n 40 autogen.log; exit 1; }
./configure --prefix="$prefix" --disable-shared --enable-static --with-pic --disable-docs \
    >configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
make -j"$(nproc)" install >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
echo "== libffi: built in $((SECONDS - started)) s"

cd "$work"
started=$SECONDS
tarball=$(fetch_source openssl)
cd "$(unpack_source "$tarball")"
# The system's certificates stay where Debian's ca-certificates writes them (/etc/ssl).
./Configure "linux-$(uname -m)" no-shared no-tests no-docs no-apps -fPIC --prefix="$prefix" \
    --libdir=lib --openssldir=/etc/ssl >configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
make -j"$(nproc)" >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
make install_sw >install.log 2>&1 || { tail -n 40 install.log; exit 1; }
echo "== openssl: built in $((SECONDS - started)) s"
cd /
rm -rf "$work"
