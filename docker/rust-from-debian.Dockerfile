# Adds Debian's rustc and cargo: the only Rust toolchain for a foreign architecture that can
# be had without rustup's download server.
ARG BASE
FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends rustc cargo \
 && rm -rf /var/lib/apt/lists/* \
 && rustc --version && cargo --version
