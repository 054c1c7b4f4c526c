"""The WSGI entry point gunicorn serves (`wsgi:app`)."""
import config
from users_api import create_app

app = create_app(config.from_env())
