"""Local developer server: `python run-app.py` from app/.

Production serves the same application through granian (server.py, see Dockerfile).
The interactive debugger executes arbitrary code for whoever reaches it, so
it is off unless a developer sets API_DEBUG=1 on their own machine.
"""
import os

import config
from users_api import create_app, database


def main():
    debug = os.environ.get("API_DEBUG") == "1"
    host = os.environ.get("API_HOST") or "127.0.0.1"
    port = int(os.environ.get("API_PORT") or "5000")
    app = create_app(config.from_env())
    database.prepare(app)  # the unique index now, or a log line saying why not
    app.run(host=host, port=port, debug=debug, use_reloader=debug)


if __name__ == "__main__":
    main()
