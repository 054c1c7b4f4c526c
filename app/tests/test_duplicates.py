"""Stored users that repeat an `id` (the original app allowed them), and list
creates that meet a taken id only at the server."""
import functools
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pymongo import MongoClient, monitoring

from users_api import create_app, database

from .conftest import FAST_TIMEOUTS, app_on, settings_with
from .servers import APP_DIR


@pytest.fixture
def repeated(users):
    """A collection as the original app could leave it: ids 1 and 2 three and two times."""
    users.insert_many([{"id": 1, "name": "Ana"}, {"id": 1, "name": "Ana again"}, {"id": 2, "name": "Rui"},
                       {"id": 1, "name": "Ana thrice"}, {"id": 2, "name": "Rui again"}, {"id": 3, "name": "Eva"}])
    return users


def app_over(mongo_uri, database_name, **settings):
    return create_app(settings_with(TESTING=True, MONGO_URI=mongo_uri, MONGO_DATABASE=database_name,
                                    **FAST_TIMEOUTS, **settings))


def test_the_api_starts_serves_and_says_why_when_stored_ids_repeat(repeated, mongo_uri, database_name, caplog):
    app = app_over(mongo_uri, database_name)
    with caplog.at_level(logging.ERROR, logger="users_api.database"):
        database.prepare(app)
    assert "unique index on 'id' is missing" in caplog.text and "1, 2" in caplog.text
    client = app.test_client()
    assert len(client.get("/api/v1/users").json) == 6
    ready = client.get("/readyz")
    assert ready.status_code == 200, "bad data must not take the pods out of service"
    assert ready.json["status"] == "degraded"
    assert "flask --app wsgi users duplicates" in ready.json["problems"][0]["message"]


def test_without_the_index_writes_still_refuse_a_taken_id(repeated, mongo_uri, database_name):
    client = app_over(mongo_uri, database_name).test_client()
    assert client.post("/api/v1/users", json={"id": 3}).status_code == 409
    assert client.post("/api/v1/users", json=[{"id": 9}, {"id": 3}]).status_code == 409
    assert client.post("/api/v1/users/3", json={"$set": {"id": 2}}).status_code == 409
    assert client.post("/api/v1/users", json={"id": 4}).status_code == 201
    assert repeated.count_documents({"id": {"$in": [3, 9]}}) == 1


# As the README runs it: the venv's `flask` script, from app/.
FLASK_COMMAND = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "users", "duplicates"]
# The older entry the README still names.
MODULE_COMMAND = [sys.executable, "-m", "users_api.duplicates"]


def duplicates_command(mongo_uri, database_name, *args, command=FLASK_COMMAND):
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": database_name}
    return subprocess.run([*command, *args], cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=60)


def test_the_duplicates_command_lists_then_resolves_and_a_running_api_heals(repeated, mongo_uri, database_name):
    app = app_over(mongo_uri, database_name, INDEX_RETRY_SECONDS=0)
    client = app.test_client()
    assert client.get("/readyz").json["status"] == "degraded"
    oldest = {u["id"]: u["name"] for u in repeated.find().sort("_id", 1) if u["name"] in ("Ana", "Rui")}

    listed = duplicates_command(mongo_uri, database_name)
    assert listed.returncode == 1, listed.stderr
    assert "id 1: 3 users" in listed.stdout and "id 2: 2 users" in listed.stdout
    assert repeated.count_documents({}) == 6, "listing changes nothing"

    resolved = duplicates_command(mongo_uri, database_name, "--resolve")
    assert resolved.returncode == 0, resolved.stderr
    assert {u["id"]: u["name"] for u in repeated.find()} == {**oldest, 3: "Eva"}, "the oldest of each id stays"
    aside = repeated.database["users_duplicates"]
    assert sorted(u["name"] for u in aside.find()) == ["Ana again", "Ana thrice", "Rui again"], "nothing is lost"
    assert any(s.get("unique") and s["key"] == [("id", 1)] for s in repeated.index_information().values())

    assert client.get("/readyz").json == {"status": "ready"}
    assert client.post("/api/v1/users", json={"id": 1}).status_code == 409
    assert duplicates_command(mongo_uri, database_name).returncode == 0, "nothing left to report"


def test_python_m_users_api_duplicates_is_the_same_command(repeated, mongo_uri, database_name):
    by_module = duplicates_command(mongo_uri, database_name, command=MODULE_COMMAND)
    by_flask = duplicates_command(mongo_uri, database_name)
    assert by_module.returncode == by_flask.returncode == 1, by_module.stderr
    assert by_module.stdout == by_flask.stdout and "id 1: 3 users" in by_module.stdout
    assert "RuntimeWarning" not in by_module.stderr, by_module.stderr


class CommandLog(monitoring.CommandListener):
    def __init__(self):
        self.names = []
        self.after_insert = None

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        if event.command_name == "insert" and self.after_insert:
            self.after_insert()

    def failed(self, event):
        pass


@pytest.fixture
def commands(monkeypatch):
    """The commands the app's own client sends."""
    log = CommandLog()
    monkeypatch.setattr(database, "MongoClient", functools.partial(MongoClient, event_listeners=[log]))
    return log


def test_the_command_works_through_the_apps_own_client_and_settings(repeated, mongo_uri, database_name, commands):
    # The database is named only in the app's settings, not in the environment.
    app = app_over(mongo_uri, database_name)
    result = app.test_cli_runner().invoke(args=["users", "duplicates"])
    assert result.exit_code == 1 and "id 1: 3 users" in result.output, result.output
    assert "aggregate" in commands.names, "through users_api.database's client, not one of its own"


def test_a_list_that_meets_a_stored_id_at_the_server_is_undone(client, users, commands):
    assert client.post("/api/v1/users", json={"id": 3, "name": "stored"}).status_code == 201
    response = client.post("/api/v1/users", json=[{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])
    assert response.status_code == 409 and "3" in response.json["error"]["message"]
    assert commands.names[-2:] == ["insert", "delete"], "written, then the written part deleted"
    assert [u["name"] for u in users.find()] == ["stored"]


def test_an_undo_cut_short_leaves_the_written_users_and_names_them(own_server, users, commands, caplog):
    """The documented window: between the failed insert and its undo, the
    users before the clash are stored; if the database goes away then, they stay."""
    client = app_on(own_server).test_client()
    assert client.post("/api/v1/users", json={"id": 3}).status_code == 201
    commands.after_insert = own_server.stop
    with caplog.at_level(logging.ERROR, logger="users_api.users"):
        response = client.post("/api/v1/users", json=[{"id": 1}, {"id": 2}, {"id": 3}])
    assert response.status_code == 503
    left = list(users.find({"id": {"$in": [1, 2]}}))
    assert len(left) == 2
    assert all(str(user["_id"]) in caplog.text for user in left), caplog.text
