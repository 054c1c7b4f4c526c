"""Settings, pins and the production switches of the API."""
import json
import os
import re
import runpy
import subprocess
import sys
from itertools import takewhile

import pytest

import config
from users_api import create_app, database

from . import api_pod
from .conftest import settings_with
from .servers import APP_DIR, ROOT

READERS = (config.APP, config.IMAGE_SERVER, config.DEV_SERVER)


def documented_settings():
    """{variable: default or None when unset} from the handbook's table of the
    API's environment variables, in README.md or a page of docs/."""
    tables = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        lines = page.read_text().splitlines()
        for at, line in enumerate(lines):
            if re.fullmatch(r"\|\s*variable\s*\|\s*default\s*\|.*", line.strip()):
                tables.append((page, list(takewhile(lambda row: row.startswith("|"), lines[at + 2:]))))
    assert len(tables) == 1, f"one table of the API's environment variables, not {[str(p) for p, _ in tables]}"
    page, rows = tables[0]
    documented = {}
    for row in rows:
        name, default, _ = (cell.strip() for cell in row.strip("|").split("|", 2))
        named = re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", name)
        valued = re.fullmatch(r"`([^`]*)`|unset", default)
        assert named and valued, f"{page.name}: one variable a row, its default in backticks or unset: {row}"
        assert named.group(1) not in documented, f"{page.name} documents {name} twice"
        documented[named.group(1)] = valued.group(1)
    return documented


def test_the_handbook_documents_every_setting_with_its_default_and_nothing_else():
    assert documented_settings() == {setting.name: setting.default for setting in config.SETTINGS}


def test_every_setting_is_read_once_and_its_default_passes_its_own_parser():
    names = [setting.name for setting in config.SETTINGS]
    assert len(names) == len(set(names)), "each setting once in the table"
    read = [name for reader in READERS for name in config.from_env({}, reader)]  # parses every default
    assert sorted(read) == sorted(names), "every setting has a reader"


def test_the_database_answers_fast_or_the_request_fails():
    timeout = config.from_env({})["MONGO_SERVER_SELECTION_TIMEOUT_MS"]
    assert 1000 <= timeout <= 10000, "seconds, not MongoDB's 30 s: a request fails with 503 before its client gives up"


def test_environment_overrides_defaults():
    settings = config.from_env({"MONGO_URI": "mongodb://db:27017/x", "MONGO_DATABASE": "other",
                                "MONGO_SERVER_SELECTION_TIMEOUT_MS": "2000"})
    assert settings["MONGO_URI"] == "mongodb://db:27017/x"
    assert settings["MONGO_DATABASE"] == "other"
    assert settings["MONGO_SERVER_SELECTION_TIMEOUT_MS"] == 2000


@pytest.mark.parametrize("value", ["soon", "-1", "0", "1.5"])
def test_bad_numbers_fail_at_start_naming_the_variable(value):
    with pytest.raises(ValueError, match="MONGO_SOCKET_TIMEOUT_MS"):
        config.from_env({"MONGO_SOCKET_TIMEOUT_MS": value})


def test_the_served_app_reads_its_settings_from_the_environment(monkeypatch, mongo_uri):
    monkeypatch.setenv("MONGO_URI", mongo_uri)
    monkeypatch.setenv("MONGO_DATABASE", "from_env")
    monkeypatch.setenv("PAGE_SIZE", "7")
    app = runpy.run_path(str(APP_DIR / "wsgi.py"))["app"]  # what the image's server serves
    assert app.config["MONGO_URI"] == mongo_uri
    assert app.config["MONGO_DATABASE"] == "from_env"
    assert app.config["PAGE_SIZE"] == 7


def test_the_package_imports_no_settings_module_of_its_own(tmp_path):
    """users_api takes its settings from whoever serves it: importing every
    module of it loads no top-level `config`, so no other module of that
    common name can slip in, and the package works from any directory."""
    modules = sorted(f"users_api.{path.stem}" for path in (APP_DIR / "users_api").glob("*.py")
                     if path.stem != "__init__")
    probe = f"import sys, {', '.join(modules)}; print('config' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(APP_DIR)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_flask_debug_in_the_environment_does_not_turn_debug_on(monkeypatch, mongo_uri):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(settings_with(MONGO_URI=mongo_uri))
    assert app.debug is False


def test_a_new_process_gets_its_own_mongo_client(app, monkeypatch):
    with app.app_context():
        first = database.client()
        assert database.client() is first
        monkeypatch.setattr(database.os, "getpid", lambda: -1)
        assert database.client() is not first, "a forked worker must not reuse its parent's client"


def server_settings(**environ):
    import server

    return server.settings(environ)


def test_the_image_server_serves_on_all_interfaces_on_the_pods_port_and_answers_liveness_itself():
    settings = server_settings()
    assert (settings["address"], settings["port"]) == ("0.0.0.0", api_pod.declared().container_port)
    assert settings["target"] == "served:app" and settings["interface"] == "wsgi"
    assert settings["static_path_route"] == ["/healthz"], "liveness never reaches a Python thread"
    status = settings["static_path_mount"][0] / settings["static_path_dir_to_file"]
    assert json.loads(status.read_text()) == {"status": "ok"}
    assert settings["static_path_expires"] == 0, "no cache may answer for a live process"
    assert settings["log_access"] is False, "served.py writes the access log"


def test_the_image_server_settings_come_from_the_environment():
    settings = server_settings(SERVER_BIND_HOST="127.0.0.1", PORT="5101", SERVER_WORKERS="5", SERVER_THREADS="3",
                               SERVER_LOG_LEVEL="warning")
    assert (settings["address"], settings["port"]) == ("127.0.0.1", 5101)
    assert (settings["workers"], settings["blocking_threads"]) == (5, 3)
    assert settings["log_level"] == "warning"


@pytest.mark.parametrize("name, value", [("SERVER_WORKERS", "0"), ("SERVER_THREADS", "many"), ("PORT", "-1"),
                                         ("SERVER_LOG_LEVEL", "loud")])
def test_bad_server_settings_fail_at_start_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        server_settings(**{name: value})


def test_the_image_server_stops_gracefully_before_kubernetes_kills_it():
    """SIGTERM comes after the pod's preStop wait; SIGKILL at its grace period."""
    pod = api_pod.declared()
    graceful = server_settings()["workers_kill_timeout"]
    assert pod.pre_stop_seconds + graceful < pod.termination_grace_seconds, (
        f"preStop {pod.pre_stop_seconds} s + graceful stop {graceful} s "
        f"< grace period {pod.termination_grace_seconds} s")


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (APP_DIR / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r ")):
                assert re.match(r"^[A-Za-z0-9._-]+==[0-9][0-9A-Za-z.]*$", line), f"{name}: {line} is not pinned"


def test_the_driver_supports_mongodb_4_2_and_current_servers():
    from pymongo import common

    def version(text):
        return tuple(int(p) for p in text.split("."))

    assert version(common.MIN_SUPPORTED_SERVER_VERSION) <= (4, 2)
    assert common.MAX_SUPPORTED_WIRE_VERSION >= 21, "MongoDB 7.0 (wire version 21) or newer"


def test_the_image_uses_a_maintained_python():
    dockerfile = (APP_DIR / "Dockerfile").read_text()
    match = re.search(r"^ARG BASE_IMAGE=python:3\.(\d+)", dockerfile, re.M)
    assert match, "the default base is the public python image"
    assert int(match.group(1)) >= 11, "Python 3.10 and older are past end of life"
