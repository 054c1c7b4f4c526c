"""Every error leaves the API as `{"error": {"code": ..., "message": ...}}` JSON."""
import logging

from flask import jsonify
from pymongo.errors import ConnectionFailure, PyMongoError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class APIError(Exception):
    """An expected failure with the status, code and message the client sees."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(code, message):
    return APIError(400, code, message)


def not_found(message):
    return APIError(404, "not_found", message)


def error_response(status, code, message):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


def init_app(app):
    @app.errorhandler(APIError)
    def api_error(err):
        return error_response(err.status, err.code, err.message)

    @app.errorhandler(HTTPException)
    def http_error(err):
        if err.code == 404:
            message = "This route is not supported; see the API documentation in the README."
        elif err.code == 413:
            limit = app.config["MAX_BODY_BYTES"]
            message = f"The request body is larger than the limit of {limit} bytes."
        else:
            message = err.description
        response = error_response(err.code, _HTTP_CODES.get(err.code, "http_error"), message)
        # The exception's own headers carry what the status requires, such as
        # 405's Allow (RFC 9110, section 15.5.6); the body is ours.
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(ConnectionFailure)
    def database_unavailable(err):
        log.warning("database unavailable: %s", err)
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")

    @app.errorhandler(PyMongoError)
    def database_error(err):
        log.error("database error: %s", err)
        return error_response(500, "database_error", "The database could not complete the request.")

    @app.errorhandler(Exception)
    def unexpected(err):
        log.exception("unexpected error")
        return error_response(500, "internal_error", "An unexpected error occurred.")
