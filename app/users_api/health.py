"""Kubernetes probes: /healthz (the process) and /readyz (the process and its database)."""
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
    except Exception:  # noqa: BLE001 - any failure means "do not send traffic here"
        return error_response(503, "database_unavailable", "The database does not answer.")
    return jsonify(status="ready")
