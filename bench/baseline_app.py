"""BASELINE for the benchmark only: the original XPTO users app, rebuilt from
its described behaviour (not its code), on the libraries of its era (pymongo
3.13, Flask 2.2: bench/requirements-baseline.txt, in the virtual environment
that bench/baseline-venv.sh makes).

What it keeps, call for call:
- Flask's development server with debug=True (the Werkzeug debugger and reloader);
- GET /api/v1/users?k=v: `find(query).count()`, then, when that is not zero, a
  second `find(query)` serialised by `bson.json_util.dumps`; 404 when zero;
- GET /api/v1/users: `find().count()`, then `find()` when not zero, else `[]`;
- POST /api/v1/users: `request.get_json()` through `ast.literal_eval(json.dumps(…))`
  into the legacy `collection.insert` (one document or a list);
- POST /api/v1/users/<id>: the same parsing into `update_one({"id": int(id)}, body)`;
- DELETE /api/v1/users/<id>: `delete_one({"id": int(id)})`;
- a bare `except:` around each handler (an empty 500), and a JSON 404 for
  unknown routes; no index, no limits, no validation.
The one fix: the query string is decoded before it is parsed. As written, the
original parsed `request.query_string`, which is bytes on Python 3: its keys
came out as bytes, which BSON refuses, so every filtered GET answered 500.

Never deploy this: debug=True runs the Werkzeug debugger (remote code execution).
    MONGO_URI=… BASELINE_PORT=5102 .cache/bench/baseline-venv/bin/python bench/baseline_app.py
"""
import ast
import json
import os
from urllib.parse import parse_qs

from bson.json_util import dumps
from flask import Flask, jsonify, request
from pymongo import MongoClient

app = Flask(__name__)
collection = MongoClient(os.environ["MONGO_URI"])[os.environ.get("MONGO_DATABASE", "restfulapi")]["users"]


def query_params(query_string):
    """First value of each query-string name; the fix: decoded to text first."""
    return {key: values[0] for key, values in parse_qs(query_string.decode()).items()}


def request_body():
    return ast.literal_eval(json.dumps(request.get_json()))


@app.route("/")
def welcome():
    return jsonify({"apiVersion": "v1.0", "status": "200", "message": "Welcome to the XPTO users API"})


@app.route("/api/v1/users", methods=["GET"])
def fetch_users():
    try:
        params = query_params(request.query_string)
        if params:
            query = {key: int(value) if value.isdigit() else value for key, value in params.items()}
            if collection.find(query).count() > 0:
                return dumps(collection.find(query))
            return "", 404
        if collection.find().count() > 0:
            return dumps(collection.find())
        return jsonify([])
    except:  # noqa: E722 - as the original
        return "", 500


@app.route("/api/v1/users", methods=["POST"])
def create_users():
    try:
        try:
            body = request_body()
        except:  # noqa: E722 - as the original
            return "", 400
        created = collection.insert(body)
        if isinstance(created, list):
            return jsonify([str(each) for each in created]), 201
        return jsonify(str(created)), 201
    except:  # noqa: E722 - as the original
        return "", 500


@app.route("/api/v1/users/<user_id>", methods=["POST"])
def update_user(user_id):
    try:
        result = collection.update_one({"id": int(user_id)}, request_body())
        return ("", 200) if result.modified_count > 0 else ("", 404)
    except:  # noqa: E722 - as the original
        return "", 500


@app.route("/api/v1/users/<user_id>", methods=["DELETE"])
def delete_user(user_id):
    try:
        result = collection.delete_one({"id": int(user_id)})
        return ("", 204) if result.deleted_count > 0 else ("", 404)
    except:  # noqa: E722 - as the original
        return "", 500


@app.errorhandler(404)
def route_not_found(error):
    return jsonify({"err": {"msg": "This route is not supported; see the API documentation."}}), 404


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("BASELINE_PORT", "5102")), debug=True)
