#!/usr/bin/env bash
# Starts and stops a local RocketMQ test cluster made of the Rust implementation
# of RocketMQ (crates rocketmq-namesrv and rocketmq-broker 1.0.0, installed by
# scripts/install-cluster.sh): one NameServer and N master brokers, everything
# bound to 127.0.0.1 on free ports, all state (configs, stores, logs) in one
# directory.
#
#   cluster.sh start [--brokers N] [--dir DIR] [--owner-pid PID]
#       Installs the binaries if needed, starts the NameServer and N brokers
#       (broker-a, broker-b, ... in cluster DefaultCluster, brokerId 0), waits
#       until every broker is in the route of topic TBW102, then prints on
#       stdout the lines of DIR/cluster.env:
#           ROCKETMQ_NAMESRV=127.0.0.1:PORT
#           ROCKETMQ_CLUSTER_DIR=DIR
#           ROCKETMQ_BROKER_ADDRS=127.0.0.1:P1;127.0.0.1:P2
#           ROCKETMQ_BROKER_PIDS=PID1 PID2
#           ROCKETMQ_NAMESRV_PID=PID
#       (plain KEY=VALUE lines, not shell-quoted: split each at the first '=').
#       With --owner-pid, a detached watchdog stops the cluster once PID is gone.
#   cluster.sh stop DIR                 stop everything of that cluster, remove DIR
#   cluster.sh kill-broker DIR INDEX    SIGKILL broker INDEX (0-based)
#   cluster.sh start-broker DIR INDEX   restart it (same port, store, config) and
#                                       wait until it is registered again
#
# Environment:
#   ROCKETMQ_CLUSTER_CACHE          install root (see install-cluster.sh)
#   ROCKETMQ_CLUSTER_START_TIMEOUT  seconds to wait for a started cluster (default 120)
#   ROCKETMQ_CLUSTER_LOG_LEVEL      RUST_LOG filter for the servers (default info)
#   ROCKETMQ_CLUSTER_MAX_LIFETIME   seconds after which a watchdog stops the
#                                   cluster even if its owner lives (default 21600)
#   ROCKETMQ_BROKER_EXTRA           extra TOML lines for every broker's [broker] section,
#                                   e.g. "transactionCheckInterval = 1000"
#   ROCKETMQ_CLUSTER_KEEP_ON_FAILURE=1  keep DIR when start fails (for debugging)
#   ROCKETMQ_CLUSTER_TLS_DIR        a directory with ca.pem, server.pem and server.key
#                                   (PEM): the servers speak TLS. The NameServer is always
#                                   "permissive" (TLS and plain: the broker registers over a
#                                   plain connection); brokers use ROCKETMQ_BROKER_TLS_MODE
#                                   (permissive or enforcing, default enforcing)
#   ROCKETMQ_TLS_NEED_CLIENT_AUTH   none (default) or require: the servers ask for a client
#                                   certificate signed by ca.pem (mutual TLS)
#
# Ports: the NameServer uses one port; each broker uses a block of four
# consecutive ports B..B+3: B = fast (VIP) listener (listenPort-2), B+2 = listenPort,
# B+3 = HA listener (haListenPort = listenPort+1); B+1 stays unused. Ports are
# picked in 20000-32000 (below the usual ephemeral range) and checked free.
#
# Progress and diagnostics go to stderr. Every wait loop is bounded.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
SCRIPT_DIR="$(dirname "$SELF")"
CACHE_ROOT="${ROCKETMQ_CLUSTER_CACHE:-$HOME/.cache/rocketmq-client-rs/cluster}"
BIN="$CACHE_ROOT/bin"
NAMESRV_BIN="$BIN/rocketmq-namesrv-rust"
BROKER_BIN="$BIN/rocketmq-broker-rust"
PROBE="$SCRIPT_DIR/route_probe.py"
CLUSTER_NAME="DefaultCluster"
MARKER=".rocketmq-test-cluster"
PORT_LOCK="${TMPDIR:-/tmp}/rocketmq-test-cluster-ports.$(id -u).lock"

START_TIMEOUT="${ROCKETMQ_CLUSTER_START_TIMEOUT:-120}"
LOG_LEVEL="${ROCKETMQ_CLUSTER_LOG_LEVEL:-info}"
MAX_LIFETIME="${ROCKETMQ_CLUSTER_MAX_LIFETIME:-21600}"

