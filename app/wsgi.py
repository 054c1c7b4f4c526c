"""The WSGI entry point gunicorn serves (`wsgi:app`)."""
from users_api import create_app

app = create_app()
