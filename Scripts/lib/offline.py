"""Offline `clusterctl --log PATH stats` and a year's audit report on a log, beside `cat` (used by Scripts/bench).

    offline.py CLUSTERCTL LOG ROUNDS LABEL YEAR DESCRIPTION

prints three figures as JSON lines, offline_stats_LABEL, audit_report_year_LABEL (the report of
YEAR) and audit_report_year_LABEL_peak_rss; the rounds are interleaved, so that a slow moment of
the machine falls on all three.
"""

import json
import os
import statistics
import subprocess
import sys
import time


def timed(command):
    """Seconds from start to exit, and the process's peak resident memory in MiB (wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    return elapsed, usage.ru_maxrss / 1024


def main():
    clusterctl, log, rounds, label, year, description = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
    period = ["--from", f"{year}-01-01", "--to", f"{year}-12-31"]
    stats_runs, report_runs, cat_runs = [], [], []
    for _ in range(rounds):
        stats_runs.append(timed([clusterctl, "--log", log, "stats", "--json"]))
        report_runs.append(timed([clusterctl, "--log", log, "audit", "report", *period, "--format", "json"]))
        cat_runs.append(timed(["cat", log]))
    median = lambda runs, index: statistics.median(run[index] for run in runs)
    stats, report, cat = median(stats_runs, 0), median(report_runs, 0), median(cat_runs, 0)
    listed = lambda runs: ", ".join(f"{run[0] * 1000:,.0f}" for run in runs)
    figures = [
        {"name": f"offline_stats_{label}", "value": stats * 1000, "unit": "ms", "baseline_name": "cat PATH > /dev/null", "baseline": cat * 1000,
         "note": f"{description}; median of {rounds}, process start to exit ({listed(stats_runs)}); peak RSS {median(stats_runs, 1):,.1f} MiB"},
        {"name": f"audit_report_year_{label}", "value": report * 1000, "unit": "ms", "baseline_name": "clusterctl --log PATH stats", "baseline": stats * 1000,
         "note": f"clusterctl --log PATH audit report {' '.join(period)} --format json; median of {rounds}, interleaved with stats"},
        {"name": f"audit_report_year_{label}_peak_rss", "value": median(report_runs, 1), "unit": "MiB", "baseline_name": "clusterctl --log PATH stats",
         "baseline": median(stats_runs, 1), "note": "peak resident memory of the process (wait4 ru_maxrss), median of the rounds"},
    ]
    for figure in figures:
        print(json.dumps(figure, sort_keys=True))


main()
