#!/usr/bin/env bash
# A/B comparison of two builds of librocketmq against the zero-latency
# responder (benches/nullbroker.c), the way docs/benchmark.md compares
# builds: alternating runs, because this kind of machine is noisy and figures
# from another hour say little.
#
#   scripts/bench-ab.sh OLD.so NEW.so [PAIRS] [MODES]
#
#   OLD.so, NEW.so  two librocketmq.so files: A (old) and B (new)
#   PAIRS           number of A/B pairs (default 5)
#   MODES           comma-separated paths (default async,oneway,sync):
#                     async, oneway, sync          the rmq_* API (one message reused)
#                     fresh-async, fresh-oneway    the rmq_* API with an rmq_message created
#                                                  and freed per send (bench --fresh-message)
#                     legacy-async, legacy-oneway, legacy-sync
#                                                  the legacy C API (bench --api legacy:
#                                                  a CMessage created and destroyed per send)
#                     raw1, raw64                  the bare socket, no library (bench --mode
#                                                  raw --inflight 1 / 64; the same in A and B)
#                   "all" means every one of them.
#
# Environment (optional):
#   ASYNC_COUNT (1000000), ONEWAY_COUNT (200000), SYNC_COUNT (20000)
#                   measured messages per run of each mode (docs/benchmark.md's counts;
#                   raw64 runs ASYNC_COUNT, raw1 SYNC_COUNT)
#   BENCH_AB_OUT    also write the JSON lines (with "lib" and "pair" added) to this file
#   RUN_TIMEOUT     seconds one bench run may take before it is killed (default 180)
#
# What it does: copies A and B into their own directories of a temporary
# work directory, builds examples-c/bench once per copy with the project's
# Makefile (LIBDIR=<that directory>, so each binary's rpath names its own
# copy), checks with ldd and with the loader's own trace (LD_DEBUG) that each
# binary loads its own copy and that the copy has the source file's SHA-256,
# builds nullbroker, starts it on free 127.0.0.1 ports, then runs PAIRS
# pairs: in each pair every mode once with A and once with B (A first in
# odd pairs, B first in even ones, so a drift of the machine during the
# pair does not favour one side). Bench runs with LD_LIBRARY_PATH and
# LD_PRELOAD unset. Prints each run, then mean and median of async CPU per
# message, oneway CPU per message and sync p50 latency for A and B, and
# B/A; then, per side, the ratios the speed issue asks about when their
# paths ran: legacy-async / async CPU, legacy-async / fresh-async CPU (the
# two APIs with the same message per send), fresh-async / async CPU (what a
# message per send costs), async / raw64 CPU, oneway / raw64 CPU, sync p50 /
# raw1 p50. nullbroker and the work directory are removed on exit.
#
# Both bench binaries are compiled from this checkout's examples-c/bench.c
# and include/rocketmq.h, so A and B must export the functions bench calls.
# Prerequisites: cc, make, python3, ldd. Exit status: 0 when every run
# succeeded, 1 when a run failed or some messages failed, 2 on bad usage or
# setup errors.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 4 ] || usage
case "$1" in -h|--help) usage ;; esac

lib_a_src=$1
lib_b_src=$2
pairs=${3:-5}
modes_arg=${4:-async,oneway,sync}
async_count=${ASYNC_COUNT:-1000000}
oneway_count=${ONEWAY_COUNT:-200000}
sync_count=${SYNC_COUNT:-20000}
run_timeout=${RUN_TIMEOUT:-180}

die() { echo "bench-ab: $*" >&2; exit 2; }
is_count() { [[ $1 =~ ^[1-9][0-9]{0,8}$ ]]; }

for f in "$lib_a_src" "$lib_b_src"; do
  [ -f "$f" ] || die "no such library: $f"
done
is_count "$pairs" && [ "$pairs" -le 100 ] || die "PAIRS must be 1..100, got '$pairs'"
for v in "$async_count" "$oneway_count" "$sync_count" "$run_timeout"; do
  is_count "$v" || die "counts and RUN_TIMEOUT must be positive integers, got '$v'"
