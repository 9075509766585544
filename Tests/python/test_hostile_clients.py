"""clusterd against hostile and broken clients, over raw Unix sockets.

Run by Scripts/test with CLUSTERD_BIN (and CLUSTERCTL, for the demo data) pointing at the built
binaries. Each test starts its own daemon in a temporary directory and attacks it the way a buggy
or malicious local client could:

* a flood of connections: 1,000 idle ones must not starve a new client, and past
  --max-connections the extra ones are refused with org.clusterd.Registry.TooManyConnections
  instead of queueing for ever;
* a client that pipelines calls with big replies and never reads them: the daemon's memory must
  stay bounded, others must be served, and --write-timeout must end the connection;
* a Watch stream whose reader stalls: writers must never wait for it, and --write-timeout must
  end it with a log line that says so;
* a 1 GiB message: refused with org.clusterd.Registry.TooLarge after about
  --max-message-bytes, not buffered;
* many connections pushing large calls without reading: each is held at --connection-byte-limit,
  all together at --server-byte-budget, and a small client is still served;
* slow-loris connections trickling an endless message: --idle-timeout must close them, while a
  slow but valid client is still answered.

Every check asserts measured numbers (latencies, daemon RSS from /proc, byte counts, times until
the daemon closes a connection), so each test fails when the daemon gives in.
"""

import atexit
import fcntl
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time
import unittest

from clusterd_process import wait_until_accepting

CLUSTERD = os.environ.get("CLUSTERD_BIN")
CLUSTERCTL = os.environ.get("CLUSTERCTL")

MiB = 1 << 20
GiB = 1 << 30

GET_INFO = b'{"method":"org.varlink.service.GetInfo"}\0'
DESCRIBE_REGISTRY = (
    b'{"method":"org.varlink.service.GetInterfaceDescription",'
    b'"parameters":{"interface":"org.clusterd.Registry"}}\0'
)
WATCH_FROM_START = b'{"method":"org.clusterd.Registry.Watch","parameters":{"from_seq":0},"more":true}\0'
# A write the daemon refuses (no such cluster), answered on the connection's event loop, not by its task.
JOIN_UNKNOWN_CLUSTER = (
    b'{"method":"org.clusterd.Registry.JoinCluster",'
    b'"parameters":{"cluster":"no-such-cluster","siren":"732829320","date":"2020-01-01"}}\0'
)

# poll() events that mean the daemon is gone from a connection (closed it, or shut down its
# sending side), whether or not unread data is still queued for us.
PEER_GONE = select.POLLHUP | select.POLLERR | select.POLLRDHUP


