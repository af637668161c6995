"""The `venuekit` command: serve the kit, print codes and tokens, seed a demo."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from webapp.domain import codes

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="venuekit",
        description="venuekit: an offline-first kit for in-person assemblies.",
    )
    parser.add_argument("--data", default=os.environ.get("VENUEKIT_DATA", "var"),
                        help="the kit's data directory (default: var/, or $VENUEKIT_DATA)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _server_options(sub.add_parser("serve", help="run the web app in the production server"), port=8000)
    sub.add_parser("setup-code", help="print the organiser setup code")
    token = sub.add_parser("token", help="print a new API bearer token")
    token.add_argument("--role", required=True, choices=["organiser", "steward"], help="what the token may do")
    token.add_argument("--label", default="", help="a note to remember what the token is for")
    demo = sub.add_parser("demo", help="seed a demo assembly")
    demo.add_argument("--voters", type=int, default=24, help="how many demo ballots to cast")
    enrol = sub.add_parser("enrol", help="enrol this kit with a hub (as the organiser page does)")
    enrol.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    enrol.add_argument("--code", required=True, help="the one-time enrolment code from the hub")
    sync = sub.add_parser("sync", help="run the sync worker: push the outbox to the hub")
    sync.add_argument("--once", action="store_true", help="push everything waiting, then stop")
    sync.add_argument("--max-backoff", type=float, default=60.0,
                      help="longest wait in seconds between retries after failures (default 60)")
    hub = sub.add_parser("hub", help="run or manage a hub (the same software, upstream)")
    hub_sub = hub.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    _server_options(hub_sub.add_parser("serve", help="run the hub's web app in the production server"), port=8100)
    hub_sub.add_parser("enrol-code", help="print a one-time enrolment code for one kit")
    hub_sub.add_parser("kits", help="list enrolled kits with their last contact")
    return parser


def _server_options(parser: argparse.ArgumentParser, *, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"port to listen on (default {port})")
    parser.add_argument("--threads", type=int, default=32, help="worker threads (default 32)")
    parser.add_argument("--access-log", action="store_true", help="log every request")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data = Path(args.data)
    if args.command == "serve":
        return _serve(data, args, hub=False)
    if args.command == "hub":
        return _hub(data, args)
    from webapp.services import auth
    from webapp.storage import open_store

    store = open_store(data)
    if args.command == "setup-code":
        print(codes.display(auth.setup_code(store), codes.SETUP))
    elif args.command == "token":
        print(auth.create_token(store, args.role, args.label))
    elif args.command == "demo":
        from webapp.demo import seed

        summary = seed(store, voters=args.voters)
        print(summary)
    elif args.command == "enrol":
        from webapp.config import load
        from webapp.sync.client import HubClient, SyncError

        try:
            kit_id = HubClient(store).enrol(args.hub, args.code, load(data)["KIT_NAME"])
        except SyncError as exc:
            print(f"venuekit: enrolment failed: {exc}", file=sys.stderr)
            return 1
        print(f"enrolled as {kit_id}")
    elif args.command == "sync":
        return _sync(store, once=args.once, max_backoff=args.max_backoff)
    return 0


def _sync(store, *, once: bool, max_backoff: float) -> int:
    import signal
    import threading

    from webapp.sync import state as sync_state
    from webapp.sync.client import HubClient, SyncError, run_worker

    if once:
        client = HubClient(store)
        try:
            while True:
                result = client.push_once()
                print(f"sync: sent {result.sent}, {result.remaining} waiting", flush=True)
                if not result.remaining:
                    return 0
        except SyncError as exc:
            sync_state.save(store, last_error=str(exc))
            print(f"venuekit: sync failed: {exc}", file=sys.stderr)
            return 1
    stop, wake = threading.Event(), threading.Event()

    def on_signal(signum, frame):
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run_worker(store, stop, wake=wake, cap_s=max_backoff, log=lambda line: print(line, flush=True))
    return 0


def _hub(data: Path, args) -> int:
    from webapp.hub import ingest

    if args.hub_command == "serve":
        return _serve(data, args, hub=True)
    hub = ingest.open_hub(data)
    if args.hub_command == "enrol-code":
        print(ingest.create_enrol_code(hub))
    elif args.hub_command == "kits":
        for kit in ingest.kits(hub):
            print(f"{kit['kit_id']}\t{kit['name']}\tlast contact {kit['last_contact']}\t"
                  f"{kit['records']} records\t{kit['conflicts']} conflicts")
    return 0


def _serve(data: Path, args, *, hub: bool) -> int:
    from webapp.app import create_app
    from webapp.server import KitServer
    from webapp.services import auth

    app = create_app({"DATA_DIR": str(data), "HUB": hub})
    store = app.extensions["venuekit"].store
    url = f"http://{args.host}:{args.port}/"
    print(f"venuekit: serving {'hub ' if hub else ''}{url} (data in {data.resolve()})", flush=True)
    if not auth.has_organiser(store):
        code = codes.display(auth.setup_code(store), codes.SETUP)
        print(f"venuekit: organiser setup code {code} — sign in at {url}organiser/signin", flush=True)
    KitServer(app, host=args.host, port=args.port, threads=args.threads, access_log=args.access_log).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
