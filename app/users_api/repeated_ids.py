"""Stored users that repeat an `id` (the original app allowed them): finding
them, and setting the extra copies aside so that the unique index can be made.

The `users duplicates` command (cli.py) runs these; the database module names
a few of them when it cannot make the index.
"""
from bson import ObjectId


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


def set_aside(users, groups, say):
    """Keeps the oldest user of each group and moves the others, unchanged, to
    `<collection>_duplicates`: each is copied there before it leaves `users`,
    so a run cut short can simply be run again. Returns (that collection's
    name, how many users moved)."""
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
        say(f"id {group['id']!r}: kept {keep}, set aside {', '.join(map(str, extra))}")
    return aside.name, moved
