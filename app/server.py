"""The image's server: granian, a Rust HTTP server, runs the API's WSGI app
(served.py) in SERVER_WORKERS processes of SERVER_THREADS threads each.

    python server.py            # the image's command, from /srv/app

What it guarantees, each tested (tests/test_servers.py, tests/test_container.py):
- liveness: `GET /healthz` is answered by the server's own Rust runtime from
  liveness/status.json, never by a Python thread, so it never queues behind
  requests waiting on a stalled database;
- graceful stop: on SIGTERM it stops accepting, lets requests in flight finish
  and exits 0, within GRACEFUL_TIMEOUT_S, below the pod's grace period
  (infra/app/usersApi/deployment.ts);
- an access log line per request on stdout (users_api/access_log.py);
- bodies bounded by MAX_BODY_BYTES (Flask), headers read within a timeout;
- no control socket, nothing written to disk: it runs on a read-only root.

Its settings (PORT, SERVER_*) are those of config.py's table read by server.py.
"""
from pathlib import Path

import config

HERE = Path(__file__).resolve().parent
# With the pod's preStop wait, below its termination grace period
# (infra/app/usersApi/deployment.ts), so in-flight requests finish before SIGKILL.
GRACEFUL_TIMEOUT_S = 25
# Headers must arrive within this (milliseconds): a slow client cannot hold a connection open for free.
HEADER_READ_TIMEOUT_MS = 10000


def settings(environ=None):
    """granian's settings, from the environment."""
    own = config.from_env(environ, config.IMAGE_SERVER)
    return {
        "target": "served:app",
        "interface": "wsgi",
        "websockets": False,
        "address": own["SERVER_BIND_HOST"],
        "port": own["PORT"],
        "workers": own["SERVER_WORKERS"],
        "blocking_threads": own["SERVER_THREADS"],
        "working_dir": HERE,
        "log_level": own["SERVER_LOG_LEVEL"],
        # served.py writes the access log itself, lines gathered into few writes (users_api/access_log.py).
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
