# Adds Rust to an image of an emulated architecture as a cross compiler that runs natively:
# Debian's rustc and cargo for the build machine's architecture (x86_64) with the image
# architecture's standard library (libstd-rust-dev:<arch>), both from one suite's archive, so
# of one version. Why: the kernel runs x86_64 programs in an arm64 container without QEMU
# (binfmt_misc hands QEMU only the foreign ones), so rustc, cargo, build scripts, proc macros
# and zig (the linker) run at native speed, while the interpreter, the repair and the tests
# still run under QEMU in the image cibuildwheel builds in. Compiling under QEMU was about 24x
# slower. Nothing of the image's own suite is used by the compiler, so the suite can be older
# than the compiler's (bullseye, for CPython 3.9).
# The x86_64 files go where Debian's multiarch layout puts them (/usr/lib/x86_64-linux-gnu,
# /usr/lib/rustlib/x86_64-unknown-linux-gnu, /usr/lib/gcc/x86_64-linux-gnu, ...), beside
# the image's own and never over them. x86_64's gcc links the build scripts and proc macros.
ARG BASE
# The compiler's suite, for the build machine (addlist/rootfs:<suite>-amd64), and zig.
ARG NATIVE_ROOTFS
ARG ZIG

FROM --platform=linux/amd64 ${ZIG} AS zig

FROM --platform=linux/amd64 ${NATIVE_ROOTFS} AS native
ARG QEMU_CPU
# Debian's name for the image's architecture, e.g. arm64.
ARG DEBIAN_ARCH
# The standard library's rlibs are unpacked rather than installed: installing them would pull
# in the image architecture's libc6 of the same version as the build machine's, a file a
# mirror can lack (trixie's ppc64el libc6 answered 404 here); rustc needs only the rlibs.
RUN dpkg --add-architecture "${DEBIAN_ARCH}" \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends rustc cargo gcc libc6-dev \
 && version=$(dpkg-query -W -f '${Version}' rustc) \
 && cd /tmp && apt-get download "libstd-rust-dev:${DEBIAN_ARCH}=${version}" \
 && dpkg-deb -x libstd-rust-dev_*.deb / && rm libstd-rust-dev_*.deb && cd / \
 && mkdir /native-bin \
 && cp -L /usr/bin/rustc /usr/bin/cargo /native-bin/ \
 && cp -L /usr/bin/gcc /native-bin/x86_64-linux-gnu-gcc \
 && cp -L /usr/bin/as /native-bin/x86_64-linux-gnu-as \
 && cp -L /usr/bin/ld.bfd /native-bin/x86_64-linux-gnu-ld

FROM ${BASE}
ARG QEMU_CPU
# Rust's name for the image's architecture, e.g. aarch64-unknown-linux-gnu.
ARG RUST_TARGET
COPY --from=native /usr/lib/rustlib/ /usr/lib/rustlib/
COPY --from=native /usr/lib/x86_64-linux-gnu/ /usr/lib/x86_64-linux-gnu/
COPY --from=native /usr/lib64/ /usr/lib64/
COPY --from=native /usr/lib/gcc/x86_64-linux-gnu/ /usr/lib/gcc/x86_64-linux-gnu/
COPY --from=native /usr/libexec/gcc/x86_64-linux-gnu/ /usr/libexec/gcc/x86_64-linux-gnu/
# rustc, cargo, and gcc, as and ld under their x86_64-linux-gnu- names (the suite's versions).
COPY --from=native /native-bin/ /usr/bin/
COPY --from=zig / /opt/zig/
# The one path zig's linker wrappers run (docker/maturin-from-path.sh says why).
COPY --chmod=755 maturin-from-path /usr/local/bin/
# x86_64's gcc looks for `as` and `ld` in its tool folder before PATH, where the image's own
# binutils are. /lib64 holds x86_64's dynamic loader.
RUN { [ -e /lib64 ] || ln -s usr/lib64 /lib64; } \
 && mkdir -p /usr/x86_64-linux-gnu/bin \
 && ln -s /usr/bin/x86_64-linux-gnu-as /usr/x86_64-linux-gnu/bin/as \
 && ln -s /usr/bin/x86_64-linux-gnu-ld /usr/x86_64-linux-gnu/bin/ld \
 && ln -s /opt/zig/zig /usr/local/bin/zig \
 && [ -d "/usr/lib/rustlib/${RUST_TARGET}/lib" ] \
 && rustc --version && cargo --version && zig version
# cargo builds for the image's architecture; build scripts and proc macros (for the host,
# x86_64) are linked by x86_64's gcc, the extension by zig (maturin --zig, set by the factory
# with PYO3_CROSS_LIB_DIR per build: maturin does not run interpreters when it cross-compiles).
ENV CARGO_BUILD_TARGET=${RUST_TARGET} \
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=x86_64-linux-gnu-gcc
