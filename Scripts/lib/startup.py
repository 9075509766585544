"""Start-up of clusterd on a log, without and with a snapshot (used by Scripts/bench).

    startup.py CLUSTERD WORK STATE ROUNDS LABEL DESCRIPTION

STATE is a state directory holding only events.log. Each round removes the snapshots, starts the
daemon (the whole log replayed), stops it (it writes a snapshot at shutdown), and starts it again
(from that snapshot); exec to READY=1 as systemd sees it, and the daemon's resident memory once
ready. Prints four figures as JSON lines, named with LABEL ("" for the 1,000,000-event log).
"""

import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readiness  # noqa: E402


def rss(process):
    return int(next(line for line in open(f"/proc/{process.pid}/status") if line.startswith("VmRSS")).split()[1]) / 1024


def main():
    clusterd, work, state, rounds, label, description = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]

    def start():
        return readiness.start(clusterd, state, os.path.join(work, "startup.sock"), os.path.join(work, "notify.sock"), os.path.join(work, "clusterd.log"))

    without, with_snapshot, memory, packed_memory, snapshot_bytes = [], [], [], [], 0
    for _ in range(rounds):
        for path in glob.glob(os.path.join(state, "snapshot-*")):
            os.remove(path)
        process, seconds = start()
        without.append(seconds * 1000)
        memory.append(rss(process))
        readiness.stop(process)  # writes a snapshot at shutdown: the whole log is new since the last one
        snapshot_bytes = sum(os.path.getsize(path) for path in glob.glob(os.path.join(state, "snapshot-*.bin")))
        process, seconds = start()
        with_snapshot.append(seconds * 1000)
        packed_memory.append(rss(process))
        readiness.stop(process)
    listed = lambda values: f"median of {rounds}: " + ", ".join(f"{value:,.0f}" for value in values)
    name = lambda text: text.format(label=f"_{label}" if label else "")
    figures = [
        {"name": name("startup{label}_without_snapshot"), "value": statistics.median(without), "unit": "ms",
         "note": f"{description}, exec to READY=1, the whole log read and replayed; {listed(without)}"},
        {"name": name("startup{label}_with_snapshot"), "value": statistics.median(with_snapshot), "unit": "ms", "baseline_name": "without a snapshot",
         "baseline": statistics.median(without),
         "note": f"the same log, from the snapshot written at the previous shutdown ({snapshot_bytes / 1048576:,.1f} MiB); {listed(with_snapshot)}"},
        {"name": name("daemon_rss{label}_after_replay"), "value": statistics.median(memory), "unit": "MiB",
         "note": f"{description}, once ready after replaying the whole log (rows held decoded); {listed(memory)}"},
        {"name": name("daemon_rss{label}_from_snapshot"), "value": statistics.median(packed_memory), "unit": "MiB",
         "baseline_name": "after a full replay", "baseline": statistics.median(memory),
         "note": f"the same daemon once ready from the snapshot of its last stop (companies and members packed); {listed(packed_memory)}"},
    ]
    for figure in figures:
        print(json.dumps(figure, sort_keys=True))


main()