done
all_modes=raw1,raw64,async,oneway,sync,fresh-async,fresh-oneway,legacy-async,legacy-oneway,legacy-sync
[ "$modes_arg" = all ] && modes_arg=$all_modes
IFS=, read -r -a modes <<< "$modes_arg"
[ ${#modes[@]} -ge 1 ] || die "no mode given"
for m in "${modes[@]}"; do
  [[ ",$all_modes," == *",$m,"* ]] || die "unknown mode '$m' (one of $all_modes)"
done
for tool in cc make python3 ldd readelf sha256sum timeout; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

root=$(cd "$(dirname "$0")/.." && pwd)
lib_a_src=$(realpath "$lib_a_src")
lib_b_src=$(realpath "$lib_b_src")

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-ab.XXXXXX")
nb_pid=""
run_pid=""
cleanup() {
  if [ -n "$run_pid" ]; then
    kill "$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
  fi
  if [ -n "$nb_pid" ]; then
    kill "$nb_pid" 2>/dev/null || true
    wait "$nb_pid" 2>/dev/null || true
    nb_pid=""
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- one directory, one copy of the library and one bench binary per side ---
for side in a b; do
  src_var="lib_${side}_src"
  src=${!src_var}
  mkdir -p "$work/$side"
  cp "$src" "$work/$side/librocketmq.so"
  ln -s librocketmq.so "$work/$side/librocketmq.so.0" # the SONAME programs load
  if ! make -s -C "$root/examples-c" LIBDIR="$work/$side" OUT="$work/$side/bin" \
       "$work/$side/bin/bench" > "$work/$side/make.log" 2>&1; then
    cat "$work/$side/make.log" >&2
    die "building bench against $src failed"
  fi
done
make -s -C "$root/examples-c" OUT="$work/bin" "$work/bin/nullbroker" > "$work/make-nb.log" 2>&1 \
  || { cat "$work/make-nb.log" >&2; die "building nullbroker failed"; }

# --- check that each binary really loads its own copy ---
# The Makefile links with -rpath, which this toolchain records as RUNPATH:
# LD_LIBRARY_PATH would override it, hence every run below unsets it.
for side in a b; do
  src_var="lib_${side}_src"
  src=${!src_var}
  want="$work/$side/librocketmq.so.0"
  bin="$work/$side/bin/bench"
  [ "$(sha256sum < "$src")" = "$(sha256sum < "$want")" ] || die "copy of $src differs from it"
  readelf -d "$want" | grep -q 'SONAME.*\[librocketmq\.so\.0\]' || die "$src has no SONAME librocketmq.so.0"
  got=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd "$bin" | awk '$1 == "librocketmq.so.0" { print $3 }')
  [ "$got" = "$want" ] || die "ldd: $bin resolves librocketmq.so to '$got', not $want"
  # The loader's own trace of a real start (bench --help exits after loading).
  trace=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD LD_DEBUG=libs "$bin" --help 2>&1 >/dev/null || true)
  loaded=$(printf '%s\n' "$trace" | sed -n 's/.*calling init: \(.*librocketmq\.so\.0\)$/\1/p' | sort -u)
  [ "$loaded" = "$want" ] || die "LD_DEBUG: $bin loaded '$loaded', not $want"
  echo "${side^^} = $src (sha256 $(sha256sum < "$src" | cut -c1-12)), loaded by its bench from $want"
done

# --- the null responder on free ports, bounded by the longest the runs may take ---
nmodes=${#modes[@]}
nb_limit=$(( pairs * nmodes * 2 * (run_timeout + 10) + 60 ))
timeout "$nb_limit" "$work/bin/nullbroker" 0 0 > "$work/nb.out" 2> "$work/nb.err" &
nb_pid=$!
namesrv=""
for _ in $(seq 100); do
  namesrv=$(sed -n 's/^NULLBROKER_NAMESRV=//p' "$work/nb.out")
  [ -n "$namesrv" ] && grep -q '^NULLBROKER_BROKER=' "$work/nb.out" && break
  kill -0 "$nb_pid" 2>/dev/null || { cat "$work/nb.err" >&2; die "nullbroker exited"; }
  sleep 0.05
done
[ -n "$namesrv" ] || die "nullbroker did not report its ports"
case "$namesrv" in 127.0.0.1:*) ;; *) die "nullbroker reported '$namesrv'" ;; esac
echo "nullbroker: NameServer $namesrv, Broker $(sed -n 's/^NULLBROKER_BROKER=//p' "$work/nb.out")"
echo "pairs $pairs, modes ${modes[*]}; counts: async $async_count, oneway $oneway_count, sync $sync_count"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

results="$work/results.jsonl"
: > "$results"
status=0

run_one() { # side pair mode
  local side=$1 pair=$2 mode=$3 count line rc=0 args
  case "$mode" in
    async|fresh-async|legacy-async) count=$async_count ;;
    oneway|fresh-oneway|legacy-oneway) count=$oneway_count ;;
    sync|legacy-sync) count=$sync_count ;;
    raw1) count=$sync_count ;;
    raw64) count=$async_count ;;
  esac
  case "$mode" in
    legacy-*) args=(--mode "${mode#legacy-}" --api legacy) ;;
    fresh-*) args=(--mode "${mode#fresh-}" --fresh-message) ;;
    raw1) args=(--mode raw --inflight 1) ;;
    raw64) args=(--mode raw --inflight 64) ;;
    *) args=(--mode "$mode") ;;
  esac
  # In the background and waited for, so that a signal to this script stops the run at once.
  env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout "$run_timeout" \
    "$work/$side/bin/bench" --namesrv "$namesrv" "${args[@]}" --count "$count" \
    > "$work/run.out" 2> "$work/run.err" &
  run_pid=$!
  wait "$run_pid" || rc=$?
  run_pid=""
  line=$(head -n 1 "$work/run.out")
  if [ "$rc" -ne 0 ]; then
    echo "pair $pair ${side^^} $mode: bench exit status $rc$( [ "$rc" -eq 124 ] && echo " (timed out)")" >&2
    tail -n 5 "$work/run.err" >&2
    status=1
    if [ "$rc" -eq 2 ]; then exit 2; fi  # usage/setup error: every other run would fail the same way
  fi
  if [ -z "$line" ]; then
    status=1
    return 0
  fi
  if ! printf '%s\n' "$line" | python3 -c '
