"""Run by test_benchmark.py inside the baseline's own virtual environment
(pymongo 3.x): imports bench/baseline_app.py with a command listener in place
and prints, as JSON, each request's status and the database commands it sent.
    MONGO_URI=… MONGO_DATABASE=… python baseline_probe.py BENCH_DIR
"""
import json
import sys

from pymongo import monitoring

IGNORED = {"ismaster", "isMaster", "hello", "endSessions", "ping", "buildInfo", "saslStart", "saslContinue"}


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        if event.command_name not in IGNORED:
            self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def main(bench_dir):
    commands = Commands()
    monitoring.register(commands)
    sys.path.insert(0, bench_dir)
    import baseline_app

    client = baseline_app.app.test_client()
    steps = [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {"id": 1, "name": "Ana", "team": "dev"}),
        ("POST", "/api/v1/users", [{"id": 2, "name": "Rui"}, {"id": 3, "name": "Eva"}]),
        ("POST", "/api/v1/users", {"id": 4, "admin": True}),
        ("GET", "/api/v1/users?id=1", None),
        ("GET", "/api/v1/users?name=Rui", None),
        ("GET", "/api/v1/users?id=99", None),
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users/1", {"$set": {"name": "Ana Maria"}}),
        ("DELETE", "/api/v1/users/2", None),
        ("GET", "/nowhere", None),
    ]
    results = []
    for method, path, body in steps:
        commands.names = []
        response = client.open(path, method=method, json=body)
        results.append({"request": f"{method} {path}", "status": response.status_code,
                        "commands": commands.names, "body": response.get_data(as_text=True)})
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
