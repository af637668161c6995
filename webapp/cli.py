"""The `venuekit` command: serve the kit, print codes and tokens, seed a demo."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Each command imports what it uses: this module is the entry point of every kit process
# (the supervisor, the live process and the spooler among them), so what it imports costs
# memory in each.


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="venuekit",
        description="venuekit: an offline-first kit for in-person assemblies.",
    )
    parser.add_argument("--data", default=os.environ.get("VENUEKIT_DATA", "var"),
                        help="the kit's data directory (default: var/, or $VENUEKIT_DATA)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the web app in the production server")
    _server_options(serve, port=8000)
    serve.add_argument("--spooler", action="store_true",
                       help="also run the print spooler beside the server, stopped with it (laptop mode)")
    serve.add_argument("--front", action="store_true",
                       help="run the whole production topology: nginx on --host:--port in front of the web "
                            "workers and the live process (laptop mode, tests, the benchmark)")
    serve.add_argument("--behind-front", action="store_true",
                       help="the web workers only, behind the front (nginx): take the phone's address from "
                            "the front's X-Forwarded-For, and leave compression to it")
    serve.add_argument("--workers", type=int, default=None,
                       help="web worker processes (default 1 alone, 2 behind the front)")
    serve.add_argument("--public-url", help=argparse.SUPPRESS)  # the front's address, for messages
    live = sub.add_parser("live", help="run the live process: every live screen's WebSocket (/ws/live)")
    live.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    live.add_argument("--port", type=int, default=8002, help="port to listen on (default 8002)")
    sub.add_parser("setup-code", help="print the organiser setup code")
    sub.add_parser("print-spooler", help="run the print spooler: print queued jobs, retrying until printed")
    ready = sub.add_parser("print-kit-ready", help="queue the kit-ready slip (Wi-Fi, address; the setup code "
                                                   "until the organiser signs up), once per boot")
    ready.add_argument("--always", action="store_true", help="print it even if it was printed during this boot")
    sub.add_parser("buttons", help="run the buttons and status lights (gpiozero)")
    boot = sub.add_parser("boot", help="the boot step: settings file, first-boot secrets, network files, slips")
    boot.add_argument("--root", default="/", help="the kit's root file system (default /; a copy for tests)")
    net = sub.add_parser("network-config", help="write the venue network's files (NetworkManager, dnsmasq, nftables)")
    net.add_argument("--root", default="/", help="write under this directory instead of / (default /)")
    net.add_argument("--print", action="store_true", help="print the files instead of writing them")
    net.add_argument("--mode", choices=["onboard", "ethernet", "usb"], help="override network_mode")
    token = sub.add_parser("token", help="make (and print), list or revoke API bearer tokens")
    token.add_argument("--role", choices=["organiser", "steward"], help="what a new token may do (needed to make one)")
    token.add_argument("--label", default="", help="a note to remember what the token is for")
    token.add_argument("--days", type=int, default=30, help="days until a new token expires (default 30, at most 365)")
    token.add_argument("--list", action="store_true", help="list tokens: id, role, label, created, expires, last used")
    token.add_argument("--revoke", metavar="ID", help="revoke the token with this id (see --list)")
    demo = sub.add_parser("demo", help="seed a demo assembly")
    demo.add_argument("--voters", type=int, default=24, help="how many demo ballots to cast")
    enrol = sub.add_parser("enrol", help="enrol this kit with a hub (as the organiser page does)")
    enrol.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    enrol.add_argument("--code", required=True, help="the one-time enrolment code from the hub")
    sync = sub.add_parser("sync", help="run the sync worker: push the outbox to the hub")
    sync.add_argument("--once", action="store_true", help="push everything waiting, then stop")
    sync.add_argument("--max-backoff", type=float, default=60.0,
                      help="longest wait in seconds between retries after failures (default 60)")
    bundle = sub.add_parser("sync-bundle", help="write a signed sync bundle for the hub (a venue with no internet)")
    bundle.add_argument("--out", required=True, help="the file to write (a folder: a file named after the kit in it)")
    bundle.add_argument("--all", action="store_true", help="every record, not only those the hub has not acknowledged")
    clock = sub.add_parser("clock", help="the kit's saved clock (a Pi has none): status, save, restore, watch")
    clock.add_argument("action", choices=["status", "save", "restore", "watch"],
                       help="status: show it; save: save the time now; restore: move the clock forward to the "
                            "saved time (at boot); watch: the clock service (restore, apply, save, save at stop)")
    clock.add_argument("--json", action="store_true", help="status as JSON")
    health = sub.add_parser("health", help="the kit's health: storage, clock, printer, buttons, power, settings")
    health.add_argument("--json", action="store_true", help="the report as JSON (a stable shape, see the README)")
    health.add_argument("--root", default="/", help="read the hardware's files under this directory (default /)")
    hub = sub.add_parser("hub", help="run or manage a hub (the same software, upstream)")
    hub_sub = hub.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    _server_options(hub_sub.add_parser("serve", help="run the hub's web app in the production server"), port=8100)
    hub_sub.add_parser("enrol-code", help="print a one-time enrolment code for one kit")
    hub_sub.add_parser("kits", help="list enrolled kits with their last contact")
    hub_sub.add_parser("import-bundle", help="apply a kit's signed sync bundle").add_argument(
        "file", help="the bundle file a kit wrote (venuekit sync-bundle, or its organiser page)")
    return parser


def _server_options(parser: argparse.ArgumentParser, *, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"port to listen on (default {port})")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default 32 alone, 8 behind the front)")
    parser.add_argument("--access-log", action="store_true", help="log every request")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data = Path(args.data)
    if args.command == "network-config":
        return _network_config(data, args)
    if args.command == "boot":
        from webapp.boot.run import boot

        try:
            lines = boot(Path(args.root)).lines()
        except Exception as exc:  # e.g. an unwritable data partition: say so, let the rest start
            lines = [f"error: {exc.__class__.__name__}: {exc}"]
        for line in lines:
            print(f"venuekit boot: {line}", flush=True)
        return 0  # never fail the boot: problems are reported, the kit comes up
    if args.command == "clock":
        return _clock(data, args)
    if args.command == "serve":
        if args.front:
            from webapp.topology import run_front

            return run_front(data, args)
        return _serve(data, args, hub=False)
    if args.command == "live":
        from webapp import live

        return live.main(data, args.host, args.port)
    if args.command == "hub":
        return _hub(data, args)
    from webapp.services import auth
    from webapp.storage import open_store

    store = open_store(data)
    if args.command == "setup-code":
        from webapp.domain import codes

        print(codes.display(auth.setup_code(store), codes.SETUP))
    elif args.command == "token":
        return _token(store, args)
    elif args.command == "demo":
        from webapp.demo import seed

        summary = seed(store, voters=args.voters)
        print(summary)
    elif args.command == "enrol":
        from webapp.config import load
        from webapp.sync import identity
        from webapp.sync.client import HubClient, SyncError

        try:
            kit_id = HubClient(store).enrol(args.hub, args.code, identity.kit_name(store, load(data)["KIT_NAME"]))
        except SyncError as exc:
            print(f"venuekit: enrolment failed: {exc}", file=sys.stderr)
            return 1
        print(f"enrolled as {kit_id}")
    elif args.command == "sync":
        return _sync(store, once=args.once, max_backoff=args.max_backoff)
    elif args.command == "sync-bundle":
        from webapp.sync.bundle import write_from_cli

        return write_from_cli(store, data, Path(args.out), all_records=args.all)
    elif args.command == "print-spooler":
        return _print_spooler(store, data)
    elif args.command == "print-kit-ready":
        from webapp.config import load
        from webapp.printing import queue

        settings = load(data)
        kit = queue.KitInfo.from_config(settings, queue.kit_url(settings))
        if args.always:
            job = queue.kit_ready(store, kit)
        else:
            from webapp.boot.run import queue_once_per_boot

            job = queue_once_per_boot(store, kit)
        print("kit-ready slip queued" if job else "nothing to print: already queued during this boot")
    elif args.command == "health":
        return _health(store, data, args)
    elif args.command == "buttons":
        return _buttons(store, data)
    return 0


def _token(store, args) -> int:
    from webapp.domain.errors import DomainError, NotFound
    from webapp.services import auth

    if args.list:
        for t in auth.tokens(store):
            print(f"{t['id']}\t{t['role']}\t{t['state']}\tcreated {t['created_at']}\texpires {t['expires_at']}\t"
                  f"last used {t['last_used_at'] or 'never'}\t{t['label']}")
        return 0
    try:
        if args.revoke:
            auth.revoke_token(store, args.revoke)
            print(f"token {args.revoke} revoked")
            return 0
        if not args.role:
            print("venuekit: say --role organiser or --role steward to make a token", file=sys.stderr)
            return 2
        print(auth.create_token(store, args.role, args.label, days=args.days))
    except DomainError as exc:
        print(f"venuekit: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, NotFound) else 2
    return 0


def printer_settings(settings: dict, data: Path) -> dict:
    """The printer table, with the preview printer's folder inside the data directory."""
    printer = dict(settings["PRINTER"])
    if printer.get("kind", "preview") == "preview":
        printer.setdefault("dir", str(data / "prints"))
    return printer


