"""gunicorn settings for the image: the production server of the API."""
import os
import threading

# All interfaces by default: in Kubernetes the kubelet and the Service reach the
# pod on its own address. The local try-out, which runs the container on the
# host's network, sets GUNICORN_BIND_HOST=127.0.0.1.
bind = f"{os.environ.get('GUNICORN_BIND_HOST') or '0.0.0.0'}:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# The threaded worker, whose main thread answers /healthz itself, so liveness
# never waits behind requests stuck on the database (users_api/gunicorn_worker.py).
worker_class = "users_api.gunicorn_worker.LivenessThreadWorker"

# Below Kubernetes' termination grace period (infra/usersApi.ts), so in-flight
# requests finish before SIGKILL.
graceful_timeout = 25
timeout = 30

# Each worker touches a heartbeat file every second. /dev/shm is a tmpfs in
# every container runtime (Docker and Kubernetes alike), so that never waits on
# a disk; the default, /tmp, is writable in the pod (an in-memory emptyDir) but
# not under a plain `docker run --read-only`.
worker_tmp_dir = "/dev/shm"

# No control socket: by default gunicorn 25.1+ makes one under $HOME, which in
# the image is /nonexistent on a read-only root, and two servers of one user
# would fight over the same path. Workers are managed by Kubernetes, not gunicornc.
control_socket_disable = True

# Each worker imports the app (and so opens its Mongo client) after the fork;
# a MongoClient shared across fork is not safe.
preload_app = False

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """Start-up work off the boot path: make the unique index (or log why not)."""
    from users_api import database

    threading.Thread(target=database.prepare, args=(worker.wsgi,), name="prepare", daemon=True).start()
