"""The API as a WSGI app (`wsgi:app`), built from the environment's settings.
The image serves it through served.py, which adds the access log and start-up work."""
import config
from users_api import create_app

app = create_app(config.from_env())
