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
    # Newest first. A mirror snapshot can list a version whose files are already gone from
    # its pool (sid moves fast): then the next older version is taken.
    fetched=
    for version in $(apt-cache showsrc "python$minor" | sed -n 's/^Version: //p' | sort -ruV); do
        echo "== $tag: fetching the source of python$minor $version"
        if apt-get -o Acquire::Check-Valid-Until=false source --download-only \
            "python$minor=$version" >fetch.log 2>&1; then
            fetched=$version
            break
        fi
        echo "== $tag: python$minor $version is listed but cannot be fetched; trying an older one"
        rm -f python"$minor"_*
    done
    [ -n "$fetched" ] || { cat fetch.log; echo "== no source of python$minor can be fetched"; exit 1; }
    tarball=$(ls python"$minor"_*.orig.tar.*)
    tar -xf "$tarball"
    cd "$(tar -tf "$tarball" | head -n 1 | cut -d/ -f1)"
    # No test suite: `make install` would byte-compile all of it three times, a third of the
    # build; no wheel is tested with it.
    flags=(--prefix="$prefix" --with-ensurepip=install --disable-test-modules)
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
