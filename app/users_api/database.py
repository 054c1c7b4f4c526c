"""The MongoDB client, one per process, created on first use.

gunicorn forks its workers; a MongoClient must not cross a fork, so the
client is made lazily and remembered with the pid that made it.
"""
import logging
import os
import threading

from flask import current_app
from pymongo import ASCENDING, MongoClient
from pymongo.errors import ConnectionFailure

log = logging.getLogger(__name__)
_lock = threading.Lock()


class _State:
    def __init__(self):
        self.client = None
        self.pid = None
        self.indexes_ready = False


def init_app(app):
    app.extensions["users_api.mongo"] = _State()


def _state(app):
    return app.extensions["users_api.mongo"]


def client(app=None):
    app = app or current_app
    state = _state(app)
    with _lock:
        if state.client is None or state.pid != os.getpid():
            settings = app.config
            state.client = MongoClient(
                settings["MONGO_URI"],
                serverSelectionTimeoutMS=settings["MONGO_SERVER_SELECTION_TIMEOUT_MS"],
                connectTimeoutMS=settings["MONGO_CONNECT_TIMEOUT_MS"],
                socketTimeoutMS=settings["MONGO_SOCKET_TIMEOUT_MS"],
                appname="xpto-users-api",
            )
            state.pid = os.getpid()
            state.indexes_ready = False
        return state.client


def users(app=None):
    """The users collection, its `id` index guaranteed where the database allows."""
    app = app or current_app
    collection = client(app)[app.config["MONGO_DATABASE"]][app.config["MONGO_COLLECTION"]]
    if not _state(app).indexes_ready:
        collection.create_index([("id", ASCENDING)], unique=True, name="id_unique")
        _state(app).indexes_ready = True
    return collection


def ensure_indexes(app):
    """Creates the unique `id` index now if the database answers; later otherwise."""
    try:
        users(app)
    except ConnectionFailure as err:
        log.warning("indexes not created at start-up, will retry on first use: %s", err)


def ping(app=None):
    client(app).admin.command("ping")
