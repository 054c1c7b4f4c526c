"""Resets each benchmark database to the same state: USERS users with ids
1..USERS and the unique id index. Lookups cost more as FerretDB's tables grow,
so every run starts from here.
    python bench/reset.py MONGO_URI USERS DATABASE...
"""
import sys

from pymongo import MongoClient


def main(uri, count, databases):
    with MongoClient(uri, serverSelectionTimeoutMS=10000) as client:
        for name in databases:
            users = client[name]["users"]
            users.drop()
            users.create_index("id", unique=True, name="id_unique")
            users.insert_many([{"id": i, "name": f"user-{i}", "team": "dev"} for i in range(1, count + 1)])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
