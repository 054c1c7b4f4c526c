"""The ways the API is served, for real: `python run-app.py`, the image's server
(granian, server.py), and the benchmark's reference loop."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from .servers import APP_DIR, ROOT, StalledServer, free_port, listening_addresses, wait_for_http


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


IMAGE_SERVER = [sys.executable, "server.py"]


@pytest.fixture
def image_server(tmp_path, database_name):
    """Starts the image's server as the image does (`python server.py`), on a free port.
    Its servers stop before the test's database is dropped (they may still write to it)."""
    processes = []

    def run(**env):
        port = free_port()
        log_path = tmp_path / f"server-{port}.log"
        process = start(IMAGE_SERVER, {"PORT": str(port), **env}, log_path)
        process.port, process.log_path = port, log_path
        processes.append(process)
        return process

    yield run
    for process in processes:
        stop(process)


def test_the_image_server_serves_the_api_and_logs_access_to_stdout(image_server, mongo_uri, database_name):
    server = image_server(MONGO_URI=mongo_uri, MONGO_DATABASE=database_name, SERVER_WORKERS="2")
    wait_for_http(f"http://127.0.0.1:{server.port}/readyz", process=server)
    round_trip(f"http://127.0.0.1:{server.port}")
    stop(server)
    log = server.log_path.read_text()
    assert '"DELETE /api/v1/users/1 HTTP/1.1" 204' in log, log
    assert '"GET /api/v1/users?id=1 HTTP/1.1" 200' in log, log
    assert log.count("Started worker-") == 2, log
    assert server.returncode == 0, "SIGTERM is a graceful shutdown"


def test_a_request_in_flight_at_sigterm_gets_its_answer_and_the_server_exits_0(image_server):
    database = StalledServer().start()
    try:
        server = image_server(MONGO_URI=database.uri, MONGO_SERVER_SELECTION_TIMEOUT_MS="2000")
        base = f"http://127.0.0.1:{server.port}"
        wait_for_http(f"{base}/healthz", process=server)
        answers = []
        in_flight = threading.Thread(target=lambda: answers.append(requests.get(f"{base}/api/v1/users", timeout=30)))
        in_flight.start()
        time.sleep(0.7)  # the request now waits on the database, for 2 s
        server.terminate()
        in_flight.join(30)
        assert [a.status_code for a in answers] == [503], "answered in full, not cut off"
        assert server.wait(timeout=30) == 0
        # Answered after SIGTERM, as its worker was stopping: its access line is written as the worker exits.
        assert '"GET /api/v1/users HTTP/1.1" 503' in server.log_path.read_text()
    finally:
        database.stop()


# infra/app/usersApi/deployment.ts: the liveness probe's timeoutSeconds.
PROBE_TIMEOUT_S = 3


def test_liveness_answers_while_every_request_thread_waits_on_a_stalled_database(image_server):
    database = StalledServer().start()
    try:
        server = image_server(MONGO_URI=database.uri, MONGO_SERVER_SELECTION_TIMEOUT_MS="3000",
                              SERVER_WORKERS="2", SERVER_THREADS="4")
        base = f"http://127.0.0.1:{server.port}"
        wait_for_http(f"{base}/healthz", process=server)
        # 48 requests for 8 threads, each held ~3 s by the database: 18 s of queue.
        answers = []
        load = [threading.Thread(target=lambda: answers.append(requests.get(f"{base}/api/v1/users", timeout=60)))
                for _ in range(48)]
        for thread in load:
            thread.start()
        time.sleep(1)
        started = time.monotonic()
        queued = threading.Thread(target=lambda: answers.append(requests.get(f"{base}/readyz", timeout=60)))
        queued.start()
        for _ in range(5):
            probe_started = time.monotonic()
            response = requests.get(f"{base}/healthz", timeout=PROBE_TIMEOUT_S)
            assert response.status_code == 200 and response.json() == {"status": "ok"}
            assert time.monotonic() - probe_started < 1
            time.sleep(0.5)
        queued.join(60)
        assert time.monotonic() - started > PROBE_TIMEOUT_S, "the request threads really were all busy"
        for thread in load:
            thread.join(60)
        assert [a.status_code for a in answers].count(503) == 49, "every database-bound request got its 503"
        assert '"GET /healthz' not in server.log_path.read_text(), "no Python thread answered liveness"
    finally:
        database.stop()


