"""The image's server: granian, a Rust HTTP server, runs the API's WSGI app
(served.py) in SERVER_WORKERS processes of SERVER_THREADS threads each.

    python server.py            # the image's command, from /srv/app

What it guarantees, each tested (tests/test_servers.py, tests/test_container.py):
- liveness: `GET /healthz` is answered by the server's own Rust runtime from
  liveness/status.json, never by a Python thread, so it never queues behind
  requests waiting on a stalled database;
- graceful stop: on SIGTERM it stops accepting, lets requests in flight finish
  and exits 0, within GRACEFUL_TIMEOUT_S, below the pod's grace period
  (infra/app/usersApi.ts);
- an access log line per request on stdout (users_api/access_log.py);
- bodies bounded by MAX_BODY_BYTES (Flask), headers read within a timeout;
- no control socket, nothing written to disk: it runs on a read-only root.

Settings (environment): PORT (5000), SERVER_BIND_HOST (0.0.0.0),
SERVER_WORKERS (2), SERVER_THREADS (8), SERVER_LOG_LEVEL (info).
"""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Below Kubernetes' termination grace period (infra/app/usersApi.ts), so in-flight
# requests finish before SIGKILL.
GRACEFUL_TIMEOUT_S = 25
# Headers must arrive within this (milliseconds): a slow client cannot hold a connection open for free.
HEADER_READ_TIMEOUT_MS = 10000
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def _positive(environ, name, default):
    raw = environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def settings(environ=None):
    """granian's settings from the environment."""
    environ = os.environ if environ is None else environ
    level = environ.get("SERVER_LOG_LEVEL") or "info"
    if level not in LOG_LEVELS:
        raise ValueError(f"SERVER_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return {
        "target": "served:app",
        "interface": "wsgi",
        "websockets": False,
        # All interfaces by default: in Kubernetes the kubelet and the Service reach
        # the pod on its own address. The offline try-out, on the host's network,
        # sets SERVER_BIND_HOST=127.0.0.1.
        "address": environ.get("SERVER_BIND_HOST") or "0.0.0.0",
        "port": _positive(environ, "PORT", 5000),
        "workers": _positive(environ, "SERVER_WORKERS", 2),
        # Python threads per worker: requests of one worker waiting on the database at once.
        "blocking_threads": _positive(environ, "SERVER_THREADS", 8),
        "working_dir": HERE,
        "log_level": level,
        # served.py writes the access log itself, one os.write a request (cheaper than granian's own).
        "log_access": False,
        "static_path_route": ["/healthz"],
        "static_path_mount": [HERE / "liveness"],
        "static_path_dir_to_file": "status.json",
        "static_path_expires": 0,
        "workers_kill_timeout": GRACEFUL_TIMEOUT_S,
        "respawn_failed_workers": True,
        "http1_settings_header_read_timeout": HEADER_READ_TIMEOUT_MS,
    }


def main():
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    options = settings()
    options["interface"] = Interfaces(options["interface"])
    options["log_level"] = LogLevels(options["log_level"])
    options["http1_settings"] = HTTP1Settings(header_read_timeout=options.pop("http1_settings_header_read_timeout"))
    Server(**options).serve()


if __name__ == "__main__":
    main()
