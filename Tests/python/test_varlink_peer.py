"""clusterd seen from the reference Varlink implementation (the `varlink` package from PyPI).

Run by Scripts/test with CLUSTERD_BIN pointing at the built daemon. The Python client parses our
interface description with its own strict IDL parser and checks every reply against it, so these
tests fail if we serve anything another Varlink peer would not accept.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

import varlink

from clusterd_process import wait_until_accepting

CLUSTERD = os.environ.get("CLUSTERD_BIN")


class RunningDaemon:
    def __init__(self):
        if not CLUSTERD or not os.access(CLUSTERD, os.X_OK):
            raise RuntimeError("set CLUSTERD_BIN to the built clusterd executable")
        self.directory = tempfile.mkdtemp(prefix="clusterd-py.")
        self.socket_path = os.path.join(self.directory, "clusterd.sock")
        self.stderr = open(os.path.join(self.directory, "clusterd.err"), "w+")
        self.process = subprocess.Popen(
            [CLUSTERD, "--state-dir", os.path.join(self.directory, "state"), "--socket", self.socket_path],
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        if not wait_until_accepting(self.process, self.socket_path):
            self.process.kill()
            self.process.wait()
            self.stderr.seek(0)
            raise RuntimeError("clusterd did not start:\n" + self.stderr.read())
        self.address = "unix:" + self.socket_path

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.stderr.close()
        shutil.rmtree(self.directory, ignore_errors=True)
        return code


class VarlinkPeerTests(unittest.TestCase):
    def setUp(self):
        self.daemon = RunningDaemon()

    def tearDown(self):
        self.assertEqual(self.daemon.stop(), 0)

    def test_get_info_lists_the_registry_interface(self):
        with varlink.Client(address=self.daemon.address) as client:
            connection = client.open_connection()
            with client.open("org.varlink.service", connection=connection) as service:
                info = service.GetInfo()
        self.assertIn("org.clusterd.Registry", info["interfaces"])
        self.assertIn("org.varlink.service", info["interfaces"])
        self.assertEqual(info["product"], "clusterd")

    def test_the_strict_python_parser_reads_our_interface_description(self):
        with varlink.Client(address=self.daemon.address) as client:
            interface = client.get_interface("org.clusterd.Registry")
        self.assertEqual(interface.name, "org.clusterd.Registry")
        self.assertIn("GetStatus", interface.members)
        for error in ("InvalidArgument", "StorageFailure", "TooLarge", "PermissionDenied"):
            self.assertIn(error, interface.members)

    def test_get_status_replies_match_the_declared_types(self):
        with varlink.Client(address=self.daemon.address) as client:
            with client.open("org.clusterd.Registry") as registry:
                status = registry.GetStatus()
        self.assertEqual(status["last_seq"], 0)
        self.assertEqual(status["events"], 0)
        self.assertTrue(status["log_path"].endswith("/events.log"))
        self.assertIsInstance(status["replay_ms"], int)

    def test_unknown_interfaces_are_reported_as_such(self):
        with varlink.Client(address=self.daemon.address) as client:
            with self.assertRaises(varlink.InterfaceNotFound):
                client.get_interface("org.example.missing")

    def test_raw_protocol_errors_are_varlink_errors(self):
        peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        peer.connect(self.daemon.socket_path)
        peer.sendall(b'{"method":"org.clusterd.Registry.GetStatus","parameters":{"bogus":1}}\0')
        reply = json.loads(_read_message(peer))
        self.assertEqual(reply["error"], "org.varlink.service.InvalidParameter")
        self.assertEqual(reply["parameters"]["parameter"], "bogus")
        peer.sendall(b'{"method":"org.clusterd.Registry.GetStatus"}\0')
        reply = json.loads(_read_message(peer))
        self.assertEqual(reply["parameters"]["events"], 0)
        peer.close()


def _read_message(peer):
    data = b""
    while not data.endswith(b"\0"):
        chunk = peer.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a reply")
        data += chunk
    return data[:-1].decode()


if __name__ == "__main__":
    unittest.main(verbosity=2)
