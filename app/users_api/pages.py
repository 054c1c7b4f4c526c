"""Pages of `GET /api/v1/users`: a bounded number of users and bytes per answer,
the next page named in a `Link: <…>; rel="next"` header.

Pages follow `_id` order and continue after the last `_id` sent (keyset
pagination): a server serves that from the `_id` index every collection has,
and users created meanwhile never shift a page. The two parameter names are
reserved; every other query-string name is a field filter.
"""
from urllib.parse import urlencode

from bson import ObjectId, decode
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from .errors import bad_request
from .validation import parse_integer

LIMIT, AFTER = "_limit", "_after"
RESERVED = (LIMIT, AFTER)
# One page stops early past this many bytes of users (always at least one user).
MAX_PAGE_BYTES = 4 * 1024 * 1024
_RAW = CodecOptions(document_class=RawBSONDocument)


def filters(args):
    """The query-string pairs that are field filters (first value of each name)."""
    return [(key, value) for key, value in args.items(multi=False) if key not in RESERVED]


def requested(args, config):
    """(page size, `_id` to continue after or None) from the query string."""
    limit = config["PAGE_SIZE"]
    if LIMIT in args:
        limit = parse_integer(args[LIMIT])
        if limit is None or not 1 <= limit <= config["MAX_PAGE_SIZE"]:
            raise bad_request("invalid_value", f"{LIMIT} must be a whole number from 1 to {config['MAX_PAGE_SIZE']}.")
    after = None
    if AFTER in args:
        if not ObjectId.is_valid(args[AFTER]):
            raise bad_request("invalid_value", f"{AFTER} must be the _id of a user, as a 24-character hex string.")
        after = ObjectId(args[AFTER])
    return limit, after


def read(collection, query, limit, after):
    """(users, whether more follow). Reads at most limit + 1 users and stops
    once the page holds MAX_PAGE_BYTES, so neither the answer nor the worker's
    memory grows with the collection."""
    if after is not None:
        query = {"$and": [query, {"_id": {"$gt": after}}]} if query else {"_id": {"$gt": after}}
    raw = collection.with_options(codec_options=_RAW)
    page, size = [], 0
    with raw.find(query, sort=[("_id", 1)], limit=limit + 1) as cursor:
        for document in cursor:
            if len(page) == limit or (page and size + len(document.raw) > MAX_PAGE_BYTES):
                return page, True
            page.append(decode(document.raw))
            size += len(document.raw)
    return page, False


def next_link(pairs, limit, last_id):
    """The `Link` header value for the page after the one that ended with `last_id`."""
    query = urlencode([*pairs, (LIMIT, limit), (AFTER, str(last_id))])
    return f'</api/v1/users?{query}>; rel="next"'
