"""The database's own ceiling for the API's read: `find({"id": N})` as fast as
a client can send it, with the benchmark's concurrency (16 at once, from 2
processes), no HTTP server in between. Every server that makes one such
lookup per request is capped below this on the same machine.
    python bench/db-ceiling.py MONGO_URI DATABASE USERS SECONDS
Prints: "<lookups/s> <errors>".
"""
import multiprocessing
import sys
import threading
import time

from pymongo import MongoClient

PROCESSES = 2
THREADS_PER_PROCESS = 8


def worker(uri, database, users, seconds, results):
    with MongoClient(uri, maxPoolSize=THREADS_PER_PROCESS) as client:
        collection = client[database]["users"]
        counts = [0] * THREADS_PER_PROCESS
        errors = [0] * THREADS_PER_PROCESS
        deadline = time.monotonic() + seconds

        def loop(slot):
            n = slot
            while time.monotonic() < deadline:
                n = n % users + 1
                try:
                    list(collection.find({"id": n}))
                    counts[slot] += 1
                except Exception:  # counted, as wrk counts failed requests
                    errors[slot] += 1

        threads = [threading.Thread(target=loop, args=(i,)) for i in range(THREADS_PER_PROCESS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.put((sum(counts), sum(errors)))


def main(uri, database, users, seconds):
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=worker, args=(uri, database, users, seconds, results))
                 for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    totals = [results.get() for _ in processes]
    for process in processes:
        process.join()
    print(f"{sum(c for c, _ in totals) / seconds:.0f} {sum(e for _, e in totals)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
