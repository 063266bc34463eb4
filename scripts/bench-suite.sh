#!/usr/bin/env bash
# The figures at the top of docs/benchmark.md: every path of one build of
# librocketmq against the zero-latency responder (benches/nullbroker.c), in
# rounds, and the chart made from them.
#
#   scripts/bench-suite.sh OUT.jsonl [REPS] [LIB.so]
#
#   OUT.jsonl  the bench JSON lines, each with "label" (the path) and "rep"
#              added; OUT.png next to it is the chart (scripts/bench-chart.py,
#              which needs matplotlib: pip install matplotlib)
#   REPS       rounds (default 3); each round runs every path once, in the
#              order below, so that a drift of the machine touches all paths
#   LIB.so     the library to measure (default target/release/librocketmq.so;
#              build it first with cargo build --release)
#
# Paths (1 KiB bodies, one producer thread unless said):
#   raw1, raw64          the bare socket (bench --mode raw --inflight 1 / 64)
#   sync, async, oneway  the rmq_* API, one message reused
#   legacy-sync, legacy-async, legacy-oneway
#                        the legacy C API, a CMessage per send (bench --api legacy)
#   pull, push           the pull and push consumers (4 consume threads)
#   scale-sync-N         sync from N = 1, 2, 4, 8 caller threads
#   scale-async-N        async from N = 1, 4 caller threads
#   sync-no-busy-poll    sync with ioBusyPollMicros=0 (busy polling off; the
#                        default, 100 us, is on: the pair shows what it costs)
# Counts: ASYNC_COUNT (1000000) for async, raw64 and the consumers,
# ONEWAY_COUNT (200000), SYNC_COUNT (20000) for sync paths and raw1.
#
# Every run has RUN_TIMEOUT seconds (default 180). Prerequisites: cc, make,
# python3. Exit status: 0 when every run succeeded with no failed message,
# 1 otherwise, 2 on bad usage or setup errors. nullbroker is stopped and the
# work directory removed on exit.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || usage
case "$1" in -h|--help) usage ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
reps=${2:-3}
lib=${3:-$root/target/release/librocketmq.so}
async_count=${ASYNC_COUNT:-1000000}
oneway_count=${ONEWAY_COUNT:-200000}
sync_count=${SYNC_COUNT:-20000}
run_timeout=${RUN_TIMEOUT:-180}

die() { echo "bench-suite: $*" >&2; exit 2; }
[[ $reps =~ ^[1-9][0-9]?$ ]] || die "REPS must be 1..99, got '$reps'"
[ -f "$lib" ] || die "no library $lib (cargo build --release)"
for tool in cc make python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

# shellcheck source=bench-lib.sh
source "$root/scripts/bench-lib.sh"
bench_setup bench-suite "$lib" $(( reps * 30 * (run_timeout + 5) ))
echo "library $lib; nullbroker NameServer $namesrv; $reps rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"

: > "$out"
status=0
run() { # label rep bench-arguments...
  local label=$1 rep=$2 rc=0
  shift 2
  env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout "$run_timeout" \
    "$work/bin/bench" --namesrv "$namesrv" "$@" > "$work/run.out" 2> "$work/run.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "$label (round $rep): bench exit status $rc" >&2
    tail -n 5 "$work/run.err" >&2
    status=1
  fi
  head -n 1 "$work/run.out" | python3 -c '
import json, sys
label, rep, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
line = sys.stdin.readline()
if not line.strip():
    sys.exit(1)
r = json.loads(line)
r["label"], r["rep"] = label, rep
with open(out, "a") as f:
    f.write(json.dumps(r, separators=(",", ":")) + "\n")
lat = r["lat_us"]
print("%-16s round %d %11.1f msgs/s  CPU %6.2f us/msg  %s  failed %d" % (label, rep, r["msgs_per_sec"],
      r["cpu_us_per_msg"], "p50 %7.1f us" % lat["p50"] if lat else "               ", r["failed"]))
' "$label" "$rep" "$out" || { echo "$label (round $rep): no JSON line" >&2; status=1; }
}

for rep in $(seq "$reps"); do
  run raw1 "$rep" --mode raw --inflight 1 --count "$sync_count"
  run raw64 "$rep" --mode raw --inflight 64 --count "$async_count"
  run sync "$rep" --mode sync --count "$sync_count"
  run async "$rep" --mode async --count "$async_count"
  run oneway "$rep" --mode oneway --count "$oneway_count"
  run legacy-sync "$rep" --mode sync --api legacy --count "$sync_count"
  run legacy-async "$rep" --mode async --api legacy --count "$async_count"
  run legacy-oneway "$rep" --mode oneway --api legacy --count "$oneway_count"
  run pull "$rep" --mode pull --count "$async_count" --group "suite_pull_$rep"
  run push "$rep" --mode push --count "$async_count" --group "suite_push_$rep"
  for n in 1 2 4 8; do
    run "scale-sync-$n" "$rep" --mode sync --threads "$n" --count $(( sync_count * n ))
  done
  for n in 1 4; do
    run "scale-async-$n" "$rep" --mode async --threads "$n" --count "$async_count"
  done
  run sync-no-busy-poll "$rep" --mode sync --count "$sync_count" --set ioBusyPollMicros=0
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
labels = []
for r in rows:
    if r["label"] not in labels:
        labels.append(r["label"])
print("%-16s %6s %12s %12s %10s %10s" % ("path", "rounds", "msgs/s med", "CPU us med", "p50 us med", "failed"))
for label in labels:
    rs = [r for r in rows if r["label"] == label]
    p50 = [r["lat_us"]["p50"] for r in rs if r["lat_us"]]
    print("%-16s %6d %12.0f %12.2f %10s %10d" % (label, len(rs), statistics.median(r["msgs_per_sec"] for r in rs),
          statistics.median(r["cpu_us_per_msg"] for r in rs), "%.1f" % statistics.median(p50) if p50 else "-",
          sum(r["failed"] for r in rs)))
EOF

png="${out%.jsonl}.png"
if python3 -c 'import matplotlib' 2>/dev/null; then
  python3 "$root/scripts/bench-chart.py" "$out" "$png" && echo "chart: $png"
else
  echo "bench-suite: matplotlib is missing (pip install matplotlib): no chart" >&2
  status=1
fi
exit "$status"
