#!/opt/mongo-shell/bin/python3
"""The stand-in image's `mongo` shell: the legacy shell's command line, for the
JavaScript the program runs with it (infra/app/mongodb.ts) and nothing more:

    mongo [--quiet] [--host H] [--port P] [--username U --password P
          [--authenticationDatabase DB]] [DB] (--eval JS | < script)

JS: `db.adminCommand('ping')` (the probes), `quit(N)`, and
`db.createUser({user, pwd, roles})` (the init script). FerretDB implements no
roles: the user is created without them and a note says so on stderr (a real
mongo:4.2 grants and enforces them). Anything else is refused with exit code 64.
"""
import json
import re
import sys

from pymongo import MongoClient
from pymongo.errors import PyMongoError


def parse_args(argv):
    opts = {"host": "127.0.0.1", "port": 27017, "quiet": False, "db": "test"}
    with_value = {"--host": "host", "--port": "port", "--username": "username", "-u": "username",
                  "--password": "password", "-p": "password", "--authenticationDatabase": "authSource", "--eval": "eval"}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--quiet":
            opts["quiet"] = True
        elif arg in with_value:
            i += 1
            opts[with_value[arg]] = argv[i]
        elif arg.startswith("-"):
            fail(f"option {arg} is not supported by this stand-in")
        else:
            opts["db"] = arg
        i += 1
    opts["port"] = int(opts["port"])
    return opts


def fail(message, code=64):
    print(f"stand-in mongo shell: {message}", file=sys.stderr)
    sys.exit(code)


def js_object(text):
    """A JavaScript object literal of plain keys and string/array/object values, as JSON."""
    quoted = re.sub(r"'([^'\"\\]*)'", r'"\1"', text)
    quoted = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', quoted)
    try:
        return json.loads(quoted)
    except ValueError:
        fail(f"cannot read this object: {text!r}")


def run(script, opts):
    statements = [s.strip() for s in re.split(r";\s*(?:\n|$)", script.strip()) if s.strip()]
    client = None

    def connect():
        nonlocal client
        if client is None:
            auth = {}
            if opts.get("username"):
                auth = {"username": opts["username"], "password": opts.get("password", ""),
                        "authSource": opts.get("authSource", opts["db"])}
            client = MongoClient(opts["host"], opts["port"], serverSelectionTimeoutMS=3000,
                                 connectTimeoutMS=3000, directConnection=True, **auth)
        return client

    for statement in statements:
        statement = statement.rstrip(";").strip()
        quit_call = re.fullmatch(r"quit\((\d*)\)", statement)
        if quit_call:
            sys.exit(int(quit_call.group(1) or 0))
        admin = re.fullmatch(r"db\.adminCommand\(\s*(?:'(\w+)'|\"(\w+)\"|(\{.*\}))\s*\)", statement, re.S)
        if admin:
            command = {admin.group(1) or admin.group(2): 1} if not admin.group(3) else js_object(admin.group(3))
            print(json.dumps(connect().admin.command(command), default=str))
            continue
        create = re.fullmatch(r"db\.createUser\(\s*(\{.*\})\s*\)", statement, re.S)
        if create:
            spec = js_object(create.group(1))
            wanted = spec.get("roles", [])
            connect()[opts["db"]].command("createUser", spec["user"], pwd=spec["pwd"], roles=[])
            if wanted:
                print(f"stand-in mongo shell: FerretDB implements no roles; created user {spec['user']!r} in "
                      f"{opts['db']!r} without the requested roles {json.dumps(wanted)}", file=sys.stderr)
            print(json.dumps({"ok": 1}))
            continue
        fail(f"this JavaScript is not supported by this stand-in: {statement!r}")


def main():
    opts = parse_args(sys.argv[1:])
    script = opts.get("eval")
    if script is None:
        script = sys.stdin.read()
    try:
        run(script, opts)
    except PyMongoError as err:
        print(f"Error: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
