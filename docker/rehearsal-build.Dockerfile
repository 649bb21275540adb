# The rehearsal's source build: Debian's CPython with its headers, a C compiler and Debian's
# Rust (trixie's 1.85 is the oldest that PyO3 accepts), to install both sdists with no wheel.
ARG BASE
FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv python3-dev build-essential rustc cargo \
 && rm -rf /var/lib/apt/lists/*
