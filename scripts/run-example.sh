#!/usr/bin/env bash
# The main job: builds librocketmq and the C examples, starts a local
# NameServer + Broker (installing them into ~/.cache the first time, about 15
# minutes), runs examples-c/producer_sync against it and stops the cluster.
#   scripts/run-example.sh [TOPIC] [COUNT]     (defaults: TopicTest 10)
set -euo pipefail
cd "$(dirname "$0")/.."
topic="${1:-TopicTest}"
count="${2:-10}"

scripts/install-cluster.sh
cargo build --release --lib
make -s -C examples-c

cluster_dir=""
cleanup() {
  if [ -n "$cluster_dir" ]; then
    scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

env_lines=$(scripts/cluster.sh start --brokers 1 --owner-pid $$)
namesrv=""
while IFS='=' read -r key value; do
  case "$key" in
    ROCKETMQ_NAMESRV) namesrv="$value" ;;
    ROCKETMQ_CLUSTER_DIR) cluster_dir="$value" ;;
  esac
done <<< "$env_lines"

examples-c/build/producer_sync "$namesrv" "$topic" "$count"