import json, sys
side, pair, out, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
r = json.loads(sys.stdin.readline())
r["lib"], r["pair"], r["path"] = side, pair, path
with open(out, "a") as f:
    f.write(json.dumps(r, separators=(",", ":")) + "\n")
lat = r["lat_us"]
p50 = "p50 %7.1f us" % lat["p50"] if lat else "p50       -   "
print("pair %2d %s %-13s %11.1f msgs/s  CPU %6.2f us/msg  %s  failed %d"
      % (pair, side, path, r["msgs_per_sec"], r["cpu_us_per_msg"], p50, r["failed"]))
' "${side^^}" "$pair" "$results" "$mode"; then
    echo "pair $pair ${side^^} $mode: bench printed no JSON line: $line" >&2
    status=1
  fi
}

for pair in $(seq "$pairs"); do
  if [ $(( pair % 2 )) -eq 1 ]; then order="a b"; else order="b a"; fi
  for mode in "${modes[@]}"; do
    for side in $order; do
      run_one "$side" "$pair" "$mode"
    done
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_AB_OUT:-}" ]; then cp "$results" "$BENCH_AB_OUT"; fi

python3 - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
paths = ["raw1", "raw64", "async", "oneway", "sync", "fresh-async", "fresh-oneway",
         "legacy-async", "legacy-oneway", "legacy-sync"]
metrics = [(p, "cpu_us_per_msg", p + " CPU us/msg") for p in paths]
metrics += [(p, "p50", p + " p50 us") for p in ("raw1", "sync", "legacy-sync")]
metrics += [(p, "msgs_per_sec", p + " msgs/s") for p in paths]
def value(r, key):
    if key == "p50":
        return r["lat_us"]["p50"] if r["lat_us"] else None
    return r[key]
print("%-24s %5s %10s %10s %10s %10s %8s %8s %9s" %
      ("", "pairs", "A mean", "A median", "B mean", "B median", "B/A mean", "B/A med", "B/A pairs"))
for mode, key, label in metrics:
    by = {}
    for r in rows:
        if r["path"] == mode and r["failed"] == 0:
            v = value(r, key)
            if v is not None:
                by.setdefault(r["pair"], {})[r["lib"]] = v
    full = {p: d for p, d in by.items() if "A" in d and "B" in d}
    if not full:
        continue
    a = [d["A"] for d in full.values()]
    b = [d["B"] for d in full.values()]
    ratios = [d["B"] / d["A"] for d in full.values() if d["A"]]
    ma, mb = statistics.mean(a), statistics.mean(b)
    da, db = statistics.median(a), statistics.median(b)
    print("%-24s %5d %10.6g %10.6g %10.6g %10.6g %8.3f %8.3f %9s" %
          (label, len(full), ma, da, mb, db, mb / ma if ma else float("nan"),
           db / da if da else float("nan"),
           "%.3f" % statistics.median(ratios) if ratios else "-"))
print("(B/A pairs: median over pairs of B/A within the pair; runs with failed messages are left out)")
print()
# Ratios between paths of one side, each taken within a pair (the runs of a
# pair are minutes apart at most), then the median over pairs.
ratios = [("legacy-async", "async", "cpu_us_per_msg", "legacy-async / async CPU"),
          ("legacy-oneway", "oneway", "cpu_us_per_msg", "legacy-oneway / oneway CPU"),
          ("legacy-async", "fresh-async", "cpu_us_per_msg", "legacy-async / fresh-async CPU"),
          ("legacy-oneway", "fresh-oneway", "cpu_us_per_msg", "legacy-oneway / fresh-oneway CPU"),
          ("fresh-async", "async", "cpu_us_per_msg", "fresh-async / async CPU"),
          ("async", "raw64", "cpu_us_per_msg", "async / raw64 CPU"),
          ("oneway", "raw64", "cpu_us_per_msg", "oneway / raw64 CPU"),
          ("sync", "raw1", "p50", "sync p50 / raw1 p50"),
          ("legacy-sync", "raw1", "p50", "legacy-sync p50 / raw1 p50")]
cell = {}
for r in rows:
    if r["failed"] == 0:
        cell[(r["lib"], r["pair"], r["path"])] = r
for num, den, key, label in ratios:
    line = []
    for side in ("A", "B"):
        rs = []
        for (s, p, path), r in cell.items():
            if s == side and path == num and (s, p, den) in cell:
                a, b = value(r, key), value(cell[(s, p, den)], key)
                if a is not None and b:
                    rs.append(a / b)
        if rs:
            line.append("%s %.3f (%d pairs)" % (side, statistics.median(rs), len(rs)))
    if line:
        print("%-33s %s" % (label, "   ".join(line)))
failed = [r for r in rows if r["failed"]]
if failed:
    print("runs with failed messages: " + ", ".join("pair %d %s %s (%d)" % (r["pair"], r["lib"], r["mode"], r["failed"]) for r in failed))
EOF
exit "$status"
