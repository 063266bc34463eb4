#!/usr/bin/env bash
# Where one bench path's CPU goes, thread by thread: the bench against the
# zero-latency responder (benches/nullbroker.c) under `perf record`
# (software cpu-clock samples, so it works without hardware counters, as
# in most VMs and containers), then, from the samples, each thread's share
# of the process's CPU, the part of it spent in the kernel, and its
# hottest functions. docs/benchmark.md ("Where the CPU goes, thread by
# thread") shows what it found.
#
#   scripts/bench-profile.sh MODE [COUNT] [LIB.so] [-- BENCH-ARGS...]
#
#   MODE       a bench path: async, oneway, sync, legacy-async, legacy-oneway,
#              legacy-sync, fresh-async, fresh-oneway, raw64, raw1, pull, push
#   COUNT      messages (default 1000000; 20000 for sync paths and raw1)
#   LIB.so     the library to profile (default target/release/librocketmq.so;
#              build it first with cargo build --release --lib); its symbols
#              name the functions (a stripped copy shows addresses only)
#   BENCH-ARGS more bench options, e.g. --set ioBusyPollMicros=0
#
# Environment (optional): TOP (15) functions listed per thread; FREQ (10000)
# samples per second per CPU; PERF_DATA, a file to keep the samples in (for
# perf report or perf annotate afterwards; default: removed on exit).
#
# Prerequisites: cc, make, perf (Debian: apt-get install linux-perf) allowed
# to sample this user's processes (kernel.perf_event_paranoid at most 2).
# Perf samples cost CPU themselves: msgs/s and CPU per message are lower
# and higher than in plain bench runs; the shares are what to read.
# Exit status: 0 when the run succeeded with no failed message, 1
# otherwise, 2 on bad usage or setup errors. nullbroker is stopped and the
# work directory removed on exit.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
mode=$1
shift
count=""
lib=$root/target/release/librocketmq.so
if [ $# -gt 0 ] && [ "$1" != "--" ]; then count=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then lib=$1; shift; fi
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || usage
  shift
fi
extra=("$@")
top=${TOP:-15}
freq=${FREQ:-10000}

die() { echo "bench-profile: $*" >&2; exit 2; }
case "$mode" in
  async|oneway|sync) args=(--mode "$mode") ;;
  legacy-async|legacy-oneway|legacy-sync) args=(--mode "${mode#legacy-}" --api legacy) ;;
  fresh-async|fresh-oneway) args=(--mode "${mode#fresh-}" --fresh-message) ;;
  raw64) args=(--mode raw --inflight 64) ;;
  raw1) args=(--mode raw --inflight 1) ;;
  pull|push) args=(--mode "$mode") ;;
  *) die "unknown MODE '$mode' (see --help)" ;;
esac
case "$mode" in
  sync|legacy-sync|raw1) count=${count:-20000} ;;
  *) count=${count:-1000000} ;;
esac
[[ $count =~ ^[1-9][0-9]*$ ]] || die "COUNT must be a positive number, got '$count'"
[[ $top =~ ^[1-9][0-9]*$ ]] || die "TOP must be a positive number, got '$top'"
[[ $freq =~ ^[1-9][0-9]*$ ]] || die "FREQ must be a positive number, got '$freq'"
[ -f "$lib" ] || die "no library $lib (cargo build --release --lib)"
for tool in cc make timeout awk; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
command -v perf >/dev/null || die "perf not found (Debian: sudo apt-get install linux-perf)"

# shellcheck source=bench-lib.sh
source "$root/scripts/bench-lib.sh"
bench_setup bench-profile "$lib" 900
data=${PERF_DATA:-$work/perf.data}

# Only the bench process is sampled (not nullbroker); -g keeps call chains
# for a later `perf report -i PERF_DATA`.
if ! timeout 600 perf record -q -e cpu-clock -F "$freq" -g -o "$data" -- \
    "$work/bin/bench" --namesrv "$namesrv" "${args[@]}" --count "$count" ${extra[@]+"${extra[@]}"} \
    > "$work/bench.out" 2> "$work/bench.err"; then
  cat "$work/bench.err" >&2
  if grep -qi "perf_event_paranoid\|permission" "$work/bench.err"; then
    die "perf may not sample here (kernel.perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo unknown))"
  fi
  echo "bench-profile: the bench run failed" >&2
  exit 1
fi
result=$(tail -n 1 "$work/bench.out")
echo "bench: $result"

# Per thread (as TID:name): share of the process, kernel part, hottest
# functions; perf lists the rows by share, largest first.
perf report -i "$data" --no-children --sort pid,sym -g none --stdio 2>/dev/null \
  | awk -v top="$top" '
    /^#/ || NF < 3 { next }
    {
      pct = $1; sub(/%$/, "", pct); comm = $2
      kernel = ($3 == "[k]")
      sym = ""; for (i = 4; i <= NF; i++) sym = sym (i > 4 ? " " : "") $i
      total[comm] += pct; if (kernel) kern[comm] += pct
      n[comm]++
      if (n[comm] <= top) lines[comm] = lines[comm] sprintf("    %6.2f%%  %s %s\n", pct, kernel ? "[kernel]" : "        ", sym)
    }
    END {
      # Threads by share, largest first.
      k = 0; for (c in total) order[++k] = c
      for (i = 2; i <= k; i++)
        for (j = i; j > 1 && total[order[j]] > total[order[j - 1]]; j--) {
          t = order[j]; order[j] = order[j - 1]; order[j - 1] = t
        }
      printf "\nthreads (share of the process CPU in the samples; kernel part):\n"
      for (i = 1; i <= k; i++) printf "  %-24s %6.2f%%  kernel %6.2f%%\n", order[i], total[order[i]], kern[order[i]]
      for (i = 1; i <= k; i++)
        printf "\n%s, its hottest functions (share of the process CPU):\n%s", order[i], lines[order[i]]
    }'

if [ -n "${PERF_DATA:-}" ]; then
  echo
  echo "samples kept in $data (perf report -i $data; perf annotate -i $data SYMBOL)"
fi
case "$result" in
  *'"failed":0,'*) exit 0 ;;
  *) echo "bench-profile: messages failed" >&2; exit 1 ;;
esac
