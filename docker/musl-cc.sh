#!/bin/sh
# The C compiler of the musllinux images: Debian's musl-gcc (gcc with musl's specs), which
# answers --print-multiarch as a musl toolchain would, since CPython's configure compares that
# answer with the platform it detects (x86_64-linux-musl) and stops when they differ.
case "$*" in
--print-multiarch)
    echo "$(uname -m)-linux-musl"
    exit 0
    ;;
esac
exec musl-gcc "$@"
