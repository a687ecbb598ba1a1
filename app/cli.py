"""``flask`` commands: users and keys here; each feature adds its own group."""

import click
from flask.cli import AppGroup

from app.auth import service

users_cli = AppGroup("users", help="Manage users.")
keys_cli = AppGroup("keys", help="Manage API keys.")


@users_cli.command("create")
@click.argument("username")
@click.option("--email")
@click.option("--admin", is_flag=True, help="The user is an administrator.")
def create_user(username, email, admin):
    """Create a user."""
    try:
        user = service.create_user(username, email=email, is_admin=admin)
    except service.UserExists as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created user {user.username} ({user.id})")


@keys_cli.command("create")
@click.option("--user", "username", required=True, help="Username or id of the key's owner.")
@click.option("--name", help="A label for the key.")
@click.option("--admin", is_flag=True, help="The key has admin rights.")
def create_key(username, name, admin):
    """Create an API key; it is printed once and stored only as a hash."""
    user = service.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}; create it with `flask users create`")
    key, plaintext = service.create_api_key(user, name=name, is_admin=admin)
    click.echo(plaintext)
    click.echo(f"# key {key.prefix} for {user.username}{' (admin)' if key.is_admin else ''}; "
               "store it now, it is not shown again", err=True)


@keys_cli.command("revoke")
@click.argument("key")
def revoke_key(key):
    """Revoke a key by its prefix (the first 12 characters) or id."""
    revoked = service.revoke_api_key(key)
    if revoked is None:
        raise click.ClickException(f"no key {key!r}")
    click.echo(f"revoked {revoked.prefix}")


def init_cli(app):
    from app.ai.cli import cli as ai_cli
    from app.history.cli import cli as history_cli
    from app.og.cli import cli as og_cli
    from app.prompts.cli import cli as prompts_cli
    from app.tracking.cli import cli as tracking_cli

    for group in (users_cli, keys_cli, og_cli, ai_cli, prompts_cli, history_cli, tracking_cli):
        app.cli.add_command(group)
