#!/usr/bin/env python3
"""Sums a TornadoVM profiler dump (-Dtornado.profiler=true -Dtornado.profiler.dump.dir=FILE) by task.

The dump is one JSON object per task-graph execution, appended. Usage:
    profile_summary.py FILE EPOCHS [SKIP]
prints, per task (operation and layer, as grokcap names them), its kernel time summed over every
execution, divided by EPOCHS (the epochs the run made, warm-up included: kernel times do not include
compilation, so every epoch counts the same), largest first, then per-graph data transfers. Graphs
whose name contains SKIP (default "upload|download", the plan rebuilds) are left out of the task table.
"""
import json
import re
import sys
from collections import defaultdict


def executions(text):
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i] not in '{':
            i += 1
        if i >= len(text):
            return
        obj, i = dec.raw_decode(text, i)
        yield obj


def main():
    path, epochs = sys.argv[1], int(sys.argv[2])
    skip = re.compile(sys.argv[3] if len(sys.argv) > 3 else "upload|download")
    kernel = defaultdict(int)
    runs = defaultdict(int)
    graph_time = defaultdict(int)
    transfer = defaultdict(int)
    graph_runs = defaultdict(int)
    with open(path) as f:
        text = f.read()
    for ex in executions(text):
        for graph, fields in ex.items():
            if not isinstance(fields, dict):
                continue
            graph_runs[graph] += 1
            graph_time[graph] += int(fields.get("TOTAL_TASK_GRAPH_TIME", 0))
            transfer[graph] += int(fields.get("COPY_IN_TIME", 0)) + int(fields.get("COPY_OUT_TIME", 0))
            if skip.search(graph):
                continue
            for task, t in fields.items():
                if isinstance(t, dict) and "TASK_KERNEL_TIME" in t:
                    name = task.split(".", 1)[1] if "." in task else task
                    name = re.sub(r"__s\d+$", "", name)  # the graph's number
                    name = re.sub(r"_\d+$", "", name)  # a repeated name (_2, _3) counts with the first
                    kernel[name] += int(t["TASK_KERNEL_TIME"])
                    runs[name] += 1
    total = sum(kernel.values())
    print(f"kernel time per epoch, {epochs} epochs, {total / epochs / 1e6:.1f} ms in all")
    print(f"{'task':44s} {'ms/epoch':>10s} {'share':>7s} {'launches/epoch':>15s}")
    for name, ns in sorted(kernel.items(), key=lambda kv: -kv[1]):
        print(f"{name:44s} {ns / epochs / 1e6:10.2f} {100.0 * ns / total:6.1f}% {runs[name] / epochs:15.1f}")
    print()
    print(f"{'graph':30s} {'runs':>6s} {'graph ms/epoch':>15s} {'copy in+out ms/epoch':>21s}")
    for g in sorted(graph_runs):
        print(f"{g:30s} {graph_runs[g]:6d} {graph_time[g] / epochs / 1e6:15.2f} {transfer[g] / epochs / 1e6:21.2f}")


if __name__ == "__main__":
    main()
