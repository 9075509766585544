"""Starting clusterd as systemd does and timing it to READY=1 (used by Scripts/bench).

`start` runs the daemon with a $NOTIFY_SOCKET of its own and returns once the daemon has sent
READY=1 — the moment systemd would consider the service started — with the seconds it took from
exec; `stop` sends SIGTERM and requires exit status 0.
"""

import os
import signal
import socket
import subprocess
import sys
import time


def start(clusterd, state_dir, socket_path, notify_path, log_path, extra=()):
    """(process, seconds from exec to READY=1)."""
    if os.path.exists(notify_path):
        os.unlink(notify_path)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(120)
    began = time.perf_counter()
    process = subprocess.Popen([clusterd, "--state-dir", state_dir, "--socket", socket_path, "--log-level", "warning", *extra],
                               env=dict(os.environ, NOTIFY_SOCKET=notify_path), stderr=open(log_path, "a"))
    try:
        while b"READY=1" not in notify.recv(4096):
            pass
    finally:
        notify.close()
    return process, time.perf_counter() - began


def stop(process):
    """SIGTERM; exits the calling script unless the daemon ends with status 0."""
    process.send_signal(signal.SIGTERM)
    if process.wait(timeout=120) != 0:
        sys.exit(f"clusterd exited with status {process.returncode}")
