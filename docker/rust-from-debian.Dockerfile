# Adds Debian's rustc and cargo: the only Rust toolchain for a foreign architecture that can
# be had without rustup's download server.
ARG BASE
FROM ${BASE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends rustc cargo \
 && rm -rf /var/lib/apt/lists/* \
 && rustc --version && cargo --version
