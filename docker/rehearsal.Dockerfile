# A clean Debian system with nothing but its own CPython and venv: where the release
# rehearsal installs the released wheels from the local index, as a user would.
ARG BASE
FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# sid's Release file may be past its Valid-Until date in a mirror snapshot.
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
