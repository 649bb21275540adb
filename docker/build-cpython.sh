#!/usr/bin/env bash
# Compiles CPython from Debian's source packages into /opt/python/<tag>, the layout that
# cibuildwheel expects. Arguments: "minor:tag" pairs, e.g. 3.13:cp313-cp313; the newest
# release Debian serves for that minor version is built. A tag with a t (cp314t-cp314t)
# gets a free-threaded build.
set -euo pipefail
for pair in "$@"; do
    minor=${pair%%:*}
    tag=${pair##*:}
    prefix=/opt/python/$tag
    started=$SECONDS
    work=$(mktemp -d)
    cd "$work"
    echo "== $tag: fetching the source of python$minor"
    apt-get -o Acquire::Check-Valid-Until=false source --download-only "python$minor"
    tarball=$(ls python"$minor"_*.orig.tar.*)
    tar -xf "$tarball"
    cd "$(tar -tf "$tarball" | head -n 1 | cut -d/ -f1)"
    flags=(--prefix="$prefix" --with-ensurepip=install)
    case $tag in *t-*) flags+=(--disable-gil) ;; esac
    echo "== $tag: configure ${flags[*]}"
    ./configure "${flags[@]}" >configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
    echo "== $tag: make -j$(nproc)"
    make -j"$(nproc)" >make.log 2>&1 || { tail -n 40 make.log; exit 1; }
    make install >install.log 2>&1 || { tail -n 40 install.log; exit 1; }
    # cibuildwheel looks for bin/python and bin/pip, which `make install` names python3*.
    ln -sf python3 "$prefix/bin/python"
    ln -sf pip3 "$prefix/bin/pip"
    "$prefix/bin/python" -c 'import ssl, sqlite3, zlib, bz2, lzma, ctypes, sys; print("==", sys.version)'
    cd /
    rm -rf "$work"
    echo "== $tag: built in $((SECONDS - started)) s"
done
