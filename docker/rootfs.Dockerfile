# A Debian root filesystem, made with debootstrap by `scripts/build-images`, as an image.
# Built with BuildKit and --platform so that the image records the right architecture:
# cibuildwheel only uses a local image (instead of pulling) when that record matches.
FROM scratch
ADD rootfs.tar /
CMD ["/bin/bash"]
