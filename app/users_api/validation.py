"""Turns untrusted request input into values that are safe to hand to MongoDB.

MongoDB reads keys that start with `$` as operators (`$where` runs
JavaScript, `$rename` rewrites fields), so no client-supplied key may start
with one, at any depth, except the single top-level `$set` of an update.

Every check here is linear in the size of the body: one request must never
hold a worker for longer than it takes to read what it sent.
"""
import json
import re
from collections import Counter

from flask import request

from .errors import APIError, bad_request

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# fullmatch, not match: with match, "$" also accepts a trailing newline ("12\n").
_INTEGER = re.compile(r"-?[0-9]+")
_LISTED = 10  # ids named in one error message, so its size does not grow with the body


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


def parse_integer(text):
    """The one integer rule for text (paths and query strings): optional minus,
    ASCII digits, 64-bit range. None when the text is not such an integer."""
    if _INTEGER.fullmatch(text) and INT64_MIN <= (value := int(text)) <= INT64_MAX:
        return value
    return None


def _invalid_key(key, where, why):
    return bad_request("invalid_key", f"The key {key!r} in {where} is not allowed: {why}.")


def check_key(key, where):
    """A key stored in a user: a string that is no operator, holds no NUL and no
    dot (a dot would read as a path, and servers differ on storing it)."""
    if not isinstance(key, str) or key.startswith("$") or "\x00" in key or "." in key:
        raise _invalid_key(key, where, "keys may not start with '$' or contain NUL or '.'")


def check_path(path, where):
    """A field path (`a.b.c`) in a filter or a `$set`, by MongoDB's rules: no
    empty part, no part that is an operator, no NUL."""
    if "\x00" in path:
        raise _invalid_key(path, where, "keys may not contain NUL characters")
    for part in path.split("."):
        if part == "":
            raise _invalid_key(path, where, "a field path may not be empty or have an empty part")
        if part.startswith("$"):
            raise _invalid_key(path, where, "no part of a field path may start with '$'")


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


def named(ids):
    """Up to _LISTED ids for a message, in order, with a count of the rest."""
    ids = sorted(ids)
    text = ", ".join(str(i) for i in ids[:_LISTED])
    return text + (f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else "")


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
    """The body of a create: one user object, or a non-empty list of them whose
    ids are all different (checked with one count, linear in the list)."""
    if isinstance(body, dict):
        return [new_user(body)], False
    if not isinstance(body, list):
        raise bad_request("invalid_body", "The body must be a JSON object or a list of JSON objects.")
    if not body:
        raise bad_request("invalid_body", "The list of users is empty.")
    users = [new_user(item, f"item {index} of the list") for index, item in enumerate(body)]
    repeated = [i for i, times in Counter(user["id"] for user in users).items() if times > 1]
    if repeated:
        raise APIError(409, "duplicate_id", f"The list repeats id {named(repeated)}.")
    return users, True


def update(body):
    """An update body: exactly `{"$set": {non-empty object}}`, never a replacement,
    whose field paths MongoDB accepts and which leaves `id` a 64-bit integer."""
    if not isinstance(body, dict) or list(body) != ["$set"]:
        raise bad_request("invalid_update", 'An update must be exactly {"$set": {...}}.')
    changes = body["$set"]
    if not isinstance(changes, dict) or not changes:
        raise bad_request("invalid_update", '"$set" must be a non-empty JSON object.')
    for path, value in changes.items():
        check_path(path, '"$set"')
        check_value(value, '"$set"')
        top = path.split(".", 1)[0]
        if top == "_id":
            raise bad_request("invalid_key", "'_id' cannot be changed.")
        if top == "id" and path != "id":
            raise _invalid_key(path, '"$set"', "'id' is an integer and has no fields")
    _check_no_conflicts(changes)
    if "id" in changes:
        check_user_id(changes["id"], '"$set"')
    return {"$set": changes}


def _check_no_conflicts(changes):
    """MongoDB refuses `{"a": 1, "a.b": 2}` in one update. The paths go into a
    tree of their parts (linear in their length); a path that ends where
    another goes on, or goes on where another ended, overlaps it."""
    tree = {}
    for path in changes:
        node = tree
        for part in path.split("."):
            if None in node:
                break
            node = node.setdefault(part, {})
        if node:  # an earlier path ended on the way (None) or goes on from here
            raise bad_request("invalid_update", f'"$set" changes {path!r} and a path that overlaps it.')
        node[None] = True


def path_user_id(text):
    """The integer id in a URL path; 400 when it is not one."""
    value = parse_integer(text)
    if value is None:
        raise bad_request("invalid_id", f"The user id {text!r} in the path is not an integer.")
    return value


def filter_from_query(args):
    """A MongoDB filter from query-string pairs (reserved names already removed).

    `id` follows the path's rule: an integer, else 400. Any other value that is
    an integer by the same rule matches the number or the text as sent
    (`?zip=007` finds 7 and "007"), since the API cannot know which was stored.
    """
    query = {}
    for key, value in args:
        check_path(key, "the query string")
        if "\x00" in value:
            raise bad_request("invalid_value", "Query-string values may not contain NUL characters.")
        number = parse_integer(value)
        if key == "id":
            if number is None:
                raise bad_request("invalid_id", f"The id {value!r} in the query string is not an integer.")
            query[key] = number
        else:
            query[key] = value if number is None else {"$in": [number, value]}
    return query
