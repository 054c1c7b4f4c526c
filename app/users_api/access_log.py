"""An access log line per request, written straight to stdout.

The image's server (granian) runs this around the app instead of its own
access log, which goes through Python's `logging` for every request. One
`os.write` of one short line per request: atomic on a pipe (under PIPE_BUF,
4 KiB), so lines from concurrent threads never interleave, and cheap enough
not to show in the benchmark.

    127.0.0.1 - - [02/Dec/2026:17:00:00 +0000] "GET /api/v1/users?id=3 HTTP/1.1" 200 4.1ms
"""
import os
import time

MAX_TARGET = 2000  # characters of the path and query kept in a line


def with_access_log(app, fd=1):
    def logged(environ, start_response):
        started = time.monotonic()
        status = []

        def recording_start_response(line, headers, exc_info=None):
            status.append(line)
            return start_response(line, headers, exc_info)

        try:
            return app(environ, recording_start_response)
        finally:
            query = environ.get("QUERY_STRING")
            target = environ.get("PATH_INFO", "") + ("?" + query if query else "")
            address = environ.get("REMOTE_ADDR") or "-"
            when = time.strftime("%d/%b/%Y:%H:%M:%S %z")
            method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
            target = target[:MAX_TARGET].encode("unicode_escape").decode("ascii").replace('"', '\\"')
            code = status[-1].split(" ", 1)[0] if status else "-"
            took = (time.monotonic() - started) * 1000
            line = f'{address} - - [{when}] "{method} {target} {protocol}" {code} {took:.1f}ms\n'
            os.write(fd, line.encode("ascii", "replace"))

    return logged
