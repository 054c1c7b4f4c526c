"""Settings of the users API, read from the environment.

Every value has a default that suits a developer's laptop with a local
MongoDB; in Kubernetes MONGO_URI comes from a Secret (see the Pulumi program).

| variable                           | default                      |
| ---------------------------------- | ---------------------------- |
| MONGO_URI                          | mongodb://localhost:27017    |
| MONGO_DATABASE                     | restfulapi                   |
| MONGO_COLLECTION                   | users                        |
| MONGO_SERVER_SELECTION_TIMEOUT_MS  | 3000                         |
| MONGO_CONNECT_TIMEOUT_MS           | 3000                         |
| MONGO_SOCKET_TIMEOUT_MS            | 10000                        |
| MAX_BODY_BYTES                     | 1048576 (1 MiB)              |
| PAGE_SIZE                          | 100                          |
| MAX_PAGE_SIZE                      | 1000                         |
| INDEX_RETRY_SECONDS                | 30                           |
| API_HOST (run-app.py only)         | 127.0.0.1                    |
| API_PORT (run-app.py only)         | 5000                         |
| API_DEBUG (run-app.py only)        | unset: never the debugger    |
"""
import os

DEFAULTS = {
    "MONGO_URI": "mongodb://localhost:27017",
    "MONGO_DATABASE": "restfulapi",
    "MONGO_COLLECTION": "users",
    # Seconds, not MongoDB's default 30 s: a request fails fast with 503 when the
    # database is gone, well inside the probes' and clients' timeouts.
    "MONGO_SERVER_SELECTION_TIMEOUT_MS": 3000,
    "MONGO_CONNECT_TIMEOUT_MS": 3000,
    "MONGO_SOCKET_TIMEOUT_MS": 10000,
    "MAX_BODY_BYTES": 1024 * 1024,
    # Users per answer of GET /api/v1/users when `_limit` is not given, and the
    # largest `_limit` a client may ask for.
    "PAGE_SIZE": 100,
    "MAX_PAGE_SIZE": 1000,
    # How often a process tries again to make the unique id index it could not make.
    "INDEX_RETRY_SECONDS": 30,
}

_INTEGER_SETTINGS = {name for name, value in DEFAULTS.items() if isinstance(value, int)}


def from_env(environ=None):
    """Returns the settings, each taken from the environment when set there."""
    environ = os.environ if environ is None else environ
    settings = {}
    for name, default in DEFAULTS.items():
        raw = environ.get(name, "")
        if raw == "":
            settings[name] = default
        elif name in _INTEGER_SETTINGS:
            if not raw.isdigit() or int(raw) <= 0:
                raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
            settings[name] = int(raw)
        else:
            settings[name] = raw
    if settings["PAGE_SIZE"] > settings["MAX_PAGE_SIZE"]:
        raise ValueError(f"PAGE_SIZE ({settings['PAGE_SIZE']}) must not exceed "
                         f"MAX_PAGE_SIZE ({settings['MAX_PAGE_SIZE']})")
    return settings
