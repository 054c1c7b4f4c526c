"""The two ways the API is served, for real: `python run-app.py` and gunicorn."""
import os
import subprocess
import sys

import pytest
import requests

from .servers import APP_DIR, free_port, wait_for_http


def start(command, env_overrides, log_path):
    env = {**os.environ, **env_overrides}
    log = open(log_path, "wb")
    process = subprocess.Popen(command, cwd=APP_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return process


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def round_trip(base):
    assert requests.post(f"{base}/api/v1/users", json={"id": 1, "name": "Ana"}, timeout=5).status_code == 201
    assert requests.get(f"{base}/api/v1/users?id=1", timeout=5).json()[0]["name"] == "Ana"
    assert requests.post(f"{base}/api/v1/users/1", json={"$set": {"name": "Eva"}}, timeout=5).status_code == 200
    assert requests.delete(f"{base}/api/v1/users/1", timeout=5).status_code == 204
    assert requests.get(f"{base}/api/v1/users", timeout=5).json() == []


@pytest.fixture
def dev_server(mongo_uri, database_name, tmp_path):
    processes = []

    def run(**env):
        process = start([sys.executable, "run-app.py"],
                        {"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name, **env}, tmp_path / "dev.log")
        processes.append(process)
        return process

    yield run
    for process in processes:
        stop(process)


def test_run_app_serves_the_api_on_port_5000_by_default(dev_server):
    process = dev_server(API_PORT="")
    wait_for_http("http://127.0.0.1:5000/readyz", process=process)
    round_trip("http://127.0.0.1:5000")


def test_run_app_has_no_debugger_even_with_flask_debug(dev_server):
    port = free_port()
    process = dev_server(API_PORT=str(port), FLASK_DEBUG="1")
    wait_for_http(f"http://127.0.0.1:{port}/readyz", process=process)
    console = requests.get(f"http://127.0.0.1:{port}/console", timeout=5)
    assert console.status_code == 404 and console.json()["error"]["code"] == "not_found"


def test_api_debug_is_the_one_explicit_way_to_get_the_debugger(dev_server):
    port = free_port()
    process = dev_server(API_PORT=str(port), API_DEBUG="1")
    wait_for_http(f"http://127.0.0.1:{port}/readyz", process=process, timeout=60)
    console = requests.get(f"http://127.0.0.1:{port}/console", timeout=5)
    assert console.status_code == 200 and "Werkzeug" in console.text


def test_gunicorn_serves_the_api_and_logs_access_to_stdout(mongo_uri, database_name, tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    process = start([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                    {"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name, "PORT": str(port),
                     "GUNICORN_WORKERS": "2"}, log_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/readyz", process=process)
        round_trip(f"http://127.0.0.1:{port}")
    finally:
        stop(process)
    log = log_path.read_text()
    assert '"DELETE /api/v1/users/1 HTTP/1.1" 204' in log, log
    assert log.count("Booting worker with pid") == 2
    assert process.returncode == 0, "SIGTERM is a graceful shutdown"
