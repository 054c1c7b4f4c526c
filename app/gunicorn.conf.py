"""gunicorn settings for the image: the production server of the API."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Below Kubernetes' termination grace period (infra/usersApi.ts), so in-flight
# requests finish before SIGKILL.
graceful_timeout = 25
timeout = 30

# Heartbeat files in memory: the root filesystem is read-only and disk-backed
# tmp can stall workers.
worker_tmp_dir = "/dev/shm"

# Each worker imports the app (and so opens its Mongo client) after the fork;
# a MongoClient shared across fork is not safe.
preload_app = False

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
