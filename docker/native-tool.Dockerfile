# A program for the build machine, from a package the factory pins (ziglang in the `factory`
# group, uv in the `uv` group), as an image that the other recipes copy it from. Each is a
# static program, so it runs natively in every container, emulated architectures included:
# the kernel hands QEMU only foreign programs. zig links the local Rust wheels for glibc 2.17;
# uv makes cibuildwheel's build and test environments (build[uv]) without running under QEMU.
FROM scratch
COPY tool/ /
