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
    serve = sub.add_parser("serve", help="run the web app in the production server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--threads", type=int, default=32, help="worker threads (default 32)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    sub.add_parser("setup-code", help="print the organiser setup code")
    token = sub.add_parser("token", help="print a new API bearer token")
    token.add_argument("--role", required=True, choices=["organiser", "steward"], help="what the token may do")
    token.add_argument("--label", default="", help="a note to remember what the token is for")
    demo = sub.add_parser("demo", help="seed a demo assembly")
    demo.add_argument("--voters", type=int, default=24, help="how many demo ballots to cast")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data = Path(args.data)
    if args.command == "serve":
        return _serve(data, args)
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
    return 0


def _serve(data: Path, args) -> int:
    from webapp.app import create_app
    from webapp.server import KitServer
    from webapp.services import auth

    app = create_app({"DATA_DIR": str(data)})
    store = app.extensions["venuekit"].store
    url = f"http://{args.host}:{args.port}/"
    print(f"venuekit: serving {url} (data in {data.resolve()})", flush=True)
    if not auth.has_organiser(store):
        code = codes.display(auth.setup_code(store), codes.SETUP)
        print(f"venuekit: organiser setup code {code} — sign in at {url}organiser/signin", flush=True)
    KitServer(app, host=args.host, port=args.port, threads=args.threads, access_log=args.access_log).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
