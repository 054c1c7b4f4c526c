"""The API degrades to 503 while the database is away and recovers by itself."""
import time

from .conftest import FAST_TIMEOUTS, app_on, settings_with

TIMEOUT_S = FAST_TIMEOUTS["MONGO_SERVER_SELECTION_TIMEOUT_MS"] / 1000


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


def test_starts_without_the_database_and_creates_the_index_when_it_comes(own_server, users):
    own_server.stop()
    app = app_on(own_server)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503

    own_server.start()
    assert client.post("/api/v1/users", json={"id": 1}).status_code == 201
    indexes = users.index_information().values()
    assert any(spec.get("unique") and spec["key"] == [("id", 1)] for spec in indexes), "the index itself, now"
    assert client.post("/api/v1/users", json={"id": 1}).status_code == 409


def test_readyz_is_200_with_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_healthz_is_200_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_the_factory_opens_no_connection(monkeypatch):
    """create_app is pure: importing wsgi.py or building a test app never waits
    on, or even reaches, a database."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    from users_api import create_app

    create_app(settings_with(MONGO_URI=f"mongodb://127.0.0.1:{port}/", **FAST_TIMEOUTS))
    try:
        connection, _ = listener.accept()
        connection.close()
        reached = True
    except TimeoutError:
        reached = False
    finally:
        listener.close()
    assert not reached, "create_app connected to the database"
