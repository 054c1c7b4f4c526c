"""The XPTO users REST API: a Flask application factory."""
import logging

from flask import Flask, jsonify

from . import cli, database, errors, health, users

__version__ = "1.2.0"


def create_app(settings):
    """Builds the application from `settings`: every name of app/config.py,
    as its `from_env()` returns them (wsgi.py, run-app.py) or as a test sets them.

    The package reads no environment and imports no settings module: whoever
    serves it decides where its settings come from.

    Pure: no connection is opened here. The database client and the unique
    index are made on first use, or by `database.prepare` in a server's
    server process's start-up (served.py, run-app.py).
    """
    app = Flask(__name__)
    # Flask would honour FLASK_DEBUG from the environment; only run-app.py's
    # explicit API_DEBUG may turn debugging on.
    app.config["DEBUG"] = False
    app.config.from_mapping(settings)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    # JSON keeps the order documents were written in.
    app.json.sort_keys = False

    logging.basicConfig(level=logging.INFO)
    database.init_app(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(users.bp)
    app.cli.add_command(cli.users_cli)

    @app.get("/")
    def welcome():
        return jsonify(message="Welcome to the XPTO users API", version=__version__)

    return app
