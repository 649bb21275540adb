#!/bin/sh
# The C compiler of the musllinux images: Debian's <arch>-linux-musl-gcc (gcc with musl's
# specs, from musl-dev), for the machine's architecture or MUSL_TARGET's (a cross compile on
# the build machine, with gcc-<arch>-linux-gnu). It answers --print-multiarch as a musl
# toolchain would, since CPython's configure compares that answer with the platform it detects
# (aarch64-linux-musl, say) and stops when they differ.
target=${MUSL_TARGET:-$(uname -m)}
case "$*" in
--print-multiarch)
    echo "$target-linux-musl"
    exit 0
    ;;
esac
# Debian's gcc for arm64 calls out to libgcc's atomics helpers, whose set-up calls glibc's
# __getauxval, which musl lacks (the link of OpenSSL's providers failed on it): inline atomics.
case $target in
aarch64) set -- -mno-outline-atomics "$@" ;;
esac
exec "$target-linux-musl-gcc" "$@"
