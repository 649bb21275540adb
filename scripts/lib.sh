# Shared by the entry points in scripts/: prerequisite checks that say how to fix what is
# missing, the project's virtual environment, and timed steps. Source it; do not run it.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${ADDLIST_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
SCRIPT_STARTED=$SECONDS

say() { printf '\033[1m[%s +%ss]\033[0m %s\n' "$(basename "$0")" "$((SECONDS - SCRIPT_STARTED))" "$*" >&2; }
fail() { printf '\033[1;31m[%s] error:\033[0m %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

require_python() {
    command -v "$PYTHON" >/dev/null ||
        fail "no '$PYTHON' on PATH. Install Python 3.9 or newer (Debian: apt-get install python3), or set PYTHON=/path/to/python3."
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        fail "$("$PYTHON" --version 2>&1) is too old: Python 3.9 or newer is needed (set PYTHON=... to choose another)."
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null ||
        fail "$PYTHON cannot create virtual environments. Debian/Ubuntu: apt-get install python3-venv"
    "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' ||
        fail "the Python headers (Python.h) are missing. Debian/Ubuntu: apt-get install python3-dev"
}

require_c_compiler() {
    command -v cc >/dev/null || command -v gcc >/dev/null || command -v clang >/dev/null ||
        fail "no C compiler (cc, gcc or clang) on PATH. Debian/Ubuntu: apt-get install build-essential"
}

require_rust() {
    command -v cargo >/dev/null ||
        fail "no 'cargo' on PATH. Install Rust with rustup (https://rustup.rs) or your distribution's cargo package."
    local needed have
    needed=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml")
    have=$(rustc --version | cut -d' ' -f2)
    if [ "$(printf '%s\n%s\n' "$needed" "$have" | sort -V | head -n1)" != "$needed" ]; then
        fail "rustc $have is older than the $needed that PyO3 needs (Cargo.toml rust-version). Update with 'rustup update', or use a distribution with a newer rustc (Debian 13 has 1.85)."
    fi
}

# Installs Debian packages that provide missing commands ("command:package" pairs) when
# this is a root shell with apt-get; otherwise stops with the command that installs them.
ensure_packages() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair##*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]} with apt-get"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    else
        fail "missing ${missing[*]}. Debian/Ubuntu: sudo apt-get install ${missing[*]}"
    fi
}

# What the wheel factory needs beside a container engine: debootstrap for base images,
# QEMU user emulation for aarch64 containers. Without docker it builds host-native wheels.
ensure_factory_packages() {
    if command -v docker >/dev/null; then
        ensure_packages debootstrap:debootstrap qemu-aarch64-static:qemu-user-static \
            update-binfmts:binfmt-support
    else
        say "no docker on PATH: the main job will build host-native wheels only"
    fi
}

# Creates $VENV with the pinned pip and nox (dependency group 'bootstrap' in pyproject.toml).
ensure_venv() {
    if [ ! -x "$VENV/bin/nox" ]; then
        say "creating the virtual environment $VENV"
        "$PYTHON" -m venv "$VENV"
        # Dependency groups need pip 25.1 or newer; the group then pins the exact version.
        "$VENV/bin/python" -m pip install --quiet --upgrade 'pip>=25.1'
    fi
    "$VENV/bin/python" -m pip install --quiet --group "$ROOT/pyproject.toml:bootstrap"
}

# Runs nox sessions from the project root, with the project's virtual environment first.
run_nox() {
    cd "$ROOT" || fail "cannot enter the project folder $ROOT"
    say "nox $*"
    PATH="$VENV/bin:$PATH" "$VENV/bin/nox" "$@"
    say "done"
}
