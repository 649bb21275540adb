# zig, from the factory's own `ziglang` package (pinned in pyproject.toml's `factory` group), as
# an image the Rust recipes copy it from: maturin --zig links the local Rust wheels against
# glibc 2.17's symbols (manylinux2014), wider than any suite here. A static program for the
# build machine, so it runs natively in every container, emulated architectures included.
FROM scratch
COPY ziglang/ /
