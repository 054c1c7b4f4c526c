"""gunicorn's threaded worker, with liveness answered by the worker's main thread.

In the stock worker every request, `/healthz` included, waits for one of the
worker's few request threads. When the database stalls, those threads all sit
in database calls, the kubelet's liveness probe times out behind them, and
healthy pods are killed in the middle of an outage they cannot fix.

Here the main thread (the one that accepts connections and tells the arbiter
the worker is alive) looks at the first bytes of each new connection: a
complete `GET /healthz` is answered on the spot; anything else goes to the
request threads as before. So liveness means "this worker's event loop runs",
whatever the request threads are waiting for.
"""
import errno
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, TConn, ThreadWorker

_PROBE = b"GET /healthz "
_END_OF_HEADERS = b"\r\n\r\n"
_BODY = b'{"status":"ok"}\n'
_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s") % (len(_BODY), _BODY)


class LivenessThreadWorker(ThreadWorker):

    def accept(self, listener):
        """Accepts a connection and waits, in the main thread's poller, for its first bytes."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client_sock, client_addr, listener.getsockname())  # non-blocking until init()
        # As long as the stock worker lets a new connection stay silent.
        conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_first_bytes, conn))

    def on_first_bytes(self, conn, client):
        self.poller.unregister(client)
        self.pending_conns.remove(conn)
        try:
            if not self.cfg.is_ssl and self.answer_liveness(conn.sock):
                self.nr_conns -= 1
                conn.close()
                return
        except OSError:
            self.nr_conns -= 1
            conn.close()
            return
        conn.data_ready = True
        self.enqueue_req(conn)

    def answer_liveness(self, sock):
        """True when the connection carried a complete liveness probe, now answered."""
        head = sock.recv(4096, socket.MSG_PEEK)
        if not head.startswith(_PROBE) or _END_OF_HEADERS not in head:
            return False
        sock.recv(head.index(_END_OF_HEADERS) + len(_END_OF_HEADERS))  # take the request off the socket
        sock.sendall(_RESPONSE)
        self.log.debug("liveness probe answered by the main thread")
        return True
