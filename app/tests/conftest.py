"""Fixtures: one real MongoDB-protocol server per session, a fresh database per test.

The server is FerretDB (SQLite backend) unless TEST_MONGO_URI names another,
such as the mongo:4.2 container of the Jenkins agent. pytest.ini puts app/ on
the import path, as the image's WORKDIR does.
"""
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from pymongo import MongoClient

import config
from users_api import create_app

from .servers import FerretDB, SwitchableProxy

FAST_TIMEOUTS = {
    "MONGO_SERVER_SELECTION_TIMEOUT_MS": 1500,
    "MONGO_CONNECT_TIMEOUT_MS": 1500,
    "MONGO_SOCKET_TIMEOUT_MS": 5000,
}


def settings_with(**overrides):
    """app/config.py's defaults, as a server gets them with no environment, and a test's own values."""
    return {**config.from_env({}), **overrides}


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    if os.environ.get("TEST_MONGO_URI"):
        yield os.environ["TEST_MONGO_URI"]
        return
    server = FerretDB(tmp_path_factory.mktemp("ferretdb")).start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def admin(mongo_uri):
    with MongoClient(mongo_uri, serverSelectionTimeoutMS=3000) as client:
        yield client


@pytest.fixture(autouse=True)
def leaves_no_database_behind(request, admin):
    """Every test cleans what it made: with TEST_MONGO_URI on a real server, a
    leftover database would stay there."""
    before = set(admin.list_database_names())
    yield
    left = set(admin.list_database_names()) - before
    assert not left, f"{request.node.name} left databases behind: {sorted(left)}"


@pytest.fixture
def database_name(admin):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    admin.drop_database(name)


@pytest.fixture
def app(mongo_uri, database_name):
    app = create_app(settings_with(TESTING=True, MONGO_URI=mongo_uri, MONGO_DATABASE=database_name, **FAST_TIMEOUTS))
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(admin, database_name):
    """Direct access to the collection, to check what the API really stored."""
    return admin[database_name]["users"]


@pytest.fixture
def own_server(mongo_uri, database_name):
    """The session's database behind a proxy this test may cut and restore (same address, same data)."""
    upstream = urlsplit(mongo_uri)
    proxy = SwitchableProxy(upstream.hostname, upstream.port or 27017).start()
    userinfo = upstream.netloc.rpartition("@")[0]
    proxy.uri = urlunsplit(upstream._replace(netloc=f"{userinfo + '@' if userinfo else ''}127.0.0.1:{proxy.port}"))
    proxy.database = database_name
    yield proxy
    proxy.stop()


def app_on(server, **settings):
    return create_app(settings_with(TESTING=True, MONGO_URI=server.uri, MONGO_DATABASE=server.database,
                                    **FAST_TIMEOUTS, **settings))
