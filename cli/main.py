"""``citygis``: the command line of the platform.

    citygis db up|down|status    the project-owned PostgreSQL + PostGIS cluster under var/
    citygis migrate              create the database if missing, run the migrations
    citygis load                 load the city (idempotent)
    citygis setup                db up + migrate + load
    citygis import KIND PATH     import an official file format (see `citygis import --help`)
    citygis user add|role|token|revoke|list   accounts, roles and API tokens
    citygis lottery verify ROUND [--url URL]   re-run a drawn lottery round and compare
    citygis lottery lapse        lapse lottery wins not confirmed in time
    citygis notify drain         send the notifications waiting in the outbox
    citygis export-map LAYER… -o out.html   an offline, printable folium map
    citygis serve                serve the APIs and the map on http://127.0.0.1:8000

A command that fails says why in one line on stderr and exits non-zero; `citygis --debug …`
(or CITYGIS_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from cli import errors as cli_errors
from cli import users as auth_cli
from cli.errors import CliError, one_line
from gis_core.cluster import LocalCluster
from gis_core.database import (
    connect,
    database_url,
    ensure_database,
    psycopg_connect,
    uses_local_cluster,
)
from gis_core.settings import get_settings
from layers import DOMAINS


def cmd_db(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not uses_local_cluster(settings):
        print("DATABASE_URL is set: the local cluster is not used.")
        return 0
    cluster = LocalCluster(settings)
    if args.action == "up":
        print("started" if cluster.start() else "already running", "—", cluster.status())
    elif args.action == "down":
        print("stopped" if cluster.stop() else "not running")
    else:
        print(cluster.status())
    return 0


def _ensure_server() -> None:
    settings = get_settings()
    if uses_local_cluster(settings):
        LocalCluster(settings).start()


def cmd_migrate(_args: argparse.Namespace) -> int:
    from gis_core.migrate import current_revision, upgrade
    from layers import migration_folders

    url = database_url()
    if ensure_database(url):
        print(f"created database {url.database}")
    before = current_revision(url)
    upgrade(url, migration_folders())
    after = current_revision(url)
    print(f"schema at {after}" + ("" if before == after else f" (was {before})"))
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from data.load import load_city

    results = load_city(progress=not args.quiet)
    for result in results:
        print(f"  {result.layer_id:<14} {result.status}"
              + (f" ({result.count} features)" if result.status == "loaded" else ""))
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    cmd_migrate(args)
    return cmd_load(args)


RASTER_KIND = "flood-depth"
GRAPH_INPUTS = {"osm-roads", "ksj-a31", RASTER_KIND}  # imports that change evacuation routes


def _run_import(conn: psycopg.Connection, args: argparse.Namespace):  # -> ImportReport
    from data.importers import IMPORTERS
    from data.importers.hazards import RasterSource, import_flood_depth

    if args.kind == RASTER_KIND:
        meta = RasterSource(args.raster_id, args.title_ja, args.title_en, args.source,
                            args.license)
        return import_flood_depth(conn, Path(args.path), get_settings().raster_dir, meta)
    return IMPORTERS[args.kind](conn, Path(args.path),
                                city_code=args.city_code or get_settings().city_code)


def cmd_import(args: argparse.Namespace) -> int:
    from data.importers import ImportFailed
    from layers.disaster.evacuation import rebuild_graph

    path = Path(args.path)
    if not path.is_file():
        raise CliError(f"{path}: " + ("a folder, not a file" if path.is_dir() else "no such file"))
    try:
        with psycopg_connect(database_url(), autocommit=True) as conn:
            report = _run_import(conn, args)
            if args.kind in GRAPH_INPUTS:
                rebuild_graph(conn)
    except ImportFailed as exc:
        print(f"import failed, nothing written: {exc}", file=sys.stderr)
        return 1
    print(f"{report.layer_id}: {report.imported} imported, {len(report.rejected)} rejected")
    for row, reason in report.rejected:
        print(f"  row {row}: {reason}")
    return 0


def cmd_export_map(args: argparse.Namespace) -> int:
    import asyncio

    from layers import load_catalog
    from web_map.export import export_document

    catalog = load_catalog(get_settings().extra_layer_modules)
    unknown = [name for name in args.layers if catalog.get(name) is None]
    if unknown:
        print(f"unknown layer(s): {', '.join(unknown)}; known: "
              f"{', '.join(layer.id for layer in catalog)}", file=sys.stderr)
        return 1

    output = Path(args.output)
    if not output.parent.is_dir():
        raise CliError(f"{output.parent}: no such folder for the map")

    async def export() -> str:
        conn = await connect(database_url())
        try:
            document = await export_document(conn, catalog, [catalog.get(n) for n in args.layers])
            return document.html
        finally:
            await conn.close()

    output.write_text(asyncio.run(export()), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    _check_serving(host, port)
    uvicorn.run("web_map.app:create_app", factory=True, host=host, port=port,
                workers=args.workers, log_level="info", proxy_headers=False,
                http="api.http_protocol:ProblemHttpProtocol")
    return 0


def _check_serving(host: str, port: int) -> None:
    """Fail in one line before uvicorn would (with a traceback from the app's start-up, or a
    log of its own): the database must answer and the address must be free."""
    import socket

    psycopg_connect(database_url(), connect_timeout=10).close()
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else one_line(error)
        raise CliError(f"cannot listen on {host}:{port}: {reason}") from None


def _port(text: str) -> int:
    number = int(text)
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port (1–65535)")
    return number


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return number


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="citygis", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--debug", action="store_true",
                      help="show the traceback of a failure instead of one line")
    sub = root.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="the project-owned PostgreSQL cluster")
    db.add_argument("action", choices=["up", "down", "status"])
    db.set_defaults(run=cmd_db)
    sub.add_parser("migrate", help="create the database and migrate").set_defaults(run=cmd_migrate)
    for name, run in (("load", cmd_load), ("setup", cmd_setup)):
        command = sub.add_parser(name, help="load the city" if name == "load" else
                                 "db up, migrate and load")
        command.add_argument("--quiet", action="store_true", help="no progress bar")
        command.set_defaults(run=run)
    _add_import(sub)
    auth_cli.add_parser(sub)
    for domain in DOMAINS:
        domain.add_commands(sub)
    export = sub.add_parser("export-map", help="write layers as an offline folium map (HTML)")
    export.add_argument("layers", nargs="+", metavar="LAYER")
    export.add_argument("-o", "--output", required=True)
    export.set_defaults(run=cmd_export_map)
    serve = sub.add_parser("serve", help="serve the APIs and the map")
    serve.add_argument("--host")
    serve.add_argument("--port", type=_port)
    serve.add_argument("--workers", type=_positive, default=1)
    serve.set_defaults(run=cmd_serve)
    return root


def _add_import(sub: argparse._SubParsersAction) -> None:
    kinds = ["gsi-shelters", "ksj-p02", "ksj-a31", "ksj-a33", "osm-roads", "estat-chome",
             RASTER_KIND]
    command = sub.add_parser("import", help="import an official file format into a layer")
    command.add_argument("kind", choices=kinds)
    command.add_argument("path")
    command.add_argument("--city-code",
                         help="keep only this municipality (全国地方公共団体コード; default: "
                         "CITYGIS_CITY_CODE, 13220)")
    raster = command.add_argument_group(f"{RASTER_KIND} (a GeoTIFF of depths in metres)")
    raster.add_argument("--raster-id", default="flood_depth")
    raster.add_argument("--title-ja", default="浸水深（洪水浸水想定区域）")
    raster.add_argument("--title-en", default="Flood depth")
    raster.add_argument("--source", default="imported GeoTIFF",
                        help="source and attribution, e.g. 「東京都 浸水予想区域図」")
    raster.add_argument("--license", default="see the source")
    command.set_defaults(run=cmd_import)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        if args.command != "db" and getattr(args, "needs_database", bool)(args):
            _ensure_server()
        return run(args)
    except (Exception, KeyboardInterrupt) as error:
        if args.debug or _debug_setting():
            raise
        message, status = cli_errors.describe(error)
        print(f"citygis: error: {message}", file=sys.stderr)
        return status


def _debug_setting() -> bool:
    try:
        return get_settings().debug
    except ValueError:  # the settings themselves are what failed
        return False


if __name__ == "__main__":
    sys.exit(main())
