#!/usr/bin/env python3
"""Draws the chart at the top of docs/benchmark.md from bench JSON lines.

    scripts/bench-chart.py RUNS.jsonl OUT.png

RUNS.jsonl holds the one-line JSON results of examples-c/bench as
scripts/bench-suite.sh writes them, each with the "label" of its path.
The chart shows the paths raw1, raw64 (the bare socket, 1 / 64 in flight),
sync, legacy-sync, async, legacy-async, oneway, legacy-oneway (the rmq_* and
the legacy C API) and pull, push (the consumers); the scaling and busy-poll
runs are left out (docs/benchmark.md has them in a table).
Each group's bar is the median of its repetitions, with a line from the
smallest to the largest. Two panels, both on log scales: messages per second
and CPU microseconds per message.

Needs matplotlib (pip install matplotlib). Exit status 0, or 2 on bad usage
or when no run matches a group.
"""

import json
import statistics
import sys

GROUPS = [
    ("socket\n1 in flight", "raw1"),
    ("socket\n64 in flight", "raw64"),
    ("native\nsync", "sync"),
    ("legacy\nsync", "legacy-sync"),
    ("native\nasync", "async"),
    ("legacy\nasync", "legacy-async"),
    ("native\noneway", "oneway"),
    ("legacy\noneway", "legacy-oneway"),
    ("pull\nconsumer", "pull"),
    ("push\nconsumer", "push"),
]

COLOURS = {"socket": "#9e9e9e", "native": "#1f77b4", "legacy": "#ff7f0e", "pull": "#2ca02c", "push": "#2ca02c"}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    runs = []
    with open(argv[1], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                runs.append(json.loads(line))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, mps, cpu = [], [], []
    for name, label in GROUPS:
        rs = [r for r in runs if r.get("label") == label and r.get("failed", 0) == 0]
        if not rs:
            print(f"bench-chart: no run for {name!r}", file=sys.stderr)
            return 2
        names.append(name)
        mps.append([r["msgs_per_sec"] for r in rs])
        cpu.append([r["cpu_us_per_msg"] for r in rs])

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.6))
    colours = [COLOURS[n.split("\n")[0].split(" ")[0]] for n in names]
    x = range(len(names))
    for ax, values, title in (
        (ax1, mps, "messages per second (log scale, higher is better)"),
        (ax2, cpu, "CPU µs per message (log scale, lower is better)"),
    ):
        med = [statistics.median(v) for v in values]
        ax.bar(x, med, color=colours)
        ax.vlines(x, [min(v) for v in values], [max(v) for v in values], colors="black", linewidth=1)
        for i, m in enumerate(med):
            label = f"{m / 1000:.0f}k" if ax is ax1 else f"{m:.2f}"
            ax.annotate(label, (i, m), ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    ax1.set_yscale("log")
    ax2.set_yscale("log")
    size = runs[0].get("size", 1024)
    fig.suptitle(
        f"librocketmq against the zero-latency responder, {size}-byte bodies, one producer thread\n"
        "grey: bare socket (no library), blue: rmq_* API, orange: legacy C API, green: consumers; "
        "bars are medians, lines min–max",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
