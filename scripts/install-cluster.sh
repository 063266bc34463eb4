#!/usr/bin/env bash
# Installs the test NameServer and Broker (the Rust implementation of RocketMQ,
# crates rocketmq-namesrv and rocketmq-broker 1.0.0) into a cache directory
# outside the clone, so later runs on the same machine reuse the build.
#
#   ROCKETMQ_CLUSTER_CACHE  install root (default: ~/.cache/rocketmq-client-rs/cluster)
#
# Prints nothing but progress on stderr; exits 0 when both binaries are present.
set -euo pipefail

VERSION=1.0.0
ROOT="${ROCKETMQ_CLUSTER_CACHE:-$HOME/.cache/rocketmq-client-rs/cluster}"
BIN="$ROOT/bin"
mkdir -p "$ROOT"

have() { [ -x "$BIN/$1" ]; }
# The broker has TLS only when built with its `tls` feature (the NameServer
# has it by default); a stamp tells such a build from an older one.
TLS_STAMP="$ROOT/.broker-tls"
ready() { have rocketmq-namesrv-rust && have rocketmq-broker-rust && [ -e "$TLS_STAMP" ]; }

if ready; then
  exit 0
fi

# A lock so two concurrent callers (e.g. tests and examples) don't both build.
exec 9>"$ROOT/.install.lock"
flock 9
if ready; then
  exit 0
fi

# One shared target dir: the broker build reuses the dependencies the namesrv built.
export CARGO_TARGET_DIR="$ROOT/target"
# Build outside the clone: nothing of the client's build settings applies to
# the servers.
cd "$ROOT"
echo "installing rocketmq-namesrv $VERSION and rocketmq-broker $VERSION into $ROOT (about 15 minutes the first time)" >&2
have rocketmq-namesrv-rust || cargo install --locked --root "$ROOT" --version "$VERSION" rocketmq-namesrv >&2
if ! have rocketmq-broker-rust || [ ! -e "$TLS_STAMP" ]; then
  cargo install --locked --force --root "$ROOT" --version "$VERSION" --features tls rocketmq-broker >&2
  touch "$TLS_STAMP"
fi
# The intermediate build products are large and not needed once installed.
rm -rf "$CARGO_TARGET_DIR"
ready
