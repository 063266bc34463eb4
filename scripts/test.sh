#!/usr/bin/env bash
# The whole test suite: installs the test cluster binaries if needed (into
# ~/.cache, about 15 minutes the first time), starts a NameServer + Broker on
# free 127.0.0.1 ports, checks formatting and clippy (warnings are errors),
# runs every Rust and C test against it, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-deps.sh
scripts/install-cluster.sh

. scripts/lib.sh
start_test_cluster 1
export ROCKETMQ_NAMESRV="$namesrv"
echo "test cluster: namesrv $ROCKETMQ_NAMESRV ($cluster_dir)" >&2

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --no-fail-fast "$@"
