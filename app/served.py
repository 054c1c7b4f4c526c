"""What each worker of the image's server imports (server.py): the API's
WSGI app with an access log to stdout, and its start-up work (the unique `id`
index, or a log line saying why not) begun in a thread, off the boot path."""
import threading

from users_api import database
from users_api.access_log import with_access_log
from wsgi import app as api

app = with_access_log(api)
threading.Thread(target=database.prepare, args=(api,), name="prepare", daemon=True).start()
