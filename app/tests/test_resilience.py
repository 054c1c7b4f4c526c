"""The API degrades to 503 while the database is away and recovers by itself."""
import time

import pytest

from users_api import create_app

from .conftest import FAST_TIMEOUTS
from .servers import FerretDB

TIMEOUT_S = FAST_TIMEOUTS["MONGO_SERVER_SELECTION_TIMEOUT_MS"] / 1000


@pytest.fixture
def own_server(tmp_path):
    """A database server this test may stop and start again (same port, same data)."""
    server = FerretDB(tmp_path / "db").start()
    yield server
    server.stop()


def app_on(server):
    return create_app({"TESTING": True, "MONGO_URI": server.uri, "MONGO_DATABASE": "resilience", **FAST_TIMEOUTS})


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_database_down_gives_503_fast_then_recovers(own_server):
    client = app_on(own_server).test_client()
    assert client.post("/api/v1/users", json={"id": 1, "name": "Ana"}).status_code == 201

    own_server.stop()
    response, took = timed(lambda: client.get("/api/v1/users"))
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"
    assert took < TIMEOUT_S + 3, f"answered after {took:.1f} s"
    response, took = timed(lambda: client.post("/api/v1/users", json={"id": 2}))
    assert response.status_code == 503
    assert took < TIMEOUT_S + 3
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["error"]["code"] == "database_unavailable"
    assert client.get("/healthz").status_code == 200, "liveness never depends on the database"

    own_server.start()
    deadline = time.monotonic() + 20
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover by itself"
        time.sleep(0.2)
    assert [u["name"] for u in client.get("/api/v1/users").json] == ["Ana"]


def test_starts_without_the_database_and_creates_the_index_when_it_comes(own_server):
    own_server.stop()
    app = app_on(own_server)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503

    own_server.start()
    assert client.post("/api/v1/users", json={"id": 1}).status_code == 201
    assert client.post("/api/v1/users", json={"id": 1}).status_code == 409


def test_readyz_is_200_with_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_healthz_is_200_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
