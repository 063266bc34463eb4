#!/usr/bin/env bash
# The whole test suite: installs the test cluster binaries if needed (into
# ~/.cache, about 15 minutes the first time), starts a NameServer + Broker on
# free 127.0.0.1 ports, runs every Rust and C test against it, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-cluster.sh

cluster_dir=""
cleanup() {
  if [ -n "$cluster_dir" ]; then
    scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

env_lines=$(scripts/cluster.sh start --brokers 1 --owner-pid $$)
while IFS='=' read -r key value; do
  case "$key" in
    ROCKETMQ_NAMESRV) export ROCKETMQ_NAMESRV="$value" ;;
    ROCKETMQ_CLUSTER_DIR) cluster_dir="$value" ;;
  esac
done <<< "$env_lines"
echo "test cluster: namesrv $ROCKETMQ_NAMESRV ($cluster_dir)" >&2

cargo fmt --all -- --check
cargo test --no-fail-fast "$@"
