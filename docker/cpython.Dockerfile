# CPython interpreters compiled from Debian's source packages, added to a manylinux image as
# /opt/python/<tag>. Only Debian's archive is reachable here, and Debian packages one CPython
# per suite; their source packages carry the upstream tarballs of the others.
ARG BASE
FROM ${BASE} AS compile
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU

# Source suites; sid's and experimental's Release files may be past their Valid-Until date
# in a mirror snapshot, which does not matter for downloading source.
RUN printf '%s\n' \
      "deb-src http://deb.debian.org/debian bookworm main" \
      "deb-src http://deb.debian.org/debian trixie main" \
      "deb-src http://deb.debian.org/debian sid main" \
      "deb-src http://deb.debian.org/debian experimental main" \
      > /etc/apt/sources.list.d/python-sources.list \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends \
      dpkg-dev xz-utils pkg-config libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev \
      libsqlite3-dev libreadline-dev libncursesw5-dev uuid-dev

# One "minor:tag" pair per interpreter, e.g. "3.13:cp313-cp313 3.14:cp314t-cp314t".
ARG CPYTHONS
COPY build-cpython.sh debian-source.sh /usr/local/bin/
RUN bash /usr/local/bin/build-cpython.sh ${CPYTHONS}

FROM ${BASE}
ARG QEMU_CPU
COPY --from=compile /opt/python/ /opt/python/
COPY requirements/ /opt/_internal/requirements/
RUN for python in /opt/python/*/bin/python; do \
      "$python" -m pip install --no-cache-dir -r /opt/_internal/requirements/interpreter.txt || exit 1; \
    done
