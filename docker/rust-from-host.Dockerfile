# Adds the host's rustup toolchain (its sysroot, copied into the build context). rustup's
# toolchains are built for old glibc, so they run on the oldest suite, where Debian's own
# rustc is far too old for PyO3.
ARG BASE
ARG ZIG
FROM --platform=linux/amd64 ${ZIG} AS zig

FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
COPY rust-toolchain/ /opt/rust/
# zig, copied from addlist/zig (docker/native-tool.Dockerfile): the linker of maturin --zig;
# and the one path its linker wrappers run (docker/maturin-from-path.sh says why).
COPY --from=zig / /opt/zig/
COPY --chmod=755 maturin-from-path /usr/local/bin/
ENV PATH=/opt/rust/bin:${PATH}
RUN ln -s /opt/zig/zig /usr/local/bin/zig && rustc --version && cargo --version && zig version
