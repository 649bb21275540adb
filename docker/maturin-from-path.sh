#!/bin/bash
# The program that maturin's zig linker wrappers (cargo-zigbuild's) run, named to them by
# CARGO_BIN_EXE_cargo-zigbuild (factory.config.Image.container_environment). They would run the
# maturin that wrote them by its own path, a new temporary build environment each time, and
# cargo, which fingerprints the linker's path, would compile every crate again in a warm run.
# This path stays, and runs the maturin of the build under way: the first one on PATH. argv[0]
# is kept, because the wrappers' `ar` and `lib` links choose what to do by their name.
set -euo pipefail
exec -a "$0" maturin "$@"
