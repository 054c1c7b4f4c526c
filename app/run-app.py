"""Local developer server: `python run-app.py` from app/.

Production serves the same application through granian (server.py, see Dockerfile).
The interactive debugger executes arbitrary code for whoever reaches it, so
it is off unless a developer sets API_DEBUG=1 on their own machine.
"""
import config
from users_api import create_app, database


def main():
    own = config.from_env(reader=config.DEV_SERVER)
    debug = own["API_DEBUG"]
    app = create_app(config.from_env())
    database.prepare(app)  # the unique index now, or a log line saying why not
    app.run(host=own["API_HOST"], port=own["API_PORT"], debug=debug, use_reloader=debug)


if __name__ == "__main__":
    main()
