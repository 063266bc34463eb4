# Shared by bench-suite.sh and bench-profile.sh (sourced, not run): a work
# directory with its own copy of one library, the bench built against that
# copy, and the zero-latency responder (benches/nullbroker.c) on free
# 127.0.0.1 ports; all of it stopped and removed when the calling shell
# exits. The caller defines die() (print a message, exit 2) and $root (the
# repository) first.
#
#   bench_setup NAME LIB.so NB_SECONDS
#       makes $work (mktemp, named after NAME), copies LIB.so there, builds
#       $work/bin/bench and $work/bin/nullbroker, starts nullbroker for at
#       most NB_SECONDS and sets $namesrv to its NameServer address.

work=""
nb_pid=""
namesrv=""

bench_cleanup() {
  if [ -n "$nb_pid" ]; then
    kill "$nb_pid" 2>/dev/null || true
    wait "$nb_pid" 2>/dev/null || true
  fi
  [ -z "$work" ] || rm -rf "$work"
}

bench_setup() { # name lib nb_seconds
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  cp "$2" "$work/librocketmq.so"
  ln -s librocketmq.so "$work/librocketmq.so.0"
  make -s -C "$root/examples-c" LIBDIR="$work" OUT="$work/bin" "$work/bin/bench" "$work/bin/nullbroker" \
    > "$work/make.log" 2>&1 || { cat "$work/make.log" >&2; die "building bench failed"; }
  timeout "$3" "$work/bin/nullbroker" 0 0 > "$work/nb.out" 2> "$work/nb.err" &
  nb_pid=$!
  for _ in $(seq 100); do
    namesrv=$(sed -n 's/^NULLBROKER_NAMESRV=//p' "$work/nb.out")
    [ -n "$namesrv" ] && break
    kill -0 "$nb_pid" 2>/dev/null || break
    sleep 0.05
  done
  case "$namesrv" in 127.0.0.1:*) ;; *) cat "$work/nb.err" >&2; die "nullbroker did not start" ;; esac
}
