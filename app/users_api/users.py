"""/api/v1/users: list, filter, create, update and delete users.

Uniqueness of `id` is the unique index's job: a write goes straight to the
server and a duplicate-key error becomes 409, with no look-up before it. Only
while the index is missing (see database.py) do writes look first.
"""
import logging

from bson import ObjectId
from flask import Blueprint, current_app, jsonify
from flask import request as flask_request
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError, WriteError

from . import database, pages, validation
from .errors import APIError, not_found

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")
log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000
PATH_NOT_VIABLE = 28
UNDO_CHUNK = 1000  # _ids per delete, within every server's limits on one command


def _public(document):
    """A stored user as JSON: `_id` as its 24-character hex string, everywhere."""
    return {**document, "_id": str(document["_id"])} if isinstance(document.get("_id"), ObjectId) else document


def _duplicate(ids):
    return APIError(409, "duplicate_id", f"A user with id {validation.named(ids)} already exists.")


def _check_ids_free(users, ids):
    """Stands in for the unique index while it is missing: racy, but keeps a
    client from adding to the duplicates it would report."""
    if database.unique_ids_guaranteed():
        return
    taken = [user["id"] for user in users.find({"id": {"$in": ids}}, {"id": 1})]
    if taken:
        raise _duplicate(taken)


@bp.get("")
def list_users():
    limit, after = pages.requested(flask_request.args, current_app.config)
    pairs = pages.filters(flask_request.args)
    query = validation.filter_from_query(pairs)
    users = database.users()
    if list(query) == ["id"] and after is None and database.unique_ids_guaranteed():
        # At most one user, by the unique index: no page to bound, no sort to pay for.
        found, more = list(users.find(query)), False
    else:
        found, more = pages.read(users, query, limit, after)
    if query and after is None and not found:
        raise not_found("No user matches the filter.")
    response = jsonify([_public(user) for user in found])
    if more:
        response.headers["Link"] = pages.next_link(pairs, limit, found[-1]["_id"])
    return response


@bp.post("")
def create_users():
    documents, as_list = validation.new_users(validation.json_body())
    users = database.users()
    _check_ids_free(users, [document["id"] for document in documents])
    if not as_list:
        try:
            return jsonify(str(users.insert_one(documents[0]).inserted_id)), 201
        except DuplicateKeyError:
            raise _duplicate([documents[0]["id"]]) from None
    # The _ids are made here, before the write, so that an undo can name them.
    for document in documents:
        document["_id"] = ObjectId()
    try:
        users.insert_many(documents, ordered=True)
    except BulkWriteError as err:
        first = err.details["writeErrors"][0]
        _undo(users, documents[: first["index"]])
        if first["code"] == DUPLICATE_KEY:
            raise _duplicate([documents[first["index"]]["id"]]) from None
        raise
    except PyMongoError:
        # Lost mid-write: any prefix of the list may be stored.
        _undo(users, documents)
        raise
    return jsonify([str(document["_id"]) for document in documents]), 201


def _undo(users, written):
    """Deletes the users a failed list create did write. Until this returns they
    are visible to other readers; if it cannot finish they stay, and the log
    names them (docs/api.md: "List creates and their one window")."""
    ids = [document["_id"] for document in written]
    try:
        for start in range(0, len(ids), UNDO_CHUNK):
            users.delete_many({"_id": {"$in": ids[start:start + UNDO_CHUNK]}})
    except PyMongoError:
        log.error("a failed list create could not be undone; these _ids may remain: %s",
                  ", ".join(map(str, ids)))
        raise


@bp.post("/<user_id>")
def update_user(user_id):
    user = validation.path_user_id(user_id)
    changes = validation.update(validation.json_body())
    users = database.users()
    new_id = changes["$set"].get("id", user)
    if new_id != user and users.count_documents({"id": new_id}, limit=1):
        # Only when the id changes (rare), and by equality, which the index
        # serves: FerretDB reports a unique-index clash on update as a generic
        # error, not as MongoDB's duplicate key, so the look-up gives every
        # server the same 409. A concurrent clash still ends as DuplicateKeyError.
        raise _duplicate([new_id])
    try:
        result = users.update_one({"id": user}, changes)
    except DuplicateKeyError:
        raise _duplicate([new_id]) from None
    except WriteError as err:
        if err.code != PATH_NOT_VIABLE:
            raise
        # Data-dependent, so only the server can tell: `{"name.first": …}` on a
        # user whose `name` is a string.
        raise APIError(400, "invalid_update", "A path in \"$set\" goes through a field of this user "
                       "that is not an object.") from None
    if result.matched_count == 0:
        raise not_found(f"There is no user with id {user}.")
    return jsonify(matched=result.matched_count, modified=result.modified_count), 200


@bp.delete("/<user_id>")
def delete_user(user_id):
    user = validation.path_user_id(user_id)
    if database.users().delete_one({"id": user}).deleted_count == 0:
        raise not_found(f"There is no user with id {user}.")
    return "", 204
