"""What both Python test files need to start clusterd: knowing when it serves."""

import socket
import time


def accepting(path):
    """Whether the Unix socket at `path` accepts a connection now."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def wait_until_accepting(process, path, timeout=30.0):
    """Waits until the daemon `process` accepts connections on `path`: True, or False once it has
    exited or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not accepting(path):
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