def _until_signalled(run) -> int:
    import signal
    import threading

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return run(stop) or 0


def _network_config(data: Path, args) -> int:
    from pi import netconfig

    from webapp.config import config_paths

    argv = ["--root", args.root] + [arg for path in config_paths(data) for arg in ("--settings", str(path))]
    if args.print:
        argv.append("--print")
    if args.mode:
        argv += ["--mode", args.mode]
    return netconfig.main(argv)


def _print_spooler(store, data: Path) -> int:
    from webapp.config import load
    from webapp.printing.service import run_spooler

    from webapp.storage import space

    loaded = load(data)
    space.watch(store, data, loaded["STORAGE_RESERVE_MB"])  # previews wait while storage is low
    settings = printer_settings(loaded, data)
    return _until_signalled(lambda stop: run_spooler(store, settings, stop, log_line=lambda l: print(l, flush=True)))


def _health(store, data: Path, args) -> int:
    """Print the kit's health; exit 1 when any check is a fault."""
    import json

    from webapp.config import load
    from webapp.services import health

    report = health.collect(store, load(data), data, root=args.root)
    print(json.dumps(report, indent=2) if args.json else health.as_text(report))
    return 1 if report["state"] == "fault" else 0


def _buttons(store, data: Path) -> int:
    from webapp import kit_buttons
    from webapp.config import load

    settings = load(data)
    return _until_signalled(lambda stop: kit_buttons.run(store, settings, stop))


