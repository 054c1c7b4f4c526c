"""The MongoDB client, one per process, created on first use, and the unique
`id` index that the API's writes rely on.

A server may fork its workers; a MongoClient must not cross a fork, so the
client is made lazily and remembered with the pid that made it.

The index is made on first use (or by `prepare` at a worker's start), never in
the application factory. When it cannot be made, usually because stored users
already repeat an `id` (the original app allowed that), the API still serves:
it remembers why, reports it on /readyz, checks writes itself meanwhile and
tries again every INDEX_RETRY_SECONDS, so fixing the data (the
`users duplicates` command, cli.py) heals a running API.
"""
import logging
import os
import threading
import time

from flask import current_app
from pymongo import ASCENDING, MongoClient
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from .repeated_ids import find_duplicates

log = logging.getLogger(__name__)
_lock = threading.Lock()
INDEX_NAME = "id_unique"


class _State:
    def __init__(self):
        self.client = None
        self.pid = None
        self.index_ready = False
        self.index_problem = None  # why the index is missing, once a try failed
        self.index_tried_at = None
        # Held during an attempt: one at a time, and a readiness probe can wait for
        # its outcome rather than answer "ready" while the start-up attempt runs.
        self.index_lock = threading.Lock()


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
            state.index_ready = False
            state.index_problem = None
            state.index_tried_at = None
        return state.client


def collection(app=None):
    app = app or current_app
    return client(app)[app.config["MONGO_DATABASE"]][app.config["MONGO_COLLECTION"]]


def users(app=None):
    """The users collection, after (re)trying its unique `id` index when due."""
    app = app or current_app
    users = collection(app)
    state = _state(app)
    # Requests never queue behind an attempt in flight (the database may be stalled).
    if not state.index_ready and state.index_lock.acquire(blocking=False):
        try:
            if not state.index_ready and _retry_due(app, state):
                _make_index(users, state)
        finally:
            state.index_lock.release()
    return users


def unique_ids_guaranteed(app=None):
    """Whether the server enforces unique ids; while not, writes check for themselves."""
    return _state(app or current_app).index_ready


def index_problem(app=None):
    """Why the index is missing, once the attempt in flight (if any) has ended."""
    app = app or current_app
    state = _state(app)
    timeout = app.config["MONGO_SERVER_SELECTION_TIMEOUT_MS"] / 1000
    if state.index_lock.acquire(timeout=timeout):
        state.index_lock.release()
    return state.index_problem


def _retry_due(app, state):
    if state.index_tried_at is None:
        return True
    return time.monotonic() - state.index_tried_at >= app.config["INDEX_RETRY_SECONDS"]


def make_unique_index(users):
    """The unique `id` index every write relies on; a no-op once it exists."""
    users.create_index([("id", ASCENDING)], unique=True, name=INDEX_NAME)


def _make_index(users, state):
    state.index_tried_at = time.monotonic()
    try:
        make_unique_index(users)
    except ConnectionFailure:
        state.index_tried_at = None  # the database is away: try again on the next use
        raise
    except OperationFailure as err:
        state.index_problem = _why_no_index(users, err)
        log.error("the unique index on 'id' is missing; the API serves without it: %s", state.index_problem)
        return
    if state.index_problem:
        log.warning("the unique index on 'id' is now in place")
    state.index_ready, state.index_problem = True, None


def _why_no_index(users, err):
    # Servers word this failure differently (MongoDB: E11000; FerretDB: a
    # constraint error), so look at the data rather than the message.
    try:
        repeated = find_duplicates(users, limit=5, with_ids=False)
    except PyMongoError as lookup:
        return f"the server refused to create it ({err}), and looking for repeated ids failed too ({lookup})"
    if repeated:
        ids = ", ".join(repr(group["id"]) for group in repeated)
        return (f"stored users repeat an id (for example {ids}); run `flask --app wsgi users duplicates` "
                "to list them and `--resolve` to set the extra copies aside")
    return f"the server refused to create it: {err}"


def prepare(app):
    """Start-up work for a server process: make the index now if the database
    answers, and say so in the log either way. Never raises."""
    try:
        users(app)
    except ConnectionFailure as err:
        log.warning("database not reachable at start-up; the index is made on first use: %s", err)
    except Exception:
        log.exception("start-up preparation failed; the index is made on first use")


def ping(app=None):
    client(app).admin.command("ping")