def test_the_image_server_refuses_a_body_over_the_limit(image_server, mongo_uri, database_name):
    server = image_server(MONGO_URI=mongo_uri, MONGO_DATABASE=database_name, MAX_BODY_BYTES="1000")
    base = f"http://127.0.0.1:{server.port}"
    wait_for_http(f"{base}/readyz", process=server)
    body = json.dumps({"id": 1, "name": "x" * 5000})
    sized = requests.post(f"{base}/api/v1/users", data=body, headers={"Content-Type": "application/json"}, timeout=5)
    chunked = requests.post(f"{base}/api/v1/users", data=iter([body[:2500].encode(), body[2500:].encode()]),
                            headers={"Content-Type": "application/json"}, timeout=5)
    assert sized.status_code == 413 and sized.json()["error"]["code"] == "payload_too_large"
    # Without a length, Werkzeug reads no further than the limit: what it got is cut short.
    assert chunked.status_code in (400, 413) and "error" in chunked.json()
    assert requests.get(f"{base}/api/v1/users", timeout=5).json() == [], "nothing was stored"


def test_the_image_server_makes_no_control_socket_and_two_servers_of_one_user_coexist(
        image_server, tmp_path, mongo_uri, database_name):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": "", "MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name}
    first, second = image_server(**env), image_server(**env)
    for server in (first, second):
        wait_for_http(f"http://127.0.0.1:{server.port}/readyz", process=server)
    assert list(home.iterdir()) == [], "nothing under $HOME (read-only /nonexistent in the image)"
    for server in (first, second):
        assert set(listening_addresses(server.port)) == {f"0.0.0.0:{server.port}"}, "no other listener"


def test_the_image_server_binds_the_host_it_is_given_and_all_interfaces_by_default(
        image_server, mongo_uri, database_name):
    env = {"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name}
    loopback, default = image_server(SERVER_BIND_HOST="127.0.0.1", **env), image_server(**env)
    for server in (loopback, default):
        wait_for_http(f"http://127.0.0.1:{server.port}/healthz", process=server)
    # One listening socket per worker process (SO_REUSEPORT), all on the same address.
    assert set(listening_addresses(loopback.port)) == {f"127.0.0.1:{loopback.port}"}
    assert set(listening_addresses(default.port)) == {f"0.0.0.0:{default.port}"}, "Kubernetes reaches the pod's address"


def test_the_image_server_boots_and_serves_over_stored_ids_that_repeat(image_server, mongo_uri, database_name, users):
    users.insert_many([{"id": 1, "name": "Ana"}, {"id": 1, "name": "Ana again"}])
    server = image_server(MONGO_URI=mongo_uri, MONGO_DATABASE=database_name)
    ready = wait_for_http(f"http://127.0.0.1:{server.port}/readyz", process=server)
    assert ready.json()["status"] == "degraded"
    assert len(requests.get(f"http://127.0.0.1:{server.port}/api/v1/users", timeout=5).json()) == 2
    deadline = time.monotonic() + 10
    while "unique index on 'id' is missing" not in server.log_path.read_text():
        assert time.monotonic() < deadline, server.log_path.read_text()
        time.sleep(0.2)


def test_the_benchmarks_reference_loop_serves_the_real_api_on_kept_alive_connections(
        mongo_uri, database_name, tmp_path):
    """bench/flask-ceiling.py bounds every server of this app in the benchmark:
    its figures mean something only if it serves the API itself, bodies,
    statuses and headers included, several requests per connection."""
    port = free_port()
    process = start([sys.executable, str(ROOT / "bench" / "flask-ceiling.py")],
                    {"MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name, "CEILING_PORT": str(port),
                     "CEILING_PROCESSES": "1", "PYTHONPATH": str(APP_DIR)}, tmp_path / "ceiling.log")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/readyz", process=process)
        round_trip(base)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/api/v1/users", body=b'{"id": 7, "name": "Rui"}',
                           headers={"Content-Type": "application/json"})
        created, first_socket = connection.getresponse(), connection.sock
        created.read()
        connection.request("GET", "/api/v1/users?id=7")
        found = connection.getresponse()
        assert created.status == 201 and json.loads(found.read())[0]["name"] == "Rui"
        connection.request("PUT", "/api/v1/users")
        refused = connection.getresponse()
        refused.read()
        assert refused.status == 405 and "GET" in refused.getheader("Allow")
        assert connection.sock is first_socket, "three requests on one kept-alive connection"
        connection.close()
    finally:
        stop(process)
