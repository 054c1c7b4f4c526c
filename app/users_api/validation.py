"""Turns untrusted request input into values that are safe to hand to MongoDB.

MongoDB reads keys that start with `$` as operators (`$where` runs
JavaScript, `$rename` rewrites fields), so no client-supplied key may start
with one, at any depth, except the single top-level `$set` of an update.
"""
import json
import re

from flask import request

from .errors import bad_request

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"^-?[0-9]+$")
_DIGITS = re.compile(r"^[0-9]+$")


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def json_body():
    """The request body parsed as JSON; 400 when it is empty or not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise bad_request("empty_body", "The request body is empty; send a JSON document.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise bad_request("invalid_json", "The request body is not valid JSON.") from None


def check_key(key, where):
    if not isinstance(key, str) or key.startswith("$") or "\x00" in key:
        raise bad_request("invalid_key", f"The key {key!r} in {where} is not allowed: keys may not start "
                          "with '$' or contain NUL characters.")


def check_value(value, where):
    """Walks a JSON value; rejects unsafe keys at any depth and integers BSON cannot store."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_key(key, where)
            check_value(item, where)
    elif isinstance(value, list):
        for item in value:
            check_value(item, where)
    elif isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        raise bad_request("invalid_value", f"An integer in {where} is outside the 64-bit range.")


def check_user_id(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
        raise bad_request("invalid_id", f"'id' in {where} must be a 64-bit integer.")


def new_user(document, where="the user"):
    """A user to create: a JSON object with an integer `id` and safe keys."""
    if not isinstance(document, dict):
        raise bad_request("invalid_body", f"Each user must be a JSON object; {where} is not.")
    if "_id" in document:
        raise bad_request("invalid_key", f"'_id' is assigned by the API; remove it from {where}.")
    if "id" not in document:
        raise bad_request("invalid_id", f"{where.capitalize()} has no 'id'; every user needs a unique integer id.")
    check_user_id(document["id"], where)
    check_value(document, where)
    return document


def new_users(body):
    """The body of a create: one user object, or a non-empty list of them."""
    if isinstance(body, dict):
        return [new_user(body)], False
    if isinstance(body, list):
        if not body:
            raise bad_request("invalid_body", "The list of users is empty.")
        return [new_user(item, f"item {index} of the list") for index, item in enumerate(body)], True
    raise bad_request("invalid_body", "The body must be a JSON object or a list of JSON objects.")


def update(body):
    """An update body: exactly `{"$set": {non-empty object}}`, never a replacement."""
    if not isinstance(body, dict) or list(body) != ["$set"]:
        raise bad_request("invalid_update", 'An update must be exactly {"$set": {...}}.')
    changes = body["$set"]
    if not isinstance(changes, dict) or not changes:
        raise bad_request("invalid_update", '"$set" must be a non-empty JSON object.')
    check_value(changes, '"$set"')
    for key in changes:
        if key == "_id" or key.startswith("_id."):
            raise bad_request("invalid_key", "'_id' cannot be changed.")
    if "id" in changes:
        check_user_id(changes["id"], '"$set"')
    return {"$set": changes}


def path_user_id(text):
    """The integer id in a URL path; 400 when it is not one."""
    if not _INTEGER.match(text) or not INT64_MIN <= int(text) <= INT64_MAX:
        raise bad_request("invalid_id", f"The user id {text!r} in the path is not an integer.")
    return int(text)


def filter_from_query(args):
    """A MongoDB filter from query-string pairs; digits-only values compare as integers."""
    query = {}
    for key, value in args.items(multi=False):
        check_key(key, "the query string")
        if "\x00" in value:
            raise bad_request("invalid_value", "Query-string values may not contain NUL characters.")
        query[key] = int(value) if _DIGITS.match(value) and int(value) <= INT64_MAX else value
    return query
