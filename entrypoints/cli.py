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
from todo_service.entrypoints.logging_setup import configure_logging
from todo_service.entrypoints.settings import ConfigurationError, Settings, one_line

Command = Callable[[argparse.Namespace, Settings], int]


class CommandError(Exception):
    """A command cannot do what it was asked; the message is its one line of output."""


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415 - only `serve` needs the server and the web stack

    from todo_service.entrypoints.http.app import create_app  # noqa: PLC0415
    from todo_service.entrypoints.http.asgi import APP_FACTORY  # noqa: PLC0415
    from todo_service.entrypoints.http.metrics import serving_metrics  # noqa: PLC0415
    from todo_service.entrypoints.http.server import server_options  # noqa: PLC0415

    configure_logging(settings.log_level, access_log=settings.access_log)
    container = build_container(settings, on_event_loop=True)
    require_serving_configuration(container)
    server = server_options(settings)
    metrics = serving_metrics(settings)  # METRICS_PORT's endpoint, before any worker starts
    if settings.workers == 1:
        uvicorn.run(create_app(container, metrics=metrics), **server)
    else:
        # Each worker builds its own app from the same environment; checked above.
        uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **server)
    return 0


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    build_container(settings).storage().migrate()
    print(f"The {settings.database_scheme} database schema is up to date.")
    return 0


def mint(args: argparse.Namespace, settings: Settings) -> int:
    if settings.jwt_secret is None:
        raise ConfigurationError("mint-token signs with JWT_SECRET (HS256); set it first")
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
    return 0


def set_active(args: argparse.Namespace, settings: Settings) -> int:
    active = args.action == "activate"
    try:
        build_service(settings).set_user_active(UserId(args.sub), active)
    except UserNotFoundError:
        raise CommandError(f"no user {args.sub!r} has been seen yet") from None
    except (InvalidValueError, StorageUnavailableError) as error:
        raise CommandError(str(error)) from None
    print(f"{args.sub}: {'active' if active else 'deactivated'}")
    return 0


def purge_idempotency_keys(args: argparse.Namespace, settings: Settings) -> int:
    try:
        purged = build_service(settings).purge_expired_idempotency_keys()
    except StorageUnavailableError as error:
        raise CommandError(str(error)) from None
    print(f"Purged {purged} expired idempotency keys.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todo", description="The todo service. Settings come from the environment or .env."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    commands.add_parser("serve", help="serve the HTTP API on HOST:PORT").set_defaults(run=serve)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        run=migrate
    )
    token = commands.add_parser("mint-token", help="print a development token (JWT_SECRET)")
    token.add_argument("--sub", required=True, help="the user id (the token's subject)")
    token.add_argument("--email", help="the email claim")
    token.add_argument("--name", help="the name claim")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.set_defaults(run=mint)
    users = commands.add_parser("users", help="deactivate or reactivate a user")
    users.add_argument("action", choices=["deactivate", "activate"])
    users.add_argument("sub", help="the user id (the token's subject)")
    users.set_defaults(run=set_active)
    commands.add_parser(
        "purge-idempotency-keys", help="delete idempotency keys past their lifetime (cron it)"
    ).set_defaults(run=purge_idempotency_keys)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Command = args.run
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"todo: configuration error: {one_line(error)}", file=sys.stderr)
        return 2
    try:
        return command(args, settings)
    except ConfigurationError as error:
        print(f"todo: configuration error: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"todo: {error}", file=sys.stderr)
        return 1