class Daemon:
    """A clusterd process serving a socket in a fresh temporary directory.

    `flags` are added to its command line; `open_files` lowers its soft RLIMIT_NOFILE (as systemd
    and most login sessions set it) instead of letting it inherit this process's raised one.
    """

    # Daemons not stopped yet; killed at exit if a run is cut short before its cleanups.
    running = set()

    def __init__(self, *flags, open_files=None):
        if not CLUSTERD or not os.access(CLUSTERD, os.X_OK):
            raise RuntimeError("set CLUSTERD_BIN to the built clusterd executable")
        self.directory = tempfile.mkdtemp(prefix="clusterd-hostile.")
        self.socket_path = os.path.join(self.directory, "clusterd.sock")
        self.stderr_path = os.path.join(self.directory, "clusterd.err")
        self._stderr = open(self.stderr_path, "w")
        command = [CLUSTERD, "--state-dir", os.path.join(self.directory, "state"), "--socket", self.socket_path, *flags]
        try:
            self.process = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                preexec_fn=None if open_files is None else lambda: _lower_open_file_limit(open_files),
            )
            Daemon.running.add(self)
            if not wait_until_accepting(self.process, self.socket_path):
                raise RuntimeError(f"clusterd did not start ({' '.join(command[1:])}):\n{self.log()}")
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self):
        return self.process.pid

    def rss(self):
        """Resident memory of the daemon, in bytes."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS in /proc/PID/status")

    def open_file_limits(self):
        """The daemon's (soft, hard) RLIMIT_NOFILE, from /proc/PID/limits."""
        with open(f"/proc/{self.pid}/limits") as limits:
            for line in limits:
                if line.startswith("Max open files"):
                    soft, hard = line.split()[3:5]
                    return _limit_value(soft), _limit_value(hard)
        raise AssertionError("no 'Max open files' in /proc/PID/limits")

    def log(self):
        with open(self.stderr_path, errors="replace") as stderr:
            return stderr.read()

    def load_demo(self):
        if not CLUSTERCTL or not os.access(CLUSTERCTL, os.X_OK):
            raise RuntimeError("set CLUSTERCTL to the built clusterctl executable")
        subprocess.run(
            [CLUSTERCTL, "--socket", self.socket_path, "demo", "load"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def stop(self):
        """SIGTERM, then the exit code (None if it had to be killed). Always removes the directory."""
        code = None
        try:
            if getattr(self, "process", None) is not None:
                if self.process.poll() is None:
                    self.process.send_signal(signal.SIGTERM)
                try:
                    code = self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            Daemon.running.discard(self)
            self._stderr.close()
            shutil.rmtree(self.directory, ignore_errors=True)
        return code


@atexit.register
def _stop_leftover_daemons():
    for daemon in list(Daemon.running):
        daemon.process.kill()
        daemon.stop()


def _lower_open_file_limit(soft):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _limit_value(text):
    return resource.RLIM_INFINITY if text == "unlimited" else int(text)


class Peer:
    """A blocking Varlink connection that sends raw bytes and reads NUL-terminated replies."""

    def __init__(self, sock, timeout=5.0):
        sock.setblocking(True)
        sock.settimeout(timeout)
        self.socket = sock
        self._buffer = b""

    @classmethod
    def connect(cls, path, timeout=5.0):
        return cls(connect_unix(path, timeout), timeout)

    def send(self, data):
        self.socket.sendall(data)

    def reply(self):
        while b"\0" not in self._buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise AssertionError("the daemon closed the connection before a reply")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method, parameters=None):
        """Calls `method`; returns the reply and how long it took, in seconds."""
        message = {"method": method}
        if parameters is not None:
            message["parameters"] = parameters
        started = time.monotonic()
        self.send(json.dumps(message).encode() + b"\0")
        reply = self.reply()
        return reply, time.monotonic() - started

    def close(self):
        self.socket.close()


def connect_unix(path, timeout=5.0):
    """A connected socket with `timeout`. A Unix socket whose backlog is full refuses a
    non-blocking connect with EAGAIN instead of waiting: retry until `timeout`."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.connect(path)
            return sock
        except BlockingIOError:
            if time.monotonic() > deadline:
                sock.close()
                raise
            time.sleep(0.005)
        except BaseException:
            sock.close()
            raise


def send_until_full(sock, message, count, stall=0.5):
    """Pipelines up to `count` copies of `message` on non-blocking `sock`, never reading, and stops
    when the daemon has taken nothing for `stall` seconds. Returns the number of whole messages sent."""
    sock.setblocking(False)
    data = memoryview(message * count)
    offset = 0
    while offset < len(data):
        try:
            offset += sock.send(data[offset : offset + 65536])
        except BlockingIOError:
            _, writable, _ = select.select([], [sock], [], stall)
            if not writable:
                break
    return offset // len(message)


def wait_until_peer_gone(sock, timeout):
    """Seconds until the daemon closes `sock`, without reading from it; None if it did not in time."""
    poller = select.poll()
    poller.register(sock, PEER_GONE)
    started = time.monotonic()
    if poller.poll(timeout * 1000):
        return time.monotonic() - started
    return None


def drain_to_end(sock, timeout=10.0):
    """Reads what is queued on `sock` as fast as possible and returns its size; fails unless the
    connection then ends (end of file or reset) within `timeout` seconds."""
    sock.setblocking(True)
    sock.settimeout(timeout)
    drained = 0
    while True:
        try:
            chunk = sock.recv(MiB)
        except ConnectionResetError:
            return drained
        except TimeoutError:
            raise AssertionError(f"the connection was still open after draining {drained} bytes") from None
        if not chunk:
            return drained
        drained += len(chunk)


def queued_bytes(sock):
    """Bytes received on `sock` and not yet read."""
    return int.from_bytes(fcntl.ioctl(sock, termios.FIONREAD, b"\0\0\0\0"), "little")


def siren(prefix):
    """A valid SIREN: the 8-digit `prefix` and its Luhn check digit."""
    for check in range(10):
        digits = [int(d) for d in f"{prefix:08d}{check}"]
        total = sum(d if i % 2 == 0 else (2 * d if d < 5 else 2 * d - 9) for i, d in enumerate(reversed(digits)))
        if total % 10 == 0:
            return f"{prefix:08d}{check}"
    raise AssertionError("no check digit")


class DaemonTestCase(unittest.TestCase):
    def start_daemon(self, *flags, open_files=None):
        daemon = Daemon(*flags, open_files=open_files)
        # Cleanups run last-in first-out: the sockets a test opens later are closed before the
        # daemon is stopped, so it never waits for a hostile connection at shutdown.
        self.addCleanup(lambda: self.assertEqual(daemon.stop(), 0, "clusterd did not stop cleanly on SIGTERM"))
        return daemon

    def peer(self, daemon, timeout=5.0):
        peer = Peer.connect(daemon.socket_path, timeout)
        self.addCleanup(peer.close)
        return peer

    def raw_socket(self, daemon, timeout=5.0):
        sock = connect_unix(daemon.socket_path, timeout)
        self.addCleanup(sock.close)
        return sock

    def get_info(self, daemon):
        """GetInfo on a new connection, closed afterwards: the reply and the seconds it took."""
        peer = Peer.connect(daemon.socket_path)
        try:
            return peer.call("org.varlink.service.GetInfo")
        finally:
            peer.close()

    def assertServedQuickly(self, daemon, limit, what="a new client"):
        reply, elapsed = self.get_info(daemon)
        self.assertEqual(reply.get("parameters", {}).get("product"), "clusterd", f"{what}: {reply}")
        self.assertLess(elapsed, limit, f"{what} waited {elapsed:.3f} s for GetInfo")

    def assertMemoryGrowthBelow(self, daemon, before, limit):
        growth = daemon.rss() - before
        self.assertLess(growth, limit, f"the daemon's RSS grew by {growth / MiB:.1f} MiB")


class ConnectionFloodTests(DaemonTestCase):
    CONNECTIONS = 1000
    # The soft limit most daemons start with (systemd's default, most login sessions).
    USUAL_SOFT_LIMIT = 1024

    @classmethod
    def setUpClass(cls):
        cls._saved_limit = resource.getrlimit(resource.RLIMIT_NOFILE)
        soft, hard = cls._saved_limit
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if wanted < cls.CONNECTIONS + 100:
            raise unittest.SkipTest(f"the hard limit on open files ({hard}) is too low for {cls.CONNECTIONS} connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    @classmethod
    def tearDownClass(cls):
        resource.setrlimit(resource.RLIMIT_NOFILE, cls._saved_limit)

    def open_connections(self, daemon, count):
        sockets = []
        self.addCleanup(lambda: [sock.close() for sock in sockets])
        for _ in range(count):
            sockets.append(connect_unix(daemon.socket_path))
        return sockets

    def test_daemon_raises_its_open_file_soft_limit(self):
        daemon = self.start_daemon(open_files=self.USUAL_SOFT_LIMIT)
        soft, hard = daemon.open_file_limits()
        if hard != resource.RLIM_INFINITY and hard <= self.USUAL_SOFT_LIMIT:
            self.skipTest(f"the hard limit ({hard}) leaves nothing to raise")
        # With 1024 it could not even hold its default --max-connections 1024.
        self.assertEqual(soft, hard, f"started with a soft limit of {self.USUAL_SOFT_LIMIT}, clusterd kept {soft} (hard {hard})")

    def test_a_thousand_idle_connections_do_not_starve_a_new_client(self):
        daemon = self.start_daemon(open_files=self.USUAL_SOFT_LIMIT)
        idle = self.open_connections(daemon, self.CONNECTIONS)

        self.assertServedQuickly(daemon, 1.0, f"a new client next to {self.CONNECTIONS} idle connections")
        for index in (0, self.CONNECTIONS // 2, self.CONNECTIONS - 1):
            reply, elapsed = Peer(idle[index]).call("org.varlink.service.GetInfo")
            self.assertIn("parameters", reply, f"idle connection {index}: {reply}")
            self.assertLess(elapsed, 1.0, f"idle connection {index} waited {elapsed:.3f} s for GetInfo")
        descriptors = len(os.listdir(f"/proc/{daemon.pid}/fd"))
        self.assertGreaterEqual(descriptors, self.CONNECTIONS, "the daemon does not hold the idle connections")

    def test_connections_past_the_limit_are_refused_with_an_error(self):
        limit = 100
        daemon = self.start_daemon("--max-connections", str(limit), open_files=self.USUAL_SOFT_LIMIT)
        # Let the start-up probe's and this check's connections be forgotten, so that they do not count.
        self.assertServedQuickly(daemon, 1.0)
        time.sleep(0.2)
        sockets = self.open_connections(daemon, self.CONNECTIONS)

        # The refused ones get an error reply and the end of the connection; the kept ones nothing.
        poller = select.poll()
        by_descriptor = {}
        for sock in sockets:
            sock.setblocking(False)
            poller.register(sock, select.POLLIN | PEER_GONE)
            by_descriptor[sock.fileno()] = sock
        received = {}
        ended = set()
        deadline = time.monotonic() + 10
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 1.0:
            events = poller.poll(100)
            if events:
                quiet_since = time.monotonic()
            for descriptor, _ in events:
                sock = by_descriptor[descriptor]
                try:
                    chunk = sock.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if chunk:
                    received[descriptor] = received.get(descriptor, b"") + chunk
                else:
                    ended.add(descriptor)
                    poller.unregister(descriptor)

        kept = [sock for descriptor, sock in by_descriptor.items() if descriptor not in ended]
        self.assertEqual(len(kept), limit, f"{len(kept)} of {self.CONNECTIONS} connections kept with --max-connections {limit}")
        silent, unclosed = len(ended - set(received)), len(set(received) - ended)
        self.assertEqual((silent, unclosed), (0, 0), "(closed without a reply, answered without being closed)")
        for descriptor in ended:
            reply = json.loads(received[descriptor].split(b"\0")[0])
            self.assertEqual(reply, {"error": "org.clusterd.Registry.TooManyConnections", "parameters": {"limit": limit}})

        for sock in kept[:3]:
            reply, elapsed = Peer(sock).call("org.varlink.service.GetInfo")
            self.assertIn("parameters", reply)
            self.assertLess(elapsed, 1.0)

        for sock in sockets:
            sock.close()
        # The daemon forgets the closed connections asynchronously: allow it a moment.
        deadline = time.monotonic() + 3
        while True:
            reply, _ = self.get_info(daemon)
            if "parameters" in reply or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertIn("parameters", reply, "a new connection is still refused after the others closed")


class HitAndRunTests(DaemonTestCase):
    """Clients that connect and leave at once, some before the daemon has set their connection up.

    Such a connection once stayed registered for ever (its task never heard that the peer had
    left): each one took a slot of --max-connections until none was left, and shutdown waited for
    it until its grace period ran out.
    """

    def test_connections_closed_at_once_do_not_use_up_the_limit(self):
        daemon = self.start_daemon("--max-connections", "5")
        for _ in range(400):
            connect_unix(daemon.socket_path).close()
        # Every slot must be free again (once the daemon has seen the last ones leave): five
        # clients at once are all served.
        deadline = time.monotonic() + 5
        while True:
            peers = [Peer.connect(daemon.socket_path) for _ in range(5)]
            try:
                replies = [peer.call("org.varlink.service.GetInfo")[0] for peer in peers]
                if all(reply.get("parameters", {}).get("product") == "clusterd" for reply in replies):
                    break
                failure = replies
            except OSError as error:
                failure = error
            finally:
                for peer in peers:
                    peer.close()
            self.assertLess(time.monotonic(), deadline, f"slots still taken by clients long gone: {failure}")
            time.sleep(0.1)

    # A client in a process of its own, started with the daemon: it connects as soon as the socket
    # accepts, leaves at once, and asks the daemon to stop. Caught the bug about one start in
    # thirty here; sixty starts take about ten seconds.
    HIT_AND_RUN = """
import os, signal, socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
while True:
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.connect(path)
        sock.close()
        break
    except OSError:
        sock.close()
        time.sleep(0.005)
os.kill(pid, signal.SIGINT)
"""

    def test_the_daemon_stops_at_once_after_a_hit_and_run(self):
        for attempt in range(60):
            directory = tempfile.mkdtemp(prefix="clusterd-hit.")
            try:
                socket_path = os.path.join(directory, "clusterd.sock")
                process = subprocess.Popen(
                    [CLUSTERD, "--state-dir", os.path.join(directory, "state"), "--socket", socket_path],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
                try:
                    subprocess.run([sys.executable, "-c", self.HIT_AND_RUN, socket_path, str(process.pid)], check=True, timeout=30)
                    code = process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.fail(f"start {attempt}: clusterd did not stop within 5 s of SIGINT after a client left at once")
                finally:
                    if process.poll() is None:
                        process.kill()
                        process.wait()
                self.assertEqual(code, 0, f"start {attempt}")
            finally:
                shutil.rmtree(directory, ignore_errors=True)


class NonReadingClientTests(DaemonTestCase):
    PIPELINED = 20000

    def fill(self, daemon, message):
        """A connection with as many calls pipelined as the daemon takes, none read."""
        hog = self.raw_socket(daemon)
        sent = send_until_full(hog, message, self.PIPELINED)
        # The daemon reads ahead a few dozen calls; the rest waits in the socket (about 2,000 fit).
        self.assertGreater(sent, 200, f"only {sent} calls pipelined before the socket was full")
        return hog

    def check_memory_stays_bounded_and_others_are_served(self, message):
        daemon = self.start_daemon()
        self.peer(daemon).call("org.varlink.service.GetInterfaceDescription", {"interface": "org.clusterd.Registry"})
        before = daemon.rss()

        self.fill(daemon, message)
        time.sleep(0.5)
        for _ in range(3):
            self.assertServedQuickly(daemon, 1.0, "a client next to one that does not read")
        self.assertMemoryGrowthBelow(daemon, before, 30 * MiB)

    def check_connection_is_closed_after_the_write_timeout(self, message):
        daemon = self.start_daemon("--write-timeout", "2")
        before = daemon.rss()

        hog = self.fill(daemon, message)
        elapsed = wait_until_peer_gone(hog, 10)
        self.assertIsNotNone(elapsed, "a connection that read nothing for 10 s is still open with --write-timeout 2")
        drain_to_end(hog)
        self.assertServedQuickly(daemon, 1.0)
        self.assertMemoryGrowthBelow(daemon, before, 30 * MiB)

    def test_memory_stays_bounded_and_others_are_served(self):
        self.check_memory_stays_bounded_and_others_are_served(DESCRIBE_REGISTRY)

    def test_connection_is_closed_after_the_write_timeout(self):
        self.check_connection_is_closed_after_the_write_timeout(DESCRIBE_REGISTRY)

    # Writes are answered on the event loop while the connection is between calls: their replies
    # must be held back just the same.
    def test_memory_stays_bounded_with_writes_answered_on_the_event_loop(self):
        self.check_memory_stays_bounded_and_others_are_served(JOIN_UNKNOWN_CLUSTER)

    def test_connection_writing_without_reading_is_closed_after_the_write_timeout(self):
        self.check_connection_is_closed_after_the_write_timeout(JOIN_UNKNOWN_CLUSTER)


class StalledWatchTests(DaemonTestCase):
    def stalled_watcher(self, daemon):
        watcher = self.raw_socket(daemon)
        watcher.sendall(WATCH_FROM_START)
        # The demo log is megabytes of events: the daemon fills the socket (tens of KiB, as each
        # event is a write of its own) and must then wait.
        deadline = time.monotonic() + 5
        queued = -1
        while time.monotonic() < deadline:
            time.sleep(0.2)
            previous, queued = queued, queued_bytes(watcher)
            if queued == previous and queued >= 16 * 1024:
                return watcher
        self.fail(f"the daemon did not fill the watcher's socket: {queued} bytes queued")

    def write(self, writer, number):
        """Registers company `number`, checking it is acknowledged within a second (the demo
        network's SIRENs run from 300000000 to 308000000, these from 800000000)."""
        reply, elapsed = writer.call(
            "org.clusterd.Registry.RegisterCompany",
            {"siren": siren(80_000_000 + number), "name": f"Stalled watch {number}", "naf": "62.01Z", "department": "75", "employees": 12},
        )
        self.assertIn("seq", reply.get("parameters", {}), f"write {number}: {reply}")
        self.assertLess(elapsed, 1.0, f"write {number} waited {elapsed:.3f} s next to a stalled Watch")

    def test_writers_are_not_blocked(self):
        daemon = self.start_daemon()
        daemon.load_demo()
        before = daemon.rss()

        self.stalled_watcher(daemon)
        writer = self.peer(daemon)
        status, _ = writer.call("org.clusterd.Registry.GetStatus")
        for number in range(30):
            self.write(writer, number)
        reply, elapsed = writer.call("org.clusterd.Registry.GetStatus")
        self.assertEqual(reply["parameters"]["last_seq"], status["parameters"]["last_seq"] + 30, reply)
        self.assertLess(elapsed, 1.0)
        self.assertMemoryGrowthBelow(daemon, before, 30 * MiB)

    def test_watcher_is_disconnected_after_the_write_timeout(self):
        daemon = self.start_daemon("--write-timeout", "2")
        daemon.load_demo()
        before = daemon.rss()

        watcher = self.stalled_watcher(daemon)
        writer = self.peer(daemon)
        started = time.monotonic()
        number = 0
        while wait_until_peer_gone(watcher, 0.1) is None:
            self.assertLess(time.monotonic() - started, 10, "a Watch that read nothing for 10 s is still open with --write-timeout 2")
            self.write(writer, number)
            number += 1
        drain_to_end(watcher)

        deadline = time.monotonic() + 2
        while "stopped reading" not in daemon.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("stopped reading", daemon.log(), "the daemon did not log why it closed the Watch")
        self.write(writer, number)
        self.assertMemoryGrowthBelow(daemon, before, 30 * MiB)


class HugeMessageTests(DaemonTestCase):
    def test_a_gibibyte_message_is_refused_early(self):
        daemon = self.start_daemon("--max-message-bytes", str(MiB))
        before = daemon.rss()

        sock = self.raw_socket(daemon)
        sock.setblocking(False)
        chunk = memoryview(b"x" * MiB)
        sent = 0
        answer = b""
        refused_by = None
        while sent < GiB and refused_by is None:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                answer += data
                if not data or b"\0" in answer:
                    refused_by = "reply" if answer else "end of connection"
            elif writable:
                try:
                    sent += sock.send(chunk[sent % MiB :])
                except (BrokenPipeError, ConnectionResetError) as error:
                    refused_by = type(error).__name__
            else:
                self.fail(f"the daemon neither read nor answered for 5 s, after {sent / MiB:.1f} MiB")

        self.assertIsNotNone(refused_by, "the daemon took a whole GiB without a word")
        self.assertLess(sent, 64 * MiB, f"refused ({refused_by}) only after {sent / MiB:.1f} MiB")
        if answer:
            reply = json.loads(answer.split(b"\0")[0])
            self.assertEqual(reply.get("error"), "org.clusterd.Registry.TooLarge", reply)
            self.assertEqual(reply["parameters"].get("limit"), MiB, reply)
        sock.close()
        self.assertMemoryGrowthBelow(daemon, before, 32 * MiB)
        self.assertServedQuickly(daemon, 1.0)


class SlowLorisTests(DaemonTestCase):
    # The idle clock runs from the last complete message, so a whole message must arrive within
    # the timeout: 2 s would cut off the byte-by-byte GetInfo below (42 bytes, 0.05 s apart).
    IDLE_TIMEOUT = 3
    TRICKLERS = 50

    def test_trickling_connections_are_closed_and_others_are_served(self):
        daemon = self.start_daemon("--idle-timeout", str(self.IDLE_TIMEOUT))
        normal = self.peer(daemon)
        poller = select.poll()
        open_ = {}
        for _ in range(self.TRICKLERS):
            sock = self.raw_socket(daemon)
            sock.setblocking(False)
            poller.register(sock, select.POLLIN | PEER_GONE)
            open_[sock.fileno()] = sock
        endless = b'{"method":"org.varlink.service.GetInfo","parameters":{"padding":"' + b"a" * 100_000

        started = time.monotonic()
        closed_after = []
        latencies = []
        position = 0
        while open_ and time.monotonic() - started < 10:
            tick = time.monotonic()
            for descriptor, sock in list(open_.items()):
                try:
                    sock.send(endless[position : position + 1])
                except (BrokenPipeError, ConnectionResetError):
                    closed_after.append(time.monotonic() - started)
                    del open_[descriptor]
            position += 1
            for descriptor, event in poller.poll(0):
                if descriptor not in open_:
                    continue
                try:
                    gone = bool(event & PEER_GONE) or not open_[descriptor].recv(65536)
                except BlockingIOError:
                    gone = False
                except ConnectionResetError:
                    gone = True
                if gone:
                    closed_after.append(time.monotonic() - started)
                    del open_[descriptor]
                    poller.unregister(descriptor)
            reply, elapsed = normal.call("org.varlink.service.GetInfo")
            self.assertIn("parameters", reply)
            latencies.append(elapsed)
            time.sleep(max(0.0, 0.2 - (time.monotonic() - tick)))

        self.assertEqual(len(open_), 0, f"{len(open_)} of {self.TRICKLERS} trickling connections still open after 10 s")
        self.assertLess(max(closed_after), 6.0, f"the last trickling connection was closed after {max(closed_after):.2f} s")
        self.assertGreaterEqual(len(latencies), 10)
        self.assertLess(max(latencies), 0.5, f"the normal client waited up to {max(latencies):.3f} s")

    def test_a_valid_message_sent_byte_by_byte_is_answered(self):
        daemon = self.start_daemon("--idle-timeout", str(self.IDLE_TIMEOUT))
        peer = self.peer(daemon)
        for byte in GET_INFO:
            peer.send(bytes([byte]))
            time.sleep(0.05)
        reply = peer.reply()
        self.assertEqual(reply.get("parameters", {}).get("product"), "clusterd", reply)


def push_without_reading(socks, data, stall=1.0, limit=30.0):
    """Sends `data` on every non-blocking socket in `socks`, never reading, until the daemon has
    taken nothing more from any of them for `stall` seconds. Returns the bytes each one sent."""
    for sock in socks:
        sock.setblocking(False)
    sent = [0] * len(socks)
    last_progress = time.monotonic()
    deadline = last_progress + limit
    while time.monotonic() - last_progress < stall and time.monotonic() < deadline:
        progressed = False
        for index, sock in enumerate(socks):
            if sent[index] >= len(data):
                continue
            try:
                sent[index] += sock.send(data[sent[index] : sent[index] + 65536])
                progressed = True
            except BlockingIOError:
                pass
        if progressed:
            last_progress = time.monotonic()
        else:
            time.sleep(0.02)
    return sent


class ByteBudgetTests(DaemonTestCase):
    """Clients that push large calls and read nothing hold at most the daemon's byte budgets:
    their connections stop being read, the daemon's memory stays bounded, and others are served."""

    CONNECTIONS = 40
    MESSAGE_LIMIT = 4 * MiB
    BUDGET = 32 * MiB

    def test_clients_pushing_large_messages_are_held_at_the_budget_and_others_are_served(self):
        daemon = self.start_daemon("--max-message-bytes", str(self.MESSAGE_LIMIT), "--server-byte-budget", str(self.BUDGET))
        self.assertServedQuickly(daemon, 1.0)
        before = daemon.rss()
        # Each sends most of a call of nearly the largest size and never ends it: the daemon cannot
        # answer it, only hold it. Without budgets it would hold 40 × 4 MiB = 160 MiB.
        message = b'{"method":"org.clusterd.Registry.GetCompany","parameters":{"siren":"' + b"1" * (self.MESSAGE_LIMIT - 100)
        hogs = [self.raw_socket(daemon) for _ in range(self.CONNECTIONS)]
        sent = push_without_reading(hogs, message)
        # What the daemon took is what was sent minus what waits in the kernel's socket buffers.
        in_kernel = sum(queued_bytes_unsent(hog) for hog in hogs)
        taken = sum(sent) - in_kernel
        bound = self.BUDGET + self.CONNECTIONS * (16 + 64 + 32) * 1024
        self.assertLess(taken, bound, f"the daemon took {taken / MiB:.1f} MiB from clients that read nothing (budget {self.BUDGET / MiB:.0f} MiB)")
        self.assertGreater(taken, self.BUDGET // 2, f"the daemon took only {taken / MiB:.1f} MiB: the test pushed too little to prove anything")
        for _ in range(3):
            self.assertServedQuickly(daemon, 1.0, "a client next to 40 that push without reading")
        self.assertMemoryGrowthBelow(daemon, before, self.BUDGET + 48 * MiB)
        held = daemon.rss()
        # Once they leave, their bytes go back to the budget: a call larger than a connection's
        # allowance is read and answered again; and the memory goes back to the system (it once
        # stayed resident after they closed).
        for hog in hogs:
            hog.close()
        deadline = time.monotonic() + 10
        while daemon.rss() - before > (held - before) / 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertLess(daemon.rss() - before, (held - before) / 3,
                        f"the daemon kept {(daemon.rss() - before) / MiB:.1f} MiB of the {(held - before) / MiB:.1f} MiB "
                        "its closed connections held")
        peer = self.peer(daemon)
        reply, elapsed = peer.call("org.clusterd.Registry.GetCompany", {"siren": "1" * (256 * 1024)})
        self.assertEqual(reply.get("error"), "org.clusterd.Registry.InvalidArgument", reply)
        self.assertLess(elapsed, 2.0)

    def test_one_connection_is_held_at_its_own_limit(self):
        daemon = self.start_daemon("--max-message-bytes", str(MiB))
        message = b'{"method":"org.clusterd.Registry.GetCompany","parameters":{"siren":"' + b"1" * (8 * MiB)
        hog = self.raw_socket(daemon)
        sent = push_without_reading([hog], message)[0]
        # Past the largest message the daemon refuses the call and closes; it never held more.
        taken = sent - queued_bytes_unsent(hog)
        self.assertLess(taken, MiB + 256 * 1024, f"the daemon read {taken / MiB:.1f} MiB of a call limited to 1 MiB")


def queued_bytes_unsent(sock):
    """Bytes written on `sock` that the peer has not read yet (still in the kernel)."""
    try:
        return int.from_bytes(fcntl.ioctl(sock, termios.TIOCOUTQ, b"\0\0\0\0"), "little")
    except OSError:
        return 0


if __name__ == "__main__":
    unittest.main(verbosity=2)
