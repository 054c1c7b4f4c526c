"""BASELINE for the benchmark only: the original XPTO users app, rewritten from
its described behaviour (not its code): Flask's development server with
debug=True, the same routes and the same database call per request, bodies read
with ast.literal_eval, JSON from bson.json_util, a bare except around each
handler. The one change: the query string is decoded before it is parsed, as
written it answered 500 to every filtered GET on Python 3.

Never deploy this: debug=True runs the Werkzeug debugger (remote code execution).
    MONGO_URI=… BASELINE_PORT=5102 python bench/baseline_app.py
"""
import ast
import os

from bson import json_util
from flask import Flask, request
from pymongo import MongoClient

app = Flask(__name__)
users = MongoClient(os.environ["MONGO_URI"])[os.environ.get("MONGO_DATABASE", "restfulapi")]["users"]


@app.route("/")
def welcome():
    return json_util.dumps({"message": "Welcome to the XPTO users API"})


@app.route("/api/v1/users", methods=["GET"])
def list_users():
    try:
        query = {}
        text = request.query_string.decode()  # the fix: bytes on Python 3
        if text:
            for pair in text.split("&"):
                key, value = pair.split("=")
                query[key] = int(value) if value.isdigit() else value
        found = list(users.find(query))
        if query and not found:
            return json_util.dumps({"error": "not found"}), 404
        return json_util.dumps(found)
    except:  # noqa: E722 - as the original
        return json_util.dumps({"error": "error"}), 500


@app.route("/api/v1/users", methods=["POST"])
def create_users():
    try:
        body = ast.literal_eval(request.data.decode())
        if isinstance(body, list):
            return json_util.dumps(users.insert_many(body).inserted_ids), 201
        return json_util.dumps(users.insert_one(body).inserted_id), 201
    except:  # noqa: E722 - as the original
        return json_util.dumps({"error": "error"}), 500


@app.route("/api/v1/users/<user_id>", methods=["POST"])
def update_user(user_id):
    try:
        result = users.update_one({"id": int(user_id)}, ast.literal_eval(request.data.decode()))
        return json_util.dumps({"matched": result.matched_count}), 200
    except:  # noqa: E722 - as the original
        return json_util.dumps({"error": "error"}), 500


@app.route("/api/v1/users/<user_id>", methods=["DELETE"])
def delete_user(user_id):
    try:
        users.delete_one({"id": int(user_id)})
        return "", 204
    except:  # noqa: E722 - as the original
        return json_util.dumps({"error": "error"}), 500


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("BASELINE_PORT", "5102")), debug=True)
