"""/api/v1/users: list, filter, create, update and delete users."""
from bson import ObjectId
from flask import Blueprint, jsonify
from flask import request as flask_request
from pymongo.errors import BulkWriteError, DuplicateKeyError

from . import database, validation
from .errors import APIError, not_found

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")


def _public(document):
    """A stored user as JSON: `_id` as its 24-character hex string, everywhere."""
    return {**document, "_id": str(document["_id"])} if isinstance(document.get("_id"), ObjectId) else document


def _duplicate(ids):
    listed = ", ".join(str(i) for i in sorted(set(ids)))
    return APIError(409, "duplicate_id", f"A user with id {listed} already exists.")


@bp.get("")
def list_users():
    query = validation.filter_from_query(flask_request.args)
    found = [_public(user) for user in database.users().find(query)]
    if query and not found:
        raise not_found("No user matches the filter.")
    return jsonify(found)


@bp.post("")
def create_users():
    documents, as_list = validation.new_users(validation.json_body())
    ids = [document["id"] for document in documents]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise APIError(409, "duplicate_id", f"The list repeats id {', '.join(map(str, sorted(repeated)))}.")
    users = database.users()
    existing = [user["id"] for user in users.find({"id": {"$in": ids}}, {"id": 1})]
    if existing:
        raise _duplicate(existing)
    try:
        if as_list:
            inserted = users.insert_many(documents, ordered=True).inserted_ids
        else:
            inserted = [users.insert_one(documents[0]).inserted_id]
    except (DuplicateKeyError, BulkWriteError):
        # Another request took an id between the check and the write: undo this
        # request's part so a list is created whole or not at all.
        users.delete_many({"_id": {"$in": [d["_id"] for d in documents if "_id" in d]}})
        raise _duplicate(ids) from None
    new_ids = [str(i) for i in inserted]
    return jsonify(new_ids if as_list else new_ids[0]), 201


@bp.post("/<user_id>")
def update_user(user_id):
    user = validation.path_user_id(user_id)
    changes = validation.update(validation.json_body())
    users = database.users()
    new_id = changes["$set"].get("id", user)
    if new_id != user and users.count_documents({"id": new_id}, limit=1):
        raise _duplicate([new_id])
    try:
        result = users.update_one({"id": user}, changes)
    except DuplicateKeyError:
        raise _duplicate([changes["$set"]["id"]]) from None
    if result.matched_count == 0:
        raise not_found(f"There is no user with id {user}.")
    return jsonify(matched=result.matched_count, modified=result.modified_count), 200


@bp.delete("/<user_id>")
def delete_user(user_id):
    user = validation.path_user_id(user_id)
    if database.users().delete_one({"id": user}).deleted_count == 0:
        raise not_found(f"There is no user with id {user}.")
    return "", 204
