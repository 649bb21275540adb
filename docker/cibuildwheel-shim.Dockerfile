# cibuildwheel runs /opt/python/cp39-cp39/bin/python in every manylinux container (to read the
# environment), whatever it builds. An image whose suite has no CPython 3.9 gets that path as a
# link to its tools interpreter, marked so that the factory never builds a cp39 wheel with it.
ARG BASE
FROM ${BASE}
# QEMU's CPU model, set by the factory when this image is built under emulation (see host.py).
ARG QEMU_CPU
RUN test ! -e /opt/python/cp39-cp39 \
 && mkdir -p /opt/python/cp39-cp39/bin \
 && ln -s /opt/_internal/tools/bin/python /opt/python/cp39-cp39/bin/python \
 && touch /opt/python/cp39-cp39/.cibuildwheel-shim
