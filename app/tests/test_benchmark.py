"""The benchmark's baseline (bench/baseline_app.py) is the original app: the
same database calls, its dev server with the debugger, the libraries of its
era in an environment of its own. Its figures are the benchmark's 1.00x, so
a baseline that did less (or more) than the original would make every ratio wrong."""
import json
import os
import re
import signal
import subprocess

import pytest
import requests

from .servers import ROOT, free_port, wait_for_http

BENCH = ROOT / "bench"


@pytest.fixture(scope="session")
def baseline_python():
    venv = subprocess.run(["bash", str(BENCH / "baseline-venv.sh")], capture_output=True, text=True, timeout=600)
    assert venv.returncode == 0, venv.stderr
    return os.path.join(venv.stdout.strip(), "bin", "python")


def pinned(path):
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_the_baseline_environment_holds_exactly_the_pinned_libraries_of_the_originals_era(baseline_python):
    pins = pinned(BENCH / "requirements-baseline.txt")
    assert pins["pymongo"] == "3.13.0" and pins["Flask"] == "2.2.5"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.]*", version) for version in pins.values())
    freeze = subprocess.run([baseline_python, "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
                            capture_output=True, text=True, check=True).stdout
    installed = dict(line.split("==") for line in freeze.split() if "==" in line)
    installed = {name: version for name, version in installed.items() if name not in ("pip", "setuptools")}
    assert {name.lower(): v for name, v in installed.items()} == {name.lower(): v for name, v in pins.items()}


def test_the_baseline_makes_exactly_the_originals_database_calls(baseline_python, mongo_uri, database_name):
    probe = subprocess.run([baseline_python, str(ROOT / "app" / "tests" / "baseline_probe.py"), str(BENCH)],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name})
    assert probe.returncode == 0, probe.stderr
    seen = [(step["request"], step["status"], step["commands"]) for step in json.loads(probe.stdout)]
    assert seen == [
        ("GET /api/v1/users", 200, ["count"]),                    # empty: the count alone, then []
        ("POST /api/v1/users", 201, ["insert"]),                  # legacy insert, one document
        ("POST /api/v1/users", 201, ["insert"]),                  # legacy insert, a list
        ("POST /api/v1/users", 400, []),                          # JSON true is not a Python literal
        ("GET /api/v1/users?id=1", 200, ["count", "find"]),       # count, then a second find
        ("GET /api/v1/users?name=Rui", 200, ["count", "find"]),
        ("GET /api/v1/users?id=99", 404, ["count"]),              # none: no second find
        ("GET /api/v1/users", 200, ["count", "find"]),
        ("POST /api/v1/users/1", 200, ["update"]),
        ("DELETE /api/v1/users/2", 204, ["delete"]),
        ("GET /nowhere", 404, []),
    ]
    answers = json.loads(probe.stdout)
    assert '"$oid"' in answers[4]["body"], "serialised by bson.json_util"


def test_the_baseline_runs_the_dev_server_with_the_debugger_and_decodes_the_query_string(
        baseline_python, mongo_uri, database_name, tmp_path, users):
    users.insert_one({"id": 7, "name": "Rui"})
    port = free_port()
    with open(tmp_path / "baseline.log", "wb") as log:
        # The debug reloader serves from a child process: stop the whole group.
        process = subprocess.Popen([baseline_python, str(BENCH / "baseline_app.py")], stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name,
                                        "BASELINE_PORT": str(port)})
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/", process=process, timeout=60)
        found = requests.get(f"{base}/api/v1/users?id=7", timeout=5)
        assert found.status_code == 200 and found.json()[0]["name"] == "Rui"
        console = requests.get(f"{base}/console", timeout=5)
        assert console.status_code == 200 and "Werkzeug" in console.text, "debug=True, as the original"
        assert "Debugger is active" in (tmp_path / "baseline.log").read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
