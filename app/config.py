"""Every setting the users API and its servers read from the environment.

SETTINGS below is the one table of them; `from_env` reads the part of it that
one reader uses. A variable that is unset or empty takes its default. The
README's table of environment variables is checked against SETTINGS
(tests/test_settings.py), so a setting changes here and there together.

The readers: the application itself (`create_app`'s settings, handed over by
wsgi.py and run-app.py; the `users_api` package reads no environment), the
image's server (server.py) and the developer's server (run-app.py).
"""
import os
from collections.abc import Callable
from dataclasses import dataclass

APP, IMAGE_SERVER, DEV_SERVER = "app", "server.py", "run-app.py"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def text(name, raw):
    """Any text, as given."""
    return raw


def positive_whole_number(name, raw):
    """ASCII digits, more than zero."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def log_level(name, raw):
    """One of LOG_LEVELS."""
    if raw not in LOG_LEVELS:
        raise ValueError(f"{name} must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return raw


def switch(name, raw):
    """On only when exactly "1"; off when unset or anything else."""
    return raw == "1"


@dataclass(frozen=True)
class Setting:
    name: str
    # As it would be written in the environment, so that it goes through `parse`
    # like any value; None: unset.
    default: str | None
    parse: Callable[[str, str | None], object]
    reader: str


# What each setting means is the README's table, checked against this one.
SETTINGS = (
    Setting("MONGO_URI", "mongodb://localhost:27017", text, APP),
    Setting("MONGO_DATABASE", "restfulapi", text, APP),
    Setting("MONGO_COLLECTION", "users", text, APP),
    # Seconds, not MongoDB's default 30 s: a request fails fast with 503 when the
    # database is gone, well inside the probes' and clients' timeouts.
    Setting("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000", positive_whole_number, APP),
    Setting("MONGO_CONNECT_TIMEOUT_MS", "3000", positive_whole_number, APP),
    Setting("MONGO_SOCKET_TIMEOUT_MS", "10000", positive_whole_number, APP),
    Setting("MAX_BODY_BYTES", str(1024 * 1024), positive_whole_number, APP),
    Setting("PAGE_SIZE", "100", positive_whole_number, APP),
    Setting("MAX_PAGE_SIZE", "1000", positive_whole_number, APP),
    Setting("INDEX_RETRY_SECONDS", "30", positive_whole_number, APP),
    Setting("PORT", "5000", positive_whole_number, IMAGE_SERVER),
    # All interfaces: in Kubernetes the kubelet and the Service reach the pod on
    # its own address. The offline try-out, on the host's network, sets 127.0.0.1.
    Setting("SERVER_BIND_HOST", "0.0.0.0", text, IMAGE_SERVER),
    # One process per pod, scaled by replicas. A kept-alive connection stays with
    # the process that accepted it, so several processes in one pod share their
    # connections unevenly and the busiest one sets the tail. In the benchmark
    # (bench/api-bench.sh, docs/figures.md) 1 x 12 beat 3 x 4 by id and on the
    # mix, in throughput and tail, in less than half the memory; what it gives
    # up, requests that never wait on the database spread over several cores,
    # the pod's default CPU limit of half a core would not give anyway.
    Setting("SERVER_WORKERS", "1", positive_whole_number, IMAGE_SERVER),
    Setting("SERVER_THREADS", "12", positive_whole_number, IMAGE_SERVER),
    Setting("SERVER_LOG_LEVEL", "info", log_level, IMAGE_SERVER),
    Setting("API_HOST", "127.0.0.1", text, DEV_SERVER),
    Setting("API_PORT", "5000", positive_whole_number, DEV_SERVER),
    # The interactive debugger executes arbitrary code for whoever reaches it.
    Setting("API_DEBUG", None, switch, DEV_SERVER),
)


def from_env(environ=None, reader=APP):
    """The settings `reader` reads (by default the application's: the names
    `create_app` takes), each parsed from the environment when set there."""
    environ = os.environ if environ is None else environ
    settings = {setting.name: setting.parse(setting.name, environ.get(setting.name) or setting.default)
                for setting in SETTINGS if setting.reader == reader}
    if reader == APP and settings["PAGE_SIZE"] > settings["MAX_PAGE_SIZE"]:
        raise ValueError(f"PAGE_SIZE ({settings['PAGE_SIZE']}) must not exceed "
                         f"MAX_PAGE_SIZE ({settings['MAX_PAGE_SIZE']})")
    return settings
