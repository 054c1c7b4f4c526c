"""Resets a benchmark database to a fixed state before each run: USERS users
with ids 1..USERS (lookups cost more as FerretDB's tables grow). With
--index, also the unique id index that this API makes for itself; the
original app made no index, so its database gets none.
    python bench/reset.py MONGO_URI USERS DATABASE [--index]
"""
import sys

from pymongo import MongoClient


def main(uri, count, name, index):
    with MongoClient(uri, serverSelectionTimeoutMS=10000) as client:
        users = client[name]["users"]
        users.drop()
        if index:
            users.create_index("id", unique=True, name="id_unique")
        users.insert_many([{"id": i, "name": f"user-{i}", "team": "dev"} for i in range(1, count + 1)])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], "--index" in sys.argv[4:])
