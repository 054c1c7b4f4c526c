"""An access log line per request, on stdout, gathered into few writes.

The image's server (granian) runs this around the app instead of its own
access log, which goes through Python's `logging` for every request.

    127.0.0.1 - - [02/Dec/2026:17:00:00 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 200 4.1ms

Why gathered: formatting a line costs the process microseconds, but every
write to stdout wakes the container runtime's log copier, which shares the
node's cores with the API and its database. One write per request cost the
API about a tenth of its throughput in the benchmark; lines written together,
at most FLUSH_INTERVAL_S after their request, cost a few writes a second.
Each write holds whole lines and at most PIPE_BUF bytes, so it is atomic on a
pipe and lines of the server's worker processes never interleave. A process
that stops writes what it holds as it exits (multiprocessing's exit
finalizers, which run in the main process and in forked workers alike, where
atexit does not); a process killed with SIGKILL loses at most the last
FLUSH_INTERVAL_S of lines.
"""
import os
import threading
import time
from multiprocessing import util

MAX_TARGET = 2000  # characters of the path and query kept in a line
PIPE_BUF = 4096  # bytes a write to a pipe may hold and stay atomic (POSIX minimum, Linux's value)
FLUSH_INTERVAL_S = 0.05


def chunks(lines):
    """The lines joined into as few writes as possible, each of whole lines and
    at most PIPE_BUF bytes (a longer line, which the target's cap makes rare,
    goes alone)."""
    chunk = b""
    for line in lines:
        if chunk and len(chunk) + len(line) > PIPE_BUF:
            yield chunk
            chunk = b""
        chunk += line
    if chunk:
        yield chunk


class AccessLog:
    """Lines waiting to be written to `fd`, written by a thread of the process
    every `interval` seconds, or at once by the request that fills a write."""

    def __init__(self, fd=1, interval=FLUSH_INTERVAL_S):
        self.fd = fd
        self.interval = interval
        self._forget_parent()
        # A forked child starts empty: the lines it inherits are its parent's to write.
        os.register_at_fork(after_in_child=self._forget_parent)

    def _forget_parent(self):
        self._lines = []
        self._size = 0
        self._lock = threading.Lock()
        self._writer_started = False

    def write(self, line):
        with self._lock:
            self._ensure_writer()
            self._lines.append(line)
            self._size += len(line)
            full = self._size >= PIPE_BUF
        if full:
            self.flush()

    def flush(self):
        with self._lock:
            lines, self._lines, self._size = self._lines, [], 0
        for chunk in chunks(lines):
            os.write(self.fd, chunk)

    def _ensure_writer(self):
        # Threads do not survive fork: each process that writes starts its own
        # (a forked child starts with _writer_started reset, _forget_parent).
        if self._writer_started:
            return
        self._writer_started = True
        util.Finalize(self, self.flush, exitpriority=100)
        threading.Thread(target=self._write_periodically, name="access-log", daemon=True).start()

    def _write_periodically(self):
        while True:
            time.sleep(self.interval)
            self.flush()


def line_of(environ, status, took_ms):
    query = environ.get("QUERY_STRING")
    target = environ.get("PATH_INFO", "") + ("?" + query if query else "")
    address = environ.get("REMOTE_ADDR") or "-"
    when = time.strftime("%d/%b/%Y:%H:%M:%S %z")
    method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
    target = target[:MAX_TARGET].encode("unicode_escape").decode("ascii").replace('"', '\\"')
    code = status.split(" ", 1)[0] if status else "-"
    return f'{address} - - [{when}] "{method} {target} {protocol}" {code} {took_ms:.1f}ms\n'.encode("ascii", "replace")


def with_access_log(app, log=None):
    log = AccessLog() if log is None else log

    def logged(environ, start_response):
        started = time.monotonic()
        status = []

        def recording_start_response(line, headers, exc_info=None):
            status.append(line)
            return start_response(line, headers, exc_info)

        try:
            return app(environ, recording_start_response)
        finally:
            log.write(line_of(environ, status[-1] if status else None, (time.monotonic() - started) * 1000))

    return logged