log() { echo "cluster.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: cluster.sh start [--brokers N] [--dir DIR] [--owner-pid PID]
       cluster.sh stop DIR
       cluster.sh kill-broker DIR INDEX
       cluster.sh start-broker DIR INDEX
EOF
  exit 2
}

now() { date +%s; }

broker_name() { # index -> broker-a, broker-b, ...
  local letters=abcdefghijklmnopqrstuvwxyz
  echo "broker-${letters:$1:1}"
}

# A process counts as alive if it exists and is not a zombie (a killed broker
# whose parent, e.g. a container's pid 1, does not reap it stays a zombie).
is_alive() {
  local pid="$1" state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$state" ] && [ "$state" != "Z" ] && [ "$state" != "X" ]
}

# True if the process recorded under state KEY (KEY.pid, KEY.start) is alive
# and still the one we started: same start time, or a command line naming the
# cluster dir. Guards against signalling an unrelated process that reused a pid.
is_ours() { # dir key
  local dir="$1" pid start
  pid="$(read_state "$dir" "$2.pid")"
  start="$(read_state "$dir" "$2.start")"
  is_alive "$pid" || return 1
  if [ -n "$start" ] && [ "$(proc_starttime "$pid" 2>/dev/null || true)" = "$start" ]; then
    return 0
  fi
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"
}

record_pid() { # dir key pid
  write_state "$1" "$2.pid" "$3"
  write_state "$1" "$2.start" "$(proc_starttime "$3" 2>/dev/null || true)"
}

