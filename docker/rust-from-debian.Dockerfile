# Adds Debian's rustc and cargo: the only Rust toolchain for a foreign architecture that can
# be had without rustup's download server.
ARG BASE
ARG ZIG
FROM --platform=linux/amd64 ${ZIG} AS zig

FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends rustc cargo \
 && rm -rf /var/lib/apt/lists/*
# zig, copied from addlist/zig (docker/native-tool.Dockerfile): the linker of maturin --zig;
# and the one path its linker wrappers run (docker/maturin-from-path.sh says why).
COPY --from=zig / /opt/zig/
COPY --chmod=755 maturin-from-path /usr/local/bin/
RUN ln -s /opt/zig/zig /usr/local/bin/zig && rustc --version && cargo --version && zig version
