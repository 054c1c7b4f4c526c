"""One-off command: find stored users that repeat an `id`, and set the extra
copies aside so the unique index can be made.

    python -m users_api.duplicates             # list them; exit status 1 when there are any
    python -m users_api.duplicates --resolve   # keep the oldest user of each id, move the
                                               # others to <collection>_duplicates, make the index

It reads the API's own settings (app/config.py: MONGO_URI, MONGO_DATABASE,
MONGO_COLLECTION), so it runs from app/, where the API runs: `kubectl exec
deploy/users-api -- python -m users_api.duplicates`. Nothing is deleted: a set-aside user is copied to the
other collection before it leaves this one, so running it again after an
interruption is safe.
"""
import argparse
import sys

from bson import ObjectId
from pymongo import MongoClient

from .database import INDEX_NAME


def find_duplicates(users, limit=None, with_ids=True):
    """Groups of users sharing an `id` (a missing `id` counts as null, as the
    index sees it): [{"id": …, "count": n, "_ids": […]}], by id. The `_ids`
    come from one query per group: FerretDB has no `$push`."""
    pipeline = [
        {"$group": {"_id": "$id", "count": {"$sum": 1}}},
        {"$match": {"count": {"$gt": 1}}},
        {"$sort": {"_id": 1}},
    ]
    if limit:
        pipeline.append({"$limit": limit})
    groups = [{"id": g["_id"], "count": g["count"]} for g in users.aggregate(pipeline, allowDiskUse=True)]
    if with_ids:
        for group in groups:
            group["_ids"] = [user["_id"] for user in users.find({"id": group["id"]}, {"_id": 1})]
    return groups


def _oldest_first(_id):
    # An ObjectId starts with its creation time; any other _id sorts after them.
    return (0, _id.binary) if isinstance(_id, ObjectId) else (1, str(_id))


def resolve(users, groups, out):
    """Keeps the oldest user of each group and moves the others aside."""
    aside = users.database[f"{users.name}_duplicates"]
    moved = 0
    for group in groups:
        keep, *extra = sorted(group["_ids"], key=_oldest_first)
        for _id in extra:
            document = users.find_one({"_id": _id})
            if document is not None:
                aside.replace_one({"_id": _id}, document, upsert=True)
                users.delete_one({"_id": _id})
                moved += 1
        print(f"id {group['id']!r}: kept {keep}, set aside {', '.join(map(str, extra))}", file=out)
    return aside.name, moved


def main(settings, argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="python -m users_api.duplicates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--resolve", action="store_true",
                        help="keep the oldest user of each repeated id, move the others aside, make the index")
    args = parser.parse_args(argv)
    with MongoClient(settings["MONGO_URI"],
                     serverSelectionTimeoutMS=settings["MONGO_SERVER_SELECTION_TIMEOUT_MS"]) as client:
        users = client[settings["MONGO_DATABASE"]][settings["MONGO_COLLECTION"]]
        groups = find_duplicates(users)
        if not groups:
            print(f"no repeated ids in {users.full_name}", file=out)
        elif not args.resolve:
            for group in groups:
                print(f"id {group['id']!r}: {group['count']} users: {', '.join(map(str, group['_ids']))}", file=out)
            print(f"{len(groups)} repeated ids in {users.full_name}; --resolve sets the extra copies aside", file=out)
            return 1
        else:
            aside, moved = resolve(users, groups, out)
            print(f"moved {moved} users to {users.database.name}.{aside}", file=out)
        if args.resolve:
            users.create_index("id", unique=True, name=INDEX_NAME)
            print(f"unique index {INDEX_NAME} is in place", file=out)
    return 0


if __name__ == "__main__":
    # Only the command reads app/config.py, from app/ (the image's WORKDIR), as
    # wsgi.py and run-app.py do; the package itself imports no settings module.
    import config

    sys.exit(main(config.from_env()))
