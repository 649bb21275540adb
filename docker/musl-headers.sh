#!/usr/bin/env bash
# Gives musl's include folder for the architecture named (as uname -m names it) the kernel's
# headers, which musl-gcc's specs leave out and OpenSSL and CPython include: trixie's
# linux-libc-dev holds every architecture's asm folder.
set -euo pipefail
target=$1
musl=/usr/include/$target-linux-musl
[ -d "$musl" ] || { echo "== no $musl: install musl-dev for $target" >&2; exit 1; }
[ -d "/usr/include/$target-linux-gnu/asm" ] ||
    { echo "== no kernel asm headers for $target: install trixie's linux-libc-dev" >&2; exit 1; }
ln -sf /usr/include/linux /usr/include/asm-generic "$musl/"
ln -sfn "/usr/include/$target-linux-gnu/asm" "$musl/asm"
echo "== $musl has the kernel's headers"
