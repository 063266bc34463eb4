# Shared by run-example.sh and test.sh (sourced, not run): starts a test
# cluster owned by the calling shell and stops it when that shell exits.
# After `start_test_cluster N`: $namesrv and $cluster_dir are set.

cluster_dir=""
namesrv=""

stop_test_cluster() {
  if [ -n "$cluster_dir" ]; then
    scripts/cluster.sh stop "$cluster_dir" >/dev/null 2>&1 || true
    cluster_dir=""
  fi
}

start_test_cluster() { # brokers
  trap stop_test_cluster EXIT INT TERM
  local env_lines key value
  env_lines=$(scripts/cluster.sh start --brokers "${1:-1}" --owner-pid $$)
  while IFS='=' read -r key value; do
    case "$key" in
      ROCKETMQ_NAMESRV) namesrv="$value" ;;
      ROCKETMQ_CLUSTER_DIR) cluster_dir="$value" ;;
    esac
  done <<< "$env_lines"
}
