#!/usr/bin/env bash
# The main job: builds librocketmq and the C examples, starts a local
# NameServer + Broker (installing them into ~/.cache the first time, about 15
# minutes), runs examples-c/producer_sync against it and stops the cluster.
#   scripts/run-example.sh [TOPIC] [COUNT]     (defaults: TopicTest 10)
set -euo pipefail
cd "$(dirname "$0")/.."
topic="${1:-TopicTest}"
count="${2:-10}"

scripts/build-deps.sh
scripts/install-cluster.sh
cargo build --release --lib
make -s -C examples-c

. scripts/lib.sh
start_test_cluster 1

examples-c/build/producer_sync "$namesrv" "$topic" "$count"
