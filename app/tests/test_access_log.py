"""The access log (users_api/access_log.py): one line per request, gathered
into few writes, none lost when a worker stops, none written twice."""
import multiprocessing
import os
import random
import select

from users_api.access_log import PIPE_BUF, AccessLog, chunks, with_access_log

SLOW = 60  # seconds: a flush interval no test waits for


def not_found(environ, start_response):
    start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
    return [b"no"]


def request(path="/users"):
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1"}


def read_all(fd, timeout=2.0):
    """What the pipe holds within `timeout` seconds of waiting."""
    data = b""
    while select.select([fd], [], [], timeout)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
        timeout = 0.2
    return data.decode()


def test_a_line_per_request_with_its_target_escaped():
    read_end, write_end = os.pipe()
    log = AccessLog(fd=write_end, interval=SLOW)
    logged = with_access_log(not_found, log)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": '/a"\nb\u00e9', "QUERY_STRING": "id=1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7"}
    assert logged(environ, lambda *args: None) == [b"no"]
    log.flush()
    line = read_all(read_end)
    assert line.count("\n") == 1 and line.endswith("ms\n"), "one line, the request's newline escaped"
    assert line.startswith("10.0.0.7 - - [")
    assert '"GET /a\\"\\nb\\xe9?id=1 HTTP/1.1" 404 ' in line, line


def test_lines_reach_the_output_within_the_interval_without_anyone_flushing():
    read_end, write_end = os.pipe()
    logged = with_access_log(not_found, AccessLog(fd=write_end, interval=0.05))
    logged(request(), lambda *args: None)
    assert '"GET /users HTTP/1.1" 404' in read_all(read_end, timeout=1.0)


def test_a_request_that_fills_a_write_writes_at_once():
    read_end, write_end = os.pipe()
    logged = with_access_log(not_found, AccessLog(fd=write_end, interval=SLOW))
    for _ in range(PIPE_BUF // 40 + 1):
        logged(request(), lambda *args: None)
    assert read_all(read_end, timeout=1.0).count("\n") >= PIPE_BUF // 100


def test_every_write_is_whole_lines_within_pipe_buf_so_workers_never_interleave():
    rng = random.Random(7)
    lines = [b"x" * rng.randint(40, 2500) + b"\n" for _ in range(500)] + [b"y" * (PIPE_BUF + 10) + b"\n"]
    written = list(chunks(lines))
    assert b"".join(written) == b"".join(lines), "every line, once, in order"
    for chunk in written:
        assert chunk.endswith(b"\n")
        assert len(chunk) <= PIPE_BUF or chunk.count(b"\n") == 1, "only a line longer than PIPE_BUF goes over, alone"
    assert len(written) < len(lines) / 2, "lines share writes"


def _serve_one_request_then_exit(log):
    with_access_log(not_found, log)(request("/from-the-worker"), lambda *args: None)


def test_a_forked_worker_writes_what_it_holds_as_it_exits_and_never_its_parents_lines():
    """As granian's workers: forked from a process that imported the log, they
    exit through multiprocessing, which skips atexit."""
    read_end, write_end = os.pipe()
    log = AccessLog(fd=write_end, interval=SLOW)
    with_access_log(not_found, log)(request("/from-the-parent"), lambda *args: None)
    worker = multiprocessing.get_context("fork").Process(target=_serve_one_request_then_exit, args=(log,))
    worker.start()
    worker.join(10)
    assert worker.exitcode == 0
    from_worker = read_all(read_end)
    assert "/from-the-worker" in from_worker, "the worker's line, written as it exited"
    assert "/from-the-parent" not in from_worker, "the parent's line is the parent's to write"
    log.flush()
    assert read_all(read_end).count("/from-the-parent") == 1
