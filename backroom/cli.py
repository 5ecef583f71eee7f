"""The `backroom` command: serve the core, run the store app, manage the database,
keys and staff, seed a network, or bring the whole demo up."""

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backroom", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="core + demo network + order stream + store app")
    demo.add_argument("--port", type=int, default=8000, help="core API port")
    demo.add_argument("--app-port", type=int, default=8550, help="store app port (web)")
    demo.add_argument("--orders-per-minute", type=float, default=6.0)
    demo.add_argument("--data-dir", default="var/demo", help="where the demo database lives (recreated)")

    core = commands.add_parser("core", help="serve the core API")
    core.add_argument("--host", default="127.0.0.1")
    core.add_argument("--port", type=int, default=8000)
    core.add_argument("--workers", type=int, default=1)
    core.add_argument("--fd", type=int, help="serve on this listening socket instead of --host and --port (systemd "
                                             "socket activation passes 3: connections made while the core restarts "
                                             "wait for it instead of being refused)")
    core.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")

    app = commands.add_parser("app", help="run the store app")
    app.add_argument("--core", default="http://127.0.0.1:8000", help="core URL")
    app.add_argument("--web", action="store_true", help="serve it to the store's browsers")
    app.add_argument("--host", default="127.0.0.1")
    app.add_argument("--port", type=int, default=8550)
    app.add_argument("--data-dir", default="var/store", help="where this install keeps its cache")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations")

    keys = commands.add_parser("keys", help="API keys for admins and channel integrations")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    create_key = keys_commands.add_parser("create", help="print a new API key")
    create_key.add_argument("--role", choices=["admin", "channel"], required=True)
    create_key.add_argument("--name", required=True)

    staff = commands.add_parser("staff", help="store associates and managers")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    create_staff = staff_commands.add_parser("create", help="add (or reset) a staff member")
    create_staff.add_argument("--store", required=True)
    create_staff.add_argument("--code", required=True)
    create_staff.add_argument("--pin", required=True)
    create_staff.add_argument("--role", choices=["associate", "manager"], default="associate")
    create_staff.add_argument("--name")
    for command, words in (("deactivate", "someone who leaves: no more sign-ins, their sessions end"),
                           ("unlock", "lift a lockout after wrong PINs")):
        staff_command = staff_commands.add_parser(command, help=words)
        staff_command.add_argument("--store", required=True)
        staff_command.add_argument("--code", required=True)

    seed = commands.add_parser("seed", help="load a generated network")
    seed.add_argument("--stores", type=int, default=300)
    seed.add_argument("--skus", type=int, default=20000)
    seed.add_argument("--warehouses", type=int)

    args = parser.parse_args(argv)
    handler = {
        "demo": _demo,
        "core": _core,
        "app": _app,
        "db": _db,
        "keys": _keys,
        "staff": _staff,
        "seed": _seed,
    }[args.command]
    try:
        return handler(args) or 0
    except DatabaseUnreachable as exc:
        # One line, not a traceback: under systemd this is what the journal shows
        # while PostgreSQL is down, and the unit restarts the core until it is back.
        print(f"error: {exc}; exiting with status 1", file=sys.stderr)
        return 1


class DatabaseUnreachable(Exception):
    pass


def _engine():  # noqa: ANN202
    """The core's engine, once a first connection shows the database answers."""
    from sqlalchemy.exc import OperationalError

    from oms_core.core.config import get_settings
    from oms_core.core.db import make_engine

    engine = make_engine(get_settings())
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachable(f"database unreachable at {where} ({reason})") from None
    return engine


def _db(args: argparse.Namespace) -> int:
    from oms_core.core import migrate

    engine = _engine()
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # `backroom core` goes on to serve: its supervisor holds no connection
    print("database is up to date")
    return 0


def _core(args: argparse.Namespace) -> int:
    import uvicorn

    from oms_core.core.config import get_settings
    from oms_core.core.logging import setup_logging

    settings = get_settings()
    # Uvicorn's own lines go through the core's (JSON) log setup too, in this
    # supervising process as in each worker; the core writes its own access log.
    setup_logging(settings.log_level, settings.log_format)
    if not args.no_migrate:
        # Safe when several workers or machines start at once: on PostgreSQL
        # migrate.upgrade holds an advisory lock, so one migrates and the others
        # wait, then find nothing left to do.
        _db(args)
    else:
        _engine().dispose()  # a database that does not answer stops here, not in each worker
    uvicorn.run(
        "oms_core.api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        fd=args.fd,
        workers=args.workers,
        log_level="info",
        log_config=None,
        access_log=False,
        # On SIGTERM (systemd stop, a deploy) stop accepting, let requests in
        # flight finish for this long, then close what is left (event streams).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def _keys(args: argparse.Namespace) -> int:
    from oms_core.core.db import session_scope
    from oms_core.services import auth

    with session_scope(_engine()) as session:
        key = auth.create_api_key(session, args.name, args.role)
    print(key)
    return 0


def _staff(args: argparse.Namespace) -> int:
    from contract.errors import DomainError
    from oms_core.core.db import session_scope
    from oms_core.services import auth

    who = f"{args.store}/{args.code}"
    try:
        with session_scope(_engine()) as session:
            if args.staff_command == "create":
                staff = auth.create_staff(session, args.store, args.code, args.pin, args.role, args.name)
                done = f"{who} ({staff.role}) can sign in"
            elif args.staff_command == "deactivate":
                ended = auth.deactivate_staff(session, args.store, args.code, by=None, client=None)
                done = f"{who} can no longer sign in; {ended} session(s) ended"
            else:
                auth.unlock_staff(session, args.store, args.code, by=None, client=None)
                done = f"{who} can sign in again"
        # Told once committed; a running core's workers follow within auth_cache_seconds.
        print(done)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _seed(args: argparse.Namespace) -> int:
    import time

    from oms_core.core import migrate
    from oms_core.seed import seed

    engine = _engine()
    migrate.upgrade(engine)
    started = time.perf_counter()
    summary = seed(engine, stores=args.stores, skus=args.skus, warehouses=args.warehouses)
    print(
        f"seeded {summary.warehouses} warehouses, {summary.stores} stores, {summary.skus} SKUs, "
        f"{summary.stock_rows} stock rows in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _app(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.main import run_window, serve

    if args.web:
        print(f"store app on http://{args.host}:{args.port} (core {args.core})", flush=True)
        serve(args.core, args.host, args.port, Path(args.data_dir))
    else:
        run_window(args.core, Path(args.data_dir))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from backroom.demo import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