def _clock(data: Path, args) -> int:
    """The clock file needs no database: restore and save work even if the database cannot open;
    the state is then recorded for health and the lights when it can be."""
    import json
    import time

    from pi import clock

    def record(state: dict) -> None:
        from webapp.services import clock as kit_clock
        from webapp.storage import open_store

        try:
            kit_clock.record(open_store(data), state)
        except Exception as exc:  # the clock matters more than its status line
            print(f"venuekit: clock state not recorded: {exc}", file=sys.stderr)

    if args.action == "watch":
        last: dict = {}

        def on_state(state: dict) -> None:
            # Changes, and a heartbeat each minute (kit status counts a silent service as down
            # after 90 s): not a database write every poll.
            if state["state"] != last.get("state") or time.monotonic() - last.get("at", 0) >= 60:
                record(state)
                last.update(state=state["state"], at=time.monotonic())

        return _until_signalled(lambda stop: clock.watch(data, stop, on_state=on_state,
                                                         log=lambda line: print(line, flush=True)))
    if args.action == "save":
        clock.save(data)
    elif args.action == "restore":
        result = clock.restore(data)
        if result.get("error"):
            print(f"venuekit: {result['error']}", file=sys.stderr)
    state = clock.clock_state(data)
    record(state)
    print(json.dumps(state) if args.json else f"clock: {state['state']}: {state['message']}")
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
    from webapp.config import load
    from webapp.sync.uplink_watch import watch

    # The uplink check runs beside the worker: it feeds the status light and wakes sync.
    threading.Thread(target=watch, args=(store, load(Path(store.path).parent), stop, wake),
                     name="venuekit-uplink", daemon=True).start()
    run_worker(store, stop, wake=wake, cap_s=max_backoff, log=lambda line: print(line, flush=True))
    return 0


