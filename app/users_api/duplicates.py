"""`python -m users_api.duplicates [--resolve]`, from app/: the same command as
`flask --app wsgi users duplicates [--resolve]` (users_api/cli.py), kept for
the runbooks that name it."""
import sys

if __name__ == "__main__":
    # The served app, from the environment's settings (app/wsgi.py, beside this
    # package in the image's WORKDIR): the same client and timeouts as the API's.
    from wsgi import app

    from .cli import duplicates

    with app.app_context():
        duplicates.main(args=sys.argv[1:], prog_name="python -m users_api.duplicates")
