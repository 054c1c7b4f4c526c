"""REFERENCE for the benchmark only, never a server to deploy: the API's own
Flask app behind the least HTTP work that can carry it, to measure how fast
any server of this Flask app could be on this machine.

Each connection gets a thread that reads a request line, headers and a
Content-Length body, calls the app through WSGI and writes the answer, keeping
the connection open. Nothing else: no access log, no timeouts, no limits on
what a client sends, no chunked bodies, no graceful stop. Whatever a real
server adds (HTTP parsing that follows the RFCs, its worker model, the access
log) is on top of this, so a real server's figures stay below these.

    MONGO_URI=… MONGO_DATABASE=… CEILING_PORT=5104 PYTHONPATH=app python bench/flask-ceiling.py

It runs CEILING_PROCESSES processes (default 2, one per core here), each
with its own app and database client, all accepting on one socket.
"""
import io
import os
import socket
import sys
import threading

_END_OF_HEADERS = b"\r\n\r\n"


def environ_of(head):
    """The WSGI environ of one request from its head (request line and headers);
    the caller adds the body as `wsgi.input`."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, protocol = lines[0].split(" ", 2)
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": os.environ["CEILING_PORT"], "SERVER_PROTOCOL": protocol,
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value.strip()
        else:
            environ[f"HTTP_{key}"] = value.strip()
    return environ


def call(app, environ):
    """(status, headers, body) of the app's answer to one request."""
    answer = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers))))
    return answer[0], answer[1], body


def serve_connection(app, conn):
    try:
        with conn:
            serve_requests(app, conn)
    except ConnectionError:
        pass  # the client went away (wrk resets its connections when it stops)


def serve_requests(app, conn):
    buffered = b""
    while True:
        while _END_OF_HEADERS not in buffered:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buffered += chunk
        head, buffered = buffered.split(_END_OF_HEADERS, 1)
        environ = environ_of(head)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        while len(buffered) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buffered += chunk
        environ["wsgi.input"], buffered = io.BytesIO(buffered[:length]), buffered[length:]
        status, headers, body = call(app, environ)
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers if name.lower() != "content-length")
        conn.sendall(f"HTTP/1.1 {status}\r\n{lines}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body)
        if environ.get("HTTP_CONNECTION", "").lower() == "close":
            return


def main():
    listener = socket.create_server(("127.0.0.1", int(os.environ["CEILING_PORT"])), backlog=1024)
    for _ in range(int(os.environ.get("CEILING_PROCESSES", "2")) - 1):
        if os.fork() == 0:
            break
    # After the fork, as the image's server does: one app and one database client per process.
    import config
    from users_api import create_app, database

    app = create_app(config.from_env())
    database.prepare(app)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve_connection, args=(app, conn), daemon=True).start()


if __name__ == "__main__":
    main()
