"""The README's first command, `bash scripts/try-local.sh`, run as a newcomer would:
it serves the API on port 5000 and leaves nothing behind on Ctrl-C."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from .servers import ROOT, listening_addresses, wait_for_http

pytestmark = pytest.mark.container
API = "http://127.0.0.1:5000"


def tryout_containers():
    return subprocess.run(["docker", "ps", "-aq", "--filter", "label=xpto.tryout=1"],
                          capture_output=True, text=True, check=True).stdout.split()


def children_named(parent_pid, name):
    """PIDs of the parent's child processes whose command line mentions `name`."""
    return subprocess.run(["pgrep", "-P", str(parent_pid), "-f", name], capture_output=True, text=True).stdout.split()


def alive(pid):
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


def test_try_local_serves_a_round_trip_and_cleans_up_on_ctrl_c(tmp_path):
    log_path = tmp_path / "try-local.log"
    with open(log_path, "wb") as log:
        # Started with SIGINT ignored, as anything started with `&` by a
        # non-interactive shell is (a CI runner, say): the script must still
        # clean up on Ctrl-C.
        process = subprocess.Popen(["bash", "scripts/try-local.sh"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "TRYOUT_MODE": "offline"},
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    databases = []
    try:
        wait_for_http(f"{API}/readyz", timeout=600, process=process)
        deadline = time.monotonic() + 30
        while "Ctrl-C stops" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        printed = log_path.read_text()
        assert f"The users API is up at {API}" in printed
        assert "curl -X POST" in printed
        created = requests.post(f"{API}/api/v1/users", json={"id": 1, "name": "Ana"}, timeout=5)
        assert created.status_code == 201
        assert requests.get(f"{API}/api/v1/users?id=1", timeout=5).json()[0]["name"] == "Ana"
        assert requests.delete(f"{API}/api/v1/users/1", timeout=5).status_code == 204
        assert tryout_containers(), "the API runs in a labelled container"
        databases = children_named(process.pid, "ferretdb")
        assert databases, "offline, the database is FerretDB started by the script"
        # One listening socket per server worker, every one on loopback.
        assert set(listening_addresses(5000)) == {"127.0.0.1:5000"}, "on the host's network, loopback only"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert tryout_containers() == [], log_path.read_text()
    assert not [pid for pid in databases if alive(pid)], "FerretDB was left running"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{API}/healthz", timeout=2)
