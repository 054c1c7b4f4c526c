"""Kubernetes probes: /healthz (the process) and /readyz (the process and its database).

In the image, the server's own Rust runtime answers /healthz from
liveness/status.json, never a Python thread (server.py); this view serves it
everywhere else (the developer server, the tests).
"""
from flask import Blueprint, jsonify

from . import database
from .errors import error_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    # Never touches the database: a database outage must not restart every pod.
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        database.ping()
        # Also (re)tries the unique id index when due, so a pod's first probe
        # makes it, and a fixed collection heals without a restart.
        database.users()
    except Exception:  # any failure means "do not send traffic here"
        return error_response(503, "database_unavailable", "The database does not answer.")
    problem = database.index_problem()
    if problem:
        # Still ready: refusing traffic would turn bad data into an outage.
        return jsonify(status="degraded", problems=[{"code": "unique_index_missing", "message": problem}])
    return jsonify(status="ready")
