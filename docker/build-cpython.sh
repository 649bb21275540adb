#!/usr/bin/env bash
# Compiles CPython from Debian's source packages into /opt/python/<tag>, the layout that
# cibuildwheel expects. Arguments: "minor:tag" pairs, e.g. 3.13:cp313-cp313; the newest
# release Debian serves for that minor version is built. A tag with a t (cp314t-cp314t)
# gets a free-threaded build. Environment: CC and CPYTHON_CONFIGURE_FLAGS reach configure (a
# musl build, docker/musllinux.Dockerfile); CPYTHON_MODULES are the modules that must import.
set -euo pipefail
# shellcheck source=docker/debian-source.sh
source "$(dirname "$0")/debian-source.sh"
modules=${CPYTHON_MODULES:-ssl sqlite3 zlib bz2 lzma ctypes}
for pair in "$@"; do
    minor=${pair%%:*}
    tag=${pair##*:}
    prefix=/opt/python/$tag
    started=$SECONDS
    work=$(mktemp -d)
    cd "$work"
    tarball=$(fetch_source "python$minor")
    cd "$(unpack_source "$tarball")"
    # No test suite: `make install` would byte-compile all of it three times, a third of the
    # build; no wheel is tested with it.
    # shellcheck disable=SC2206 # CPYTHON_CONFIGURE_FLAGS is a list of words
    flags=(--prefix="$prefix" --with-ensurepip=install --disable-test-modules ${CPYTHON_CONFIGURE_FLAGS:-})
    case $tag in *t-*) flags+=(--disable-gil) ;; esac
    echo "== $tag: configure ${flags[*]}"
    logged configure.log ./configure "${flags[@]}"
    echo "== $tag: make -j$(nproc)"
    logged make.log make -j"$(nproc)"
    logged install.log make install
    # cibuildwheel looks for bin/python and bin/pip, which `make install` names python3*.
    ln -sf python3 "$prefix/bin/python"
    ln -sf pip3 "$prefix/bin/pip"
    "$prefix/bin/python" -c "import sys, ${modules// /, }; print('==', sys.version)"
    cd /
    rm -rf "$work"
    echo "== $tag: built in $((SECONDS - started)) s"
done
