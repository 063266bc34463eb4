#!/usr/bin/env bash
# Regenerates include/rocketmq.h from src/ffi with cbindgen (via tests/header.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
RMQ_BLESS_HEADER=1 cargo test --quiet --test header checked_in_header >/dev/null
echo "include/rocketmq.h regenerated" >&2
