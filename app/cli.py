"""``flask`` commands: users and keys here; each feature adds its own group."""

import click
from flask.cli import AppGroup, with_appcontext

from app.auth import service
from app.governance.limits import LimitsInvalid, check_key_limits, set_key_limits, set_user_budget
from app.spend.cli import budget_options, describe, key_options

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


def _when(moment):
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _user_or_exit(name):
    user = service.find_user(name)
    if user is None:
        raise click.ClickException(f"no user {name!r}; `flask users list` shows them")
    return user


@users_cli.command("list")
def list_users():
    """List users: name, id, admin, active, created."""
    click.echo(f"{'USERNAME':<24} {'ID':<36} {'ADMIN':<5} {'ACTIVE':<6} CREATED")
    for user in service.list_users():
        click.echo(f"{user.username:<24} {user.id!s:<36} {'yes' if user.is_admin else 'no':<5} "
                   f"{'yes' if user.is_active else 'no':<6} {_when(user.created_at)}")


def _set_active(name, is_active):
    user = service.set_user_active(_user_or_exit(name), is_active)
    state = "enabled" if is_active else "disabled: their keys are refused from now on, their ledger stays"
    click.echo(f"{user.username} {state}")


@users_cli.command("disable")
@click.argument("name")
def disable_user(name):
    """Disable a user (by name or id): every key of theirs stops working at once."""
    _set_active(name, False)


@users_cli.command("enable")
@click.argument("name")
def enable_user(name):
    """Enable a disabled user again; their unrevoked keys work again."""
    _set_active(name, True)


@keys_cli.command("list")
@click.option("--user", "username", help="Only this user's keys (username or id).")
def list_keys(username):
    """List keys: prefix, name, user, admin, created, last used, revoked. Never the keys themselves."""
    user = _user_or_exit(username) if username else None
    click.echo(f"{'PREFIX':<12} {'NAME':<20} {'USER':<20} {'ADMIN':<5} {'CREATED':<16} {'LAST USED':<16} REVOKED")
    for key, owner in service.list_keys(user):
        click.echo(f"{key.prefix:<12} {(key.name or '-')[:20]:<20} {owner.username[:20]:<20} "
                   f"{'yes' if key.is_admin else 'no':<5} {_when(key.created_at):<16} "
                   f"{_when(key.last_used_at):<16} {_when(key.revoked_at)}")


@keys_cli.command("create")
@click.option("--user", "username", required=True, help="Username or id of the key's owner.")
@click.option("--name", help="A label for the key.")
@click.option("--admin", is_flag=True, help="The key has admin rights.")
@key_options
def create_key(username, name, admin, limits):
    """Create an API key; it is printed once and stored only as a hash."""
    user = _user_or_exit(username)
    _apply(lambda _row, values: check_key_limits(values), None, limits)  # nothing is made with a wrong limit
    key, plaintext = service.create_api_key(user, name=name, is_admin=admin)
    set_key_limits(key, limits)
    click.echo(plaintext)
    click.echo(f"# key {key.prefix} for {user.username}{' (admin)' if key.is_admin else ''}; {describe(key)}; "
               "store it now, it is not shown again", err=True)


@keys_cli.command("update")
@click.argument("key")
@key_options
def update_key(key, limits):
    """Change a key's budget, period, expiry, scopes or allowed models and providers (by prefix or id)."""
    found = service.find_key(key)
    if found is None:
        raise click.ClickException(f"no key {key!r}")
    _apply(set_key_limits, found, limits)
    click.echo(f"{found.prefix}: {describe(found)}")


@users_cli.command("update")
@click.argument("name")
@budget_options
def update_user(name, limits):
    """Set a user's budget over all their keys (by name or id)."""
    user = _user_or_exit(name)
    _apply(set_user_budget, user, limits)
    click.echo(f"{user.username}: {describe(user)}")


def _apply(setter, row, values):
    try:
        setter(row, values)
    except LimitsInvalid as error:
        raise click.BadParameter(error.message, param_hint=error.field) from error


@keys_cli.command("revoke")
@click.argument("key")
def revoke_key(key):
    """Revoke a key by its prefix (the first 12 characters) or id."""
    revoked = service.revoke_api_key(key)
    if revoked is None:
        raise click.ClickException(f"no key {key!r}")
    click.echo(f"revoked {revoked.prefix}")


@click.command("doctor")
@with_appcontext
def doctor():
    """Check configuration, database, migrations, Redis and storage; explain what to fix."""
    from app.doctor import run_checks

    findings = run_checks()
    for finding in findings:
        mark = "WARN" if finding.warning else ("ok  " if finding.ok else "FAIL")
        click.echo(f"{mark} {finding.name:<11} {finding.detail}")
        if finding.fix and (finding.warning or not finding.ok):
            click.echo(f"     fix: {finding.fix}")
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


def init_cli(app, factory):
    from app.ai.cli import cli as ai_cli
    from app.analytics.cli import TOP_LEVEL_COMMANDS as history_commands
    from app.analytics.cli import cli as history_cli
    from app.og.cli import cli as og_cli
    from app.prompts.cli import cli as prompts_cli
    from app.tracking.cli import cli as tracking_cli
    from app.transfer.cli import init_cli as init_transfer_cli

    app.cli.add_command(doctor)
    for group in (users_cli, keys_cli, og_cli, ai_cli, prompts_cli, history_cli, tracking_cli,
                  *history_commands):
        app.cli.add_command(group)
    init_transfer_cli(app, factory)
