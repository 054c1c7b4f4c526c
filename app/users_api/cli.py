"""The API's maintenance commands, on Flask's command line, run where the API
runs and with its settings, database client and timeouts:

    flask --app wsgi users duplicates             # list users that repeat an id; exit status 1 when any do
    flask --app wsgi users duplicates --resolve   # keep the oldest user of each id, set the others
                                                  # aside in <collection>_duplicates, make the index

from app/, the image's WORKDIR: `kubectl exec deploy/users-api -- flask --app wsgi users duplicates`.
"""
import click
from flask.cli import AppGroup

from . import database
from .repeated_ids import find_duplicates, set_aside

users_cli = AppGroup("users", help="Maintenance of the stored users.")


@users_cli.command("duplicates")
@click.option("--resolve", is_flag=True,
              help="Keep the oldest user of each repeated id, move the others aside, make the unique index.")
@click.pass_context
def duplicates(ctx, resolve):
    """Lists stored users that repeat an `id`; with --resolve, sets the extra copies aside."""
    users = database.collection()
    groups = find_duplicates(users)
    if not groups:
        click.echo(f"no repeated ids in {users.full_name}")
    elif not resolve:
        for group in groups:
            click.echo(f"id {group['id']!r}: {group['count']} users: {', '.join(map(str, group['_ids']))}")
        click.echo(f"{len(groups)} repeated ids in {users.full_name}; --resolve sets the extra copies aside")
        ctx.exit(1)
    else:
        aside, moved = set_aside(users, groups, click.echo)
        click.echo(f"moved {moved} users to {users.database.name}.{aside}")
    if resolve:
        database.make_unique_index(users)
        click.echo(f"unique index {database.INDEX_NAME} is in place")