proc_starttime() { # field 22 of /proc/PID/stat (start time since boot, in ticks)
  [ -r "/proc/$1/stat" ] || return 1
  sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

port_listening() { # is something accepting on 127.0.0.1:PORT?
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

read_state() { # dir key -> value ('' if absent)
  local f="$1/state/$2"
  if [ -f "$f" ]; then cat "$f"; fi
}

write_state() { # dir key value
  printf '%s\n' "$3" >"$1/state/$2.tmp" && mv -f "$1/state/$2.tmp" "$1/state/$2"
}

strip_ansi() { sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

dump_logs() { # dir
  local dir="$1" f
  [ -d "$dir/logs" ] || return 0
  for f in "$dir"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "----- tail of $f -----" >&2
    tail -n 40 "$f" | strip_ansi >&2 || true
  done
  echo "-----" >&2
}

# Picks free ports: prints "NAMESRV_PORT BROKER_LISTEN_PORT..." (N broker ports).
pick_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
taken = set()
def free(port):
    if port in taken:
        return False
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()
rng = random.SystemRandom()
def pick_block(size):
    for _ in range(2000):
        base = rng.randrange(20000, 32000 - size)
        block = list(range(base, base + size))
        if all(free(p) for p in block):
            taken.update(block)
            return base
    sys.exit("no free port block of size %d found" % size)
ports = [pick_block(1)]
for _ in range(n):
    ports.append(pick_block(4) + 2)  # block B..B+3: fast=B, listen=B+2, ha=B+3
print(" ".join(map(str, ports)))
PY
}

# Starts a server in the background with a clean environment: nothing is
# inherited except PATH/TMPDIR, so stray variables (NAMESRV_ADDR,
# ROCKETMQ_HEALTH_BIND_ADDR, ROCKETMQ_METRICS_*, OTEL_*, ...) can't change ports
# or open extra listeners; HOME and ROCKETMQ_HOME point inside the cluster dir
# so nothing is written to the real home. Sets LAUNCHED_PID.
# args: home logfile command...
launch() {
  local home="$1" logfile="$2"
  shift 2
  env -i "PATH=$PATH" "TMPDIR=${TMPDIR:-/tmp}" "HOME=$home" "ROCKETMQ_HOME=$home" \
    "RUST_LOG=$LOG_LEVEL" "RUST_BACKTRACE=1" "LANG=C.UTF-8" "ROCKETMQ_SHUTDOWN_TIMEOUT_SECONDS=10" \
    "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  LAUNCHED_PID=$!
  disown "$LAUNCHED_PID" 2>/dev/null || true
}

launch_namesrv() { # dir
  local dir="$1" ns="$1/namesrv"
  launch "$ns/home" "$dir/logs/namesrv.log" "$NAMESRV_BIN" --configFile "$ns/namesrv.toml"
  record_pid "$dir" namesrv "$LAUNCHED_PID"
}

launch_broker() { # dir index
  local dir="$1" name bdir
  name="$(broker_name "$2")"
  bdir="$dir/$name"
  launch "$bdir/home" "$dir/logs/$name.log" "$BROKER_BIN" --configFile "$bdir/broker.toml"
  record_pid "$dir" "broker-$2" "$LAUNCHED_PID"
}

write_namesrv_config() { # dir port
  local ns="$1/namesrv"
  mkdir -p "$ns/home"
  cat >"$ns/namesrv.toml" <<EOF
# generated by scripts/cluster.sh
rocketmqHome = "$ns/home"
kvConfigPath = "$ns/kvConfig.json"
configStorePath = "$ns/namesrv.properties"
listenPort = $2
bindAddress = "127.0.0.1"
EOF
  if [ -n "${ROCKETMQ_CLUSTER_TLS_DIR:-}" ]; then
    local tls="$ROCKETMQ_CLUSTER_TLS_DIR"
    # Java's dotted keys; the NameServer reads them from its config file.
    cat >>"$ns/namesrv.toml" <<EOF
tls.enable = true
tls.server.mode = "permissive"
tls.server.certPath = "$tls/server.pem"
tls.server.keyPath = "$tls/server.key"
tls.server.trustCertPath = "$tls/ca.pem"
tls.server.need.client.auth = "${ROCKETMQ_TLS_NEED_CLIENT_AUTH:-none}"
tls.server.authClient = $(tls_auth_client)
EOF
  fi
}

# The broker's TLS section (ROCKETMQ_CLUSTER_TLS_DIR), or nothing.
broker_tls_config() {
  [ -n "${ROCKETMQ_CLUSTER_TLS_DIR:-}" ] || return 0
  local tls="$ROCKETMQ_CLUSTER_TLS_DIR"
  cat <<EOF

[broker.brokerServerConfig.tlsConfig]
enable = true

[broker.brokerServerConfig.tlsConfig.server]
mode = "${ROCKETMQ_BROKER_TLS_MODE:-enforcing}"
certPath = "$tls/server.pem"
keyPath = "$tls/server.key"
trustCertPath = "$tls/ca.pem"
needClientAuth = "${ROCKETMQ_TLS_NEED_CLIENT_AUTH:-none}"
authClient = $(tls_auth_client)
EOF
}

# Whether the servers verify client certificates (they must, to ask for them).
tls_auth_client() {
  if [ "${ROCKETMQ_TLS_NEED_CLIENT_AUTH:-none}" = none ]; then echo false; else echo true; fi
}

write_broker_config() { # dir index listen_port namesrv_port
  local dir="$1" index="$2" port="$3" nsport="$4" name bdir
  name="$(broker_name "$index")"
  bdir="$dir/$name"
  mkdir -p "$bdir/home" "$bdir/store"
  cat >"$bdir/broker.toml" <<EOF
# generated by scripts/cluster.sh
# listeners: fast $((port - 2)), main $port, HA $((port + 1)); all on 127.0.0.1
[broker]
listenPort = $port
brokerIp1 = "127.0.0.1"
brokerIp2 = "127.0.0.1"
storePathRootDir = "$bdir/store"
namesrvAddr = "127.0.0.1:$nsport"
autoCreateTopicEnable = true
${ROCKETMQ_BROKER_EXTRA:-}

[broker.brokerIdentity]
brokerName = "$name"
brokerClusterName = "$CLUSTER_NAME"
brokerId = 0

[broker.brokerServerConfig]
bindAddress = "127.0.0.1"
$(broker_tls_config)

[broker.topicQueueConfig]
defaultTopicQueueNums = 8

[store]
storePathRootDir = "$bdir/store"
haListenAddress = "127.0.0.1"
haListenPort = $((port + 1))
brokerRole = "ASYNC_MASTER"
flushDiskType = "ASYNC_FLUSH"
# 128 MiB commit log files instead of 1 GiB (a test cluster stores little).
mappedFileSizeCommitLog = 134217728
EOF
}

write_cluster_env() { # dir
  local dir="$1" n i addrs="" pids="" port pid
  n="$(read_state "$dir" brokers)"
  for ((i = 0; i < n; i++)); do
    port="$(read_state "$dir" "broker-$i.port")"
    pid="$(read_state "$dir" "broker-$i.pid")"
    addrs="${addrs:+$addrs;}127.0.0.1:$port"
    pids="${pids:+$pids }$pid"
  done
  {
    echo "ROCKETMQ_NAMESRV=127.0.0.1:$(read_state "$dir" namesrv.port)"
    echo "ROCKETMQ_CLUSTER_DIR=$dir"
    echo "ROCKETMQ_BROKER_ADDRS=$addrs"
    echo "ROCKETMQ_BROKER_PIDS=$pids"
    echo "ROCKETMQ_NAMESRV_PID=$(read_state "$dir" namesrv.pid)"
  } >"$dir/cluster.env.tmp"
  mv -f "$dir/cluster.env.tmp" "$dir/cluster.env"
}

# Waits until every given port accepts connections, failing early if one of
# the given pids dies. args: deadline "pid..." port...
wait_listening() {
  local deadline="$1" pids="$2" pid port pending
  shift 2
  while :; do
    for pid in $pids; do
      is_alive "$pid" || { log "process $pid exited during startup"; return 1; }
    done
    pending=""
    for port in "$@"; do
      port_listening "$port" || pending="$pending $port"
    done
    [ -z "$pending" ] && return 0
    if [ "$(now)" -ge "$deadline" ]; then
      log "timed out waiting for ports$pending to listen"
      return 1
    fi
    sleep 0.2
  done
}

# Waits until the TBW102 route lists all given broker addresses.
# args: deadline namesrv "pid..." addr...
wait_registered() {
  local deadline="$1" namesrv="$2" pids="$3" pid
  shift 3
  while :; do
    for pid in $pids; do
      is_alive "$pid" || { log "process $pid exited before its broker registered"; return 1; }
    done
    if python3 "$PROBE" "$namesrv" --topic TBW102 --expect "$@" >/dev/null 2>"$TMP_PROBE_ERR"; then
      return 0
    fi
    if [ "$(now)" -ge "$deadline" ]; then
      log "timed out waiting for brokers to register: $(cat "$TMP_PROBE_ERR" 2>/dev/null)"
      return 1
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- stop

# SIGTERM the recorded processes, SIGKILL those still alive after 15 s.
terminate() { # dir pidfile...
  local dir="$1" pids="" pid f key deadline
  shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    key="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if is_ours "$dir" "$key"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids="$pids $pid"
    fi
  done
  deadline=$(($(now) + 15))
  for pid in $pids; do
    while is_alive "$pid" && [ "$(now)" -lt "$deadline" ]; do sleep 0.1; done
    if is_alive "$pid"; then
      log "process $pid ignored SIGTERM for 15 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  deadline=$(($(now) + 10))
  for pid in $pids; do
    while is_alive "$pid" && [ "$(now)" -lt "$deadline" ]; do sleep 0.1; done
    if is_alive "$pid"; then log "warning: process $pid is still alive after SIGKILL"; fi
  done
}

do_stop() { # dir
  local dir="$1" wpid
  [ -d "$dir" ] || return 0
  if [ ! -f "$dir/$MARKER" ]; then
    log "$dir is not a cluster directory (no $MARKER); not touching it"
    return 1
  fi
  if [ -d "$dir/state" ]; then
    exec 8>>"$dir/state/stop.lock"
    flock -w 60 8 || log "warning: could not lock $dir for stopping; going on"
  fi
  [ -d "$dir" ] || return 0

  wpid="$(read_state "$dir" watchdog.pid)"
  if [ -n "$wpid" ] && [ "$wpid" != "$$" ] && is_ours "$dir" watchdog; then
    kill -KILL "$wpid" 2>/dev/null || true
  fi

  # Brokers first (they unregister from the NameServer while it still runs),
  # then the NameServer.
  terminate "$dir" "$dir"/state/broker-*.pid
  terminate "$dir" "$dir/state/namesrv.pid"
  rm -rf -- "$dir"
  log "stopped cluster $dir"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  do_stop "$1"
}

# ---------------------------------------------------------------- watchdog

cmd_watchdog() { # dir owner_pid owner_starttime
  local dir="$1" owner="$2" start_time="$3" i cur
  for ((i = 0; i < MAX_LIFETIME; i++)); do
    [ -d "$dir" ] || exit 0
    cur="$(proc_starttime "$owner" 2>/dev/null || true)"
    if [ -z "$cur" ] || [ "$cur" != "$start_time" ] || ! is_alive "$owner"; then
      log "owner process $owner is gone; stopping cluster $dir"
      do_stop "$dir" || true
      exit 0
    fi
    sleep 1
  done
  log "cluster $dir reached ROCKETMQ_CLUSTER_MAX_LIFETIME=${MAX_LIFETIME}s; stopping it"
  do_stop "$dir" || true
}

start_watchdog() { # dir owner
  local dir="$1" owner="$2" st
  st="$(proc_starttime "$owner")" || die "owner pid $owner does not exist"
  setsid bash "$SELF" __watchdog "$dir" "$owner" "$st" \
    </dev/null >>"$dir/logs/watchdog.log" 2>&1 9>&- &
  record_pid "$dir" watchdog "$!"
  disown "$!" 2>/dev/null || true
}

# ---------------------------------------------------------------- start

START_DIR=""

start_failed() {
  trap - INT TERM
  log "start failed; logs follow"
  if [ -n "$START_DIR" ] && [ -d "$START_DIR" ]; then
    dump_logs "$START_DIR"
    if [ "${ROCKETMQ_CLUSTER_KEEP_ON_FAILURE:-0}" = 1 ]; then
      # Stop the processes but keep the directory.
      mv "$START_DIR/$MARKER" "$START_DIR/$MARKER.kept" 2>/dev/null || true
      local f
      for f in "$START_DIR"/state/*.pid; do
        [ -f "$f" ] || continue
        if is_ours "$START_DIR" "$(basename "$f" .pid)"; then kill -KILL "$(cat "$f")" 2>/dev/null || true; fi
      done
      log "kept $START_DIR"
    else
      do_stop "$START_DIR" || true
    fi
  fi
  exit 1
}

cmd_start() {
  local brokers=1 dir="" owner="" i ports nsport deadline t0 pids="" lports=() addrs=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --brokers) [ $# -ge 2 ] || usage; brokers="$2"; shift 2 ;;
      --brokers=*) brokers="${1#*=}"; shift ;;
      --dir) [ $# -ge 2 ] || usage; dir="$2"; shift 2 ;;
      --dir=*) dir="${1#*=}"; shift ;;
      --owner-pid) [ $# -ge 2 ] || usage; owner="$2"; shift 2 ;;
      --owner-pid=*) owner="${1#*=}"; shift ;;
      *) usage ;;
    esac
  done
  [[ "$brokers" =~ ^[0-9]+$ ]] && [ "$brokers" -ge 1 ] && [ "$brokers" -le 26 ] ||
    die "--brokers must be between 1 and 26"
  if [ -n "$owner" ]; then
    [[ "$owner" =~ ^[0-9]+$ ]] && is_alive "$owner" || die "--owner-pid $owner is not a running process"
  fi
  command -v python3 >/dev/null || die "python3 is required"
  t0="$(now)"

  "$SCRIPT_DIR/install-cluster.sh" >&2 || die "installing the cluster binaries failed"
  [ -x "$NAMESRV_BIN" ] && [ -x "$BROKER_BIN" ] || die "binaries missing in $BIN after install"

  if [ -n "$dir" ]; then
    mkdir -p -- "$dir"
    dir="$(cd -- "$dir" && pwd)"
    if [ -n "$(ls -A -- "$dir")" ]; then
      die "--dir $dir is not empty"
    fi
  else
    dir="$(mktemp -d "${TMPDIR:-/tmp}/rocketmq-cluster.XXXXXX")"
  fi
  START_DIR="$dir"
  trap 'log "interrupted"; start_failed' INT TERM
  touch "$dir/$MARKER"
  mkdir -p "$dir/state" "$dir/logs"
  TMP_PROBE_ERR="$dir/state/probe.err"
  write_state "$dir" brokers "$brokers"

  # Ports are picked and bound under a machine-wide lock so that concurrent
  # starts don't pick the same free ports. The lock fd (9) is closed for the
  # servers so it is released when this script stops waiting for the listeners.
  exec 9>>"$PORT_LOCK"
  flock -w 180 9 || { log "could not get the port lock $PORT_LOCK"; start_failed; }

  ports="$(pick_ports "$brokers")" || { log "picking free ports failed"; start_failed; }
  nsport="${ports%% *}"
  read -r -a lports <<<"${ports#* }"
  write_state "$dir" namesrv.port "$nsport"
  write_namesrv_config "$dir" "$nsport"
  for ((i = 0; i < brokers; i++)); do
    write_state "$dir" "broker-$i.port" "${lports[$i]}"
    write_broker_config "$dir" "$i" "${lports[$i]}" "$nsport"
    addrs+=("127.0.0.1:${lports[$i]}")
  done
  log "starting NameServer on 127.0.0.1:$nsport and $brokers broker(s) on ${lports[*]} in $dir"

  deadline=$(($(now) + START_TIMEOUT))
  launch_namesrv "$dir"
  wait_listening "$deadline" "$(read_state "$dir" namesrv.pid)" "$nsport" || start_failed

  local listen_ports=()
  for ((i = 0; i < brokers; i++)); do
    launch_broker "$dir" "$i"
    pids="$pids $(read_state "$dir" "broker-$i.pid")"
    listen_ports+=("${lports[$i]}" "$((lports[i] - 2))" "$((lports[i] + 1))")
  done
  pids="$pids $(read_state "$dir" namesrv.pid)"
  write_cluster_env "$dir"
  if [ -n "$owner" ]; then start_watchdog "$dir" "$owner"; fi

  wait_listening "$deadline" "$pids" "${listen_ports[@]}" || start_failed
  flock -u 9
  exec 9>&-

  wait_registered "$deadline" "127.0.0.1:$nsport" "$pids" "${addrs[@]}" || start_failed
  trap - INT TERM
  log "cluster ready in $(($(now) - t0)) s: namesrv 127.0.0.1:$nsport, brokers ${addrs[*]}"
  cat "$dir/cluster.env"
}

# ---------------------------------------------------------------- broker control

check_cluster_dir() { # dir
  [ -d "$1" ] && [ -f "$1/$MARKER" ] || die "$1 is not a running cluster directory"
}

check_index() { # dir index
  local n
  n="$(read_state "$1" brokers)"
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -lt "$n" ] || die "broker index must be in 0..$((n - 1))"
}

cmd_kill_broker() {
  [ $# -eq 2 ] || usage
  local dir="$1" index="$2" pid i
  check_cluster_dir "$dir"
  dir="$(cd -- "$dir" && pwd)"
  check_index "$dir" "$index"
  pid="$(read_state "$dir" "broker-$index.pid")"
  if ! is_ours "$dir" "broker-$index"; then
    log "broker $index ($(broker_name "$index")) is not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    is_alive "$pid" || break
    sleep 0.1
  done
  is_alive "$pid" && die "broker $index (pid $pid) still alive 10 s after SIGKILL"
  log "killed broker $index ($(broker_name "$index"), pid $pid, 127.0.0.1:$(read_state "$dir" "broker-$index.port"))"
}

cmd_start_broker() {
  [ $# -eq 2 ] || usage
  local dir="$1" index="$2" pid port nsport deadline i p t0
  check_cluster_dir "$dir"
  dir="$(cd -- "$dir" && pwd)"
  check_index "$dir" "$index"
  TMP_PROBE_ERR="$dir/state/probe.err"
  t0="$(now)"
  port="$(read_state "$dir" "broker-$index.port")"
  nsport="$(read_state "$dir" namesrv.port)"
  pid="$(read_state "$dir" "broker-$index.pid")"
  deadline=$(($(now) + START_TIMEOUT))
  if is_ours "$dir" "broker-$index"; then
    log "broker $index ($(broker_name "$index"), pid $pid) is already running"
  else
    # The old listeners must be gone before the restart can bind them.
    for p in "$port" "$((port - 2))" "$((port + 1))"; do
      for ((i = 0; i < 150; i++)); do
        port_listening "$p" || break
        sleep 0.2
      done
      port_listening "$p" && die "port $p is still in use; cannot restart broker $index"
    done
    launch_broker "$dir" "$index"
    pid="$(read_state "$dir" "broker-$index.pid")"
    write_cluster_env "$dir"
    if ! wait_listening "$deadline" "$pid" "$port" "$((port - 2))" "$((port + 1))"; then
      dump_logs "$dir"
      die "broker $index did not come back"
    fi
  fi
  if ! wait_registered "$deadline" "127.0.0.1:$nsport" "$pid" "127.0.0.1:$port"; then
    dump_logs "$dir"
    die "broker $index did not register again"
  fi
  log "broker $index ($(broker_name "$index"), pid $pid) is up on 127.0.0.1:$port and registered ($(($(now) - t0)) s)"
}

# ---------------------------------------------------------------- main

[ $# -ge 1 ] || usage
cmd="$1"
shift
case "$cmd" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  kill-broker) cmd_kill_broker "$@" ;;
  start-broker) cmd_start_broker "$@" ;;
  __watchdog) cmd_watchdog "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
