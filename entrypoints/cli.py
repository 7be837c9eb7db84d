import argparse
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from todo_service.adapters.jwt import mint_token
from todo_service.application import StorageUnavailableError
from todo_service.domain import InvalidValueError, UserId, UserNotFoundError
from todo_service.entrypoints.bootstrap import (
    build_container,
    build_service,
    require_serving_configuration,
)
from todo_service.entrypoints.configuration import jwt_config
from todo_service.entrypoints.logging_setup import configure_logging, readable
from todo_service.entrypoints.settings import ConfigurationError, Settings, one_line

Command = Callable[[argparse.Namespace, Settings], int]

# Exit statuses: a command that did its work, one that cannot (a user unknown), a
# configuration mistake that waiting will not fix (sysexits' EX_CONFIG would do too,
# but 2 is what every start-up check has always used), and a database that may answer
# if the command is run again later (sysexits' EX_TEMPFAIL).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIGURATION = 2
EXIT_UNAVAILABLE = 75


class CommandError(Exception):
    """A command cannot do what it was asked; the message is its one line of output."""


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415 - only `serve` needs the server and the web stack

    from todo_service.entrypoints.http.app import create_app, edge_options  # noqa: PLC0415
    from todo_service.entrypoints.http.asgi import APP_FACTORY  # noqa: PLC0415
    from todo_service.entrypoints.http.metrics import serving_metrics  # noqa: PLC0415
    from todo_service.entrypoints.http.serving.server import announce, server_options  # noqa: PLC0415
    from todo_service.entrypoints.http.serving.workers import serve_until_stopped  # noqa: PLC0415

    configure_logging(
        settings.log_level,
        access_log=settings.access_log,
        for_people=readable(settings.log_format),
    )
    container = build_container(settings, on_event_loop=True)
    require_serving_configuration(container)
    server = server_options(settings)
    announce(settings)
    metrics = serving_metrics(settings)  # METRICS_PORT's endpoint, before any worker starts
    if settings.workers == 1:
        app = create_app(container, metrics=metrics, **edge_options(settings))
        config = uvicorn.Config(app, **server)
    else:
        # Each worker builds its own app from the same environment; checked above.
        config = uvicorn.Config(APP_FACTORY, factory=True, workers=settings.workers, **server)
    serve_until_stopped(config, settings.drain_seconds)
    return EXIT_OK


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    storage = build_container(settings).storage()
    storage.migrate()
    print(f"The schema of {storage.name} is up to date.")
    return EXIT_OK


def mint(args: argparse.Namespace, settings: Settings) -> int:
    if settings.jwt_secret is None:
        raise ConfigurationError("mint-token signs with JWT_SECRET (HS256); set it first")
    # The secret the service would refuse is refused here too, in the same words.
    jwt_config(settings)
    try:
        UserId(args.sub)
        token = mint_token(
            settings.jwt_secret.get_secret_value(),
            args.sub,
            email=args.email,
            name=args.name,
            ttl_seconds=args.ttl,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    except (InvalidValueError, ValueError) as error:
        raise CommandError(str(error)) from None
    print(token)
    return EXIT_OK


def set_active(args: argparse.Namespace, settings: Settings) -> int:
    active = args.action == "activate"
    try:
        build_service(settings).set_user_active(UserId(args.sub), active)
    except UserNotFoundError:
        raise CommandError(f"no user {args.sub!r} has been seen yet") from None
    except InvalidValueError as error:
        raise CommandError(str(error)) from None
    print(f"{args.sub}: {'active' if active else 'deactivated'}")
    return EXIT_OK


def purge_tombstones(args: argparse.Namespace, settings: Settings) -> int:
    purged = build_service(settings).purge_expired_tombstones()
    print(f"Purged {purged} tombstones of todos deleted before the retention period.")
    return EXIT_OK


def purge_idempotency_keys(args: argparse.Namespace, settings: Settings) -> int:
    purged = build_service(settings).purge_expired_idempotency_keys()
    print(f"Purged {purged} expired idempotency keys.")
    return EXIT_OK


# What each command reads from the environment (or .env), for its --help.
_DATABASE = ("database_url", "database_connect_timeout_seconds", "sqlite_busy_timeout_ms")
_TOKENS = ("jwt_secret", "jwt_issuer", "jwt_audience")


def _settings_help(names: Sequence[str]) -> str:
    lines = ["settings (environment variables, or .env in the working folder):"]
    for name in names:
        field = Settings.model_fields[name]
        default = "none" if field.default in (None, ()) else field.default
        lines.append(f"  {name.upper():34} {field.description} [default: {default}]")
    return "\n".join(lines)


def _command(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    name: str,
    summary: str,
    run: Command,
    reads: Sequence[str],
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=_settings_help(reads),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todo",
        description="The todo service. Settings come from the environment or from .env in "
        "the working folder; `todo COMMAND --help` lists those a command reads.",
        epilog=f"exit status: {EXIT_OK} done, {EXIT_FAILED} refused (e.g. an unknown user), "
        f"{EXIT_CONFIGURATION} configuration mistake, {EXIT_UNAVAILABLE} database unreachable "
        "now (try again)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _command(
        commands, "serve", "serve the HTTP API on HOST:PORT", serve, list(Settings.model_fields)
    )
    _command(commands, "migrate", "bring the database schema up to date", migrate, ["database_url"])
    token = _command(
        commands, "mint-token", "print a development token signed with JWT_SECRET", mint, _TOKENS
    )
    token.add_argument("--sub", required=True, help="the user id (the token's subject)")
    token.add_argument("--email", help="the email claim")
    token.add_argument("--name", help="the name claim")
    token.add_argument(
        "--ttl", type=int, default=3600, help="seconds until it expires (default: %(default)s)"
    )
    users = _command(commands, "users", "deactivate or reactivate a user", set_active, _DATABASE)
    users.add_argument("action", choices=["deactivate", "activate"])
    users.add_argument("sub", help="the user id (the token's subject)")
    _command(
        commands,
        "purge-idempotency-keys",
        "delete idempotency keys past their lifetime (cron it)",
        purge_idempotency_keys,
        [*_DATABASE, "idempotency_ttl_seconds"],
    )
    _command(
        commands,
        "purge-tombstones",
        "forget todos deleted longer ago than the change log keeps them (cron it)",
        purge_tombstones,
        [*_DATABASE, "change_retention_days"],
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Command = args.run
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"todo: configuration error: {one_line(error)}", file=sys.stderr)
        return EXIT_CONFIGURATION
    try:
        return command(args, settings)
    except ConfigurationError as error:
        print(f"todo: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except CommandError as error:
        print(f"todo: {error}", file=sys.stderr)
        return EXIT_FAILED
    except StorageUnavailableError as error:
        return _database_failure(settings, error)


def _database_failure(settings: Settings, error: StorageUnavailableError) -> int:
    """One line naming the database (password masked) and the driver's reason."""
    storage = build_container(settings).storage()
    problem = storage.explain(error)
    if problem.misconfigured:
        print(
            f"todo: configuration error: the database {storage.name} cannot be used: "
            f"{problem.reason}",
            file=sys.stderr,
        )
        return EXIT_CONFIGURATION
    print(
        f"todo: the database {storage.name} is unreachable now ({problem.reason}); try again later",
        file=sys.stderr,
    )
    return EXIT_UNAVAILABLE
