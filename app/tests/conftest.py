"""Fixtures: one real MongoDB-protocol server per session, a fresh database per test.

The server is FerretDB (SQLite backend) unless TEST_MONGO_URI names another,
such as the mongo:4.2 container of the Jenkins agent.
"""
import os
import sys
import uuid

import pytest
from pymongo import MongoClient

from .servers import APP_DIR, FerretDB

# The application modules live in app/, as they do in the image's WORKDIR.
sys.path.insert(0, str(APP_DIR))

from users_api import create_app  # noqa: E402

FAST_TIMEOUTS = {
    "MONGO_SERVER_SELECTION_TIMEOUT_MS": 1500,
    "MONGO_CONNECT_TIMEOUT_MS": 1500,
    "MONGO_SOCKET_TIMEOUT_MS": 5000,
}


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


@pytest.fixture
def database_name(mongo_uri):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    with MongoClient(mongo_uri, serverSelectionTimeoutMS=3000) as client:
        client.drop_database(name)


@pytest.fixture
def app(mongo_uri, database_name):
    app = create_app({"TESTING": True, "MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name, **FAST_TIMEOUTS})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(mongo_uri, database_name):
    """Direct access to the collection, to check what the API really stored."""
    with MongoClient(mongo_uri, serverSelectionTimeoutMS=3000) as client:
        yield client[database_name]["users"]