def _hub(data: Path, args) -> int:
    from webapp.hub import ingest

    if args.hub_command == "serve":
        return _serve(data, args, hub=True)
    hub = ingest.open_hub(data)
    if args.hub_command == "enrol-code":
        print(ingest.create_enrol_code(hub))
    elif args.hub_command == "import-bundle":
        from webapp.hub.bundle_upload import import_from_cli

        return import_from_cli(hub, Path(args.file))
    elif args.hub_command == "kits":
        for kit in ingest.kits(hub):
            print(f"{kit['kit_id']}\t{kit['name']}\tlast contact {kit['last_contact']}\t"
                  f"{kit['records']} records\t{kit['conflicts']} conflicts"
                  + ("\tstill signs with a shared secret" if kit["shared_secret"] else ""))
    return 0


def _serve(data: Path, args, *, hub: bool) -> int:
    from webapp.app import create_app
    from webapp.server import KitServer
    from webapp.services import auth

    behind = getattr(args, "behind_front", False)
    app = create_app({"DATA_DIR": str(data), "HUB": hub, "BEHIND_FRONT": behind})
    store = app.extensions["venuekit"].store
    if not hub and not store.guard.make_reserve():
        print("venuekit: storage low: no room to hold the storage reserve (see README, Storage)", flush=True)
    url = getattr(args, "public_url", None) or f"http://{args.host}:{args.port}/"
    if behind:
        print(f"venuekit: web workers on {args.host}:{args.port}, behind the front", flush=True)
    else:
        print(f"venuekit: serving {'hub ' if hub else ''}{url} (data in {data.resolve()})", flush=True)
    if not auth.has_organiser(store):
        from webapp.domain import codes

        code = codes.display(auth.setup_code(store), codes.SETUP)
        print(f"venuekit: organiser setup code {code} — sign in at {url}organiser/signin", flush=True)
    if getattr(args, "spooler", False):
        _start_spooler_process(app, data, url)
    workers = getattr(args, "workers", None) or (2 if behind else 1)
    threads = args.threads or (8 if behind else 32)
    KitServer(app, host=args.host, port=args.port, threads=threads, workers=workers,
              access_log=args.access_log).run()
    return 0


def _start_spooler_process(app, data: Path, url: str) -> None:
    """Laptop mode: queue the kit-ready slip and print from a spooler process beside the server.

    A process, not a thread: a thread of the server's master could hold a database lock at the
    moment gunicorn forks its worker, and the worker would then wait on it for ever.
    """
    import atexit
    import subprocess

    from webapp.printing import queue

    store = app.extensions["venuekit"].store
    kit = queue.KitInfo.from_config(app.config, queue.kit_url(app.config, url))
    queue.kit_ready(store, kit, only_if_no_organiser=True)
    settings = printer_settings(app.config, data)
    print(f"venuekit: print previews go to {settings.get('dir', 'the printer')}", flush=True)
    from webapp.topology import venuekit_command

    spooler = subprocess.Popen(venuekit_command(data, "print-spooler"),
                               stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    atexit.register(_stop_child, spooler)


def _die_with_parent() -> None:
    """In a child process: end it (SIGTERM) when the process that started it dies, even by kill -9."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop_child(child) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(10)
        except Exception:
            child.kill()


if __name__ == "__main__":
    sys.exit(main())
