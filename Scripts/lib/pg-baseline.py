#!/usr/bin/env python3
"""PostgreSQL baseline for durable single-row writes, for Scripts/bench.

Usage: python3 Scripts/lib/pg-baseline.py [--seconds N] [--warmup N] [--dir PARENT]

Creates a throwaway cluster in a temporary directory (under --dir, else $TMPDIR, else
/var/tmp: a real disk, not a tmpfs), starts `postgres` on a Unix socket in that directory
only (no TCP), and runs pgbench with a custom script in which each transaction inserts one
row, close to a RegisterCompany event, into

    companies (siren char(9) PRIMARY KEY, name text, employees int, joined date)

with the key taken from a sequence, so that keys never collide. It measures 1 client, then
8 clients, each for --seconds after a short warm-up, and prints one JSON line per figure,
in the shape of the other figures of Scripts/bench (keys name, value, unit, note):

    postgres_1_client_writes, postgres_1_client_p50, postgres_1_client_p99,
    postgres_8_clients_writes, postgres_8_clients_p50, postgres_8_clients_p99

Throughput is pgbench's tps (without connection time); p50 and p99 come from pgbench's
per-transaction latency log. The server runs with PostgreSQL's default durability settings
(fsync=on, synchronous_commit=on, the default wal_sync_method); the note of each figure
states the values read back from the server.

PostgreSQL refuses to run as root: as root, every PostgreSQL program runs as the `postgres`
system user (created by the Debian package) through setpriv, and the temporary directory is
given to that user. As any other user, they run directly. The binaries are taken from the
newest /usr/lib/postgresql/<version>/bin (the Debian layout), else from PATH. When they are
missing, the script exits with status 3 and asks for `apt-get install postgresql`.
The server is stopped and the temporary directory removed in all cases.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAMS = ("initdb", "postgres", "pg_ctl", "pg_isready", "psql", "pgbench")
MISSING_STATUS = 3
SYSTEM_USER = "postgres"
DATABASE = "postgres"

SCHEMA = """
CREATE SEQUENCE siren_seq;
CREATE TABLE companies (
    siren char(9) PRIMARY KEY,
    name text NOT NULL,
    employees int NOT NULL,
    joined date
);
"""

# One transaction = one INSERT of one row (pgbench wraps nothing: autocommit).
PGBENCH_SCRIPT = """\\set employees random(1, 5000)
INSERT INTO companies (siren, name, employees, joined)
VALUES (lpad(nextval('siren_seq')::text, 9, '0'), 'Company of client ' || :client_id, :employees, CURRENT_DATE);
"""


def fail(message: str, status: int = 1) -> None:
    print(f"pg-baseline: error: {message}", file=sys.stderr)
    sys.exit(status)


def find_binaries() -> dict[str, Path]:
    """The PostgreSQL programs of the newest installed version."""
    candidates = []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = [entry for entry in root.iterdir() if re.fullmatch(r"\d+(\.\d+)?", entry.name)]
        for version in sorted(versions, key=lambda entry: tuple(int(part) for part in entry.name.split(".")), reverse=True):
            candidates.append(version / "bin")
    for directory in candidates:
        if all((directory / program).is_file() for program in PROGRAMS):
            return {program: directory / program for program in PROGRAMS}
    found = {program: shutil.which(program) for program in PROGRAMS}
    if all(found.values()):
        return {program: Path(path) for program, path in found.items()}
    fail("PostgreSQL server programs not found (looked in /usr/lib/postgresql/<version>/bin and PATH); "
         "install them with: apt-get install postgresql", MISSING_STATUS)
    raise AssertionError  # unreachable


def on_tmpfs(path: Path) -> bool:
    """Whether path lives on a tmpfs (where fsync measures nothing)."""
    best, fstype = "", ""
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) >= 3:
                    mount_point = fields[1].replace("\\040", " ")
                    if (str(path) + "/").startswith(mount_point.rstrip("/") + "/") and len(mount_point) >= len(best):
                        best, fstype = mount_point, fields[2]
    except OSError:
        return False
    return fstype == "tmpfs"


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory, reachable on a Unix socket there."""

    def __init__(self, binaries: dict[str, Path], parent: Path):
        self.bin = binaries
        self.as_root = os.geteuid() == 0
        self.prefix: list[str] = []
        self.owner: pwd.struct_passwd | None = None
        if self.as_root:
            try:
                self.owner = pwd.getpwnam(SYSTEM_USER)
            except KeyError:
                fail(f"running as root, but there is no `{SYSTEM_USER}` system user to run PostgreSQL as "
                     "(the Debian package creates it: apt-get install postgresql)", MISSING_STATUS)
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                fail("running as root, and setpriv (util-linux) is missing to drop to the postgres user")
            self.prefix = [setpriv, f"--reuid={self.owner.pw_uid}", f"--regid={self.owner.pw_gid}", "--init-groups", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="pg-baseline.", dir=parent))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.server: subprocess.Popen | None = None
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        # A clean environment: no PG* variable from the caller may redirect a program elsewhere.
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        self.env.update(HOME=str(self.dir), LC_ALL="C", PGHOST=str(self.dir), PGDATABASE=DATABASE)

    def run(self, program: str, *args: str, capture: bool = True, check: bool = True) -> subprocess.CompletedProcess:
        command = [*self.prefix, str(self.bin[program]), *args]
        result = subprocess.run(command, cwd=self.dir, env=self.env, text=True,
                                stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                                stderr=subprocess.PIPE if capture else subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed with status {result.returncode}:\n"
                               f"{(result.stdout or '')}{(result.stderr or '')}".rstrip())
        return result

    def write_file(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        return path

    def start(self) -> None:
        if self.prefix and subprocess.run([*self.prefix, "test", "-w", str(self.dir)], env=self.env).returncode != 0:
            raise RuntimeError(f"the {SYSTEM_USER} user cannot reach {self.dir}; pass --dir with a directory it can enter")
        self.run("initdb", "-D", str(self.data), "--auth=trust", "--encoding=UTF8", "--locale=C")
        with open(self.log, "wb") as log:
            self.server = subprocess.Popen(
                [*self.prefix, str(self.bin["postgres"]), "-D", str(self.data), "-k", str(self.dir),
                 "-c", "listen_addresses=", "-c", f"unix_socket_directories={self.dir}"],
                cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while self.run("pg_isready", "-q", "-h", str(self.dir), check=False).returncode != 0:
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not start; its log:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def sql(self, statement: str) -> str:
        result = self.run("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir), "-d", DATABASE,
                          "-c", statement)
        return result.stdout.strip()

    def stop(self) -> None:
        """Stops the server (fast shutdown, then SIGKILL if it hangs) and removes the directory."""
        try:
            if self.server is not None and self.server.poll() is None:
                self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", check=False)
                try:
                    self.server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.server.pid, signal.SIGKILL)
                    self.server.wait()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    index = max(0, math.ceil(fraction * len(sorted_values)) - 1)
    return sorted_values[index]


def measure(cluster: Cluster, script: Path, clients: int, seconds: int, warmup: int) -> dict:
    common = ["-n", "-f", str(script), "-c", str(clients), "-j", str(clients), "-M", "prepared",
              "-h", str(cluster.dir), DATABASE]
    if warmup > 0:
        cluster.run("pgbench", "-T", str(warmup), *common)
    cluster.sql("CHECKPOINT")
    prefix = f"latency_{clients}"
    result = cluster.run("pgbench", "-T", str(seconds), "--log", f"--log-prefix={prefix}", *common)
    tps = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", result.stdout, re.MULTILINE)
    processed = re.search(r"^number of transactions actually processed: (\d+)", result.stdout, re.MULTILINE)
    failed = re.search(r"^number of failed transactions: (\d+)", result.stdout, re.MULTILINE)
    latencies: list[float] = []
    for log in sorted(cluster.dir.glob(f"{prefix}.*")):
        with open(log) as lines:
            for line in lines:
                # client_id transaction_no time(µs) script_no time_epoch time_us [...]
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(float(fields[2]))
        log.unlink()
    if not latencies or tps is None:
        raise RuntimeError(f"pgbench gave no figures:\n{result.stdout}{result.stderr}")
    latencies.sort()
    return {"tps": float(tps.group(1)), "transactions": int(processed.group(1)) if processed else len(latencies),
            "failed": int(failed.group(1)) if failed else 0,
            "p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per client count (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each measurement (default 2)")
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR") or "/var/tmp"),
                        help="parent of the temporary cluster directory (default $TMPDIR, else /var/tmp)")
    options = parser.parse_args()
    if options.seconds < 1 or options.warmup < 0:
        parser.error("--seconds must be ≥ 1 and --warmup ≥ 0")
    if not options.dir.is_dir():
        parser.error(f"--dir {options.dir} is not a directory")

    binaries = find_binaries()
    # Stopping the server and removing the directory on SIGTERM as well as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parent = options.dir.resolve()
    if on_tmpfs(parent):
        print(f"pg-baseline: warning: {parent} is a tmpfs, fsync costs nothing there; pass --dir on a disk",
              file=sys.stderr)
    cluster = Cluster(binaries, parent)
    try:
        cluster.start()
        cluster.sql(SCHEMA)
        script = cluster.write_file("insert.sql", PGBENCH_SCRIPT)
        version = cluster.sql("SHOW server_version").split()[0]
        settings = ", ".join(f"{name}={cluster.sql(f'SHOW {name}')}"
                             for name in ("fsync", "synchronous_commit", "wal_sync_method", "full_page_writes"))
        for clients in (1, 8):
            result = measure(cluster, script, clients, options.seconds, options.warmup)
            label = f"postgres_{clients}_client{'s' if clients > 1 else ''}"
            note = (f"PostgreSQL {version}, default settings ({settings}); pgbench -M prepared over a Unix socket, "
                    f"{clients} client{'s' if clients > 1 else ''}, one single-row INSERT per transaction, "
                    f"{result['transactions']} transactions in {options.seconds} s after {options.warmup} s warm-up"
                    + (f", {result['failed']} failed" if result["failed"] else ""))
            for figure in ({"name": f"{label}_writes", "value": result["tps"], "unit": "writes/s", "note": note},
                           {"name": f"{label}_p50", "value": result["p50"], "unit": "µs", "note": note},
                           {"name": f"{label}_p99", "value": result["p99"], "unit": "µs", "note": note}):
                print(json.dumps(figure, sort_keys=True), flush=True)
    except RuntimeError as error:
        fail(str(error))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
