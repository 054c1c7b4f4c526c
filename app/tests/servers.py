"""Helpers that start and watch real servers on loopback for the tests."""
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

APP_DIR = Path(__file__).resolve().parents[1]
ROOT = APP_DIR.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def wait_for_http(url, status=200, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            last = requests.get(url, timeout=2)
            if last.status_code == status:
                return last
        except requests.RequestException as err:
            last = err
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {status} within {timeout} s; last: {last}")


def ferretdb_binary():
    candidates = [os.environ.get("FERRETDB_BIN"), str(ROOT / ".cache" / "tools" / "ferretdb"), shutil.which("ferretdb")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("FerretDB not found: run scripts/install-ferretdb.sh or set FERRETDB_BIN")


class FerretDB:
    """A FerretDB on a free loopback port with its SQLite files in `data_dir`."""

    def __init__(self, data_dir, port=None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.process = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "ferretdb.log", "ab")
        self.process = subprocess.Popen(
            [
                ferretdb_binary(),
                "--handler=sqlite",
                f"--sqlite-url=file:{self.data_dir}/",
                f"--listen-addr=127.0.0.1:{self.port}",
                f"--debug-addr=127.0.0.1:{free_port()}",
                f"--state-dir={self.data_dir}",
                "--telemetry=disable",
                "--log-level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
