"""The kit's buttons and lights wired to the assembly: what a press queues, where status comes from.

`pi/` knows pins and presses; this module gives it the kit's callbacks (print jobs, a safe
shutdown) and the web app's kit-status URL.
"""
from __future__ import annotations

import subprocess
import threading
from typing import Any

from pi.service import run_buttons_service
from pi.status import http_status_source

from webapp.printing import queue
from webapp.storage import Store


def callbacks(store: Store, settings: dict) -> dict:
    kit = queue.KitInfo.from_config(settings, queue.kit_url(settings, f"http://127.0.0.1:{settings['WEB_PORT']}/"))

    def shutdown() -> None:
        # Flush the write-ahead log into the database file, then let systemd stop the services.
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        subprocess.run(settings["SHUTDOWN_COMMAND"], check=False)

    return {
        "on_print_next": lambda: queue.next_group_card(store, kit, settings["SLIPS_PER_GROUP"]),
        "on_print_kit_ready": lambda: queue.kit_ready(store, kit),
        "on_shutdown": shutdown,
    }


def run(store: Store, settings: dict, stop: threading.Event, *, pin_factory: Any = None) -> None:
    """Run the buttons and lights until `stop` is set."""
    status = http_status_source(f"http://127.0.0.1:{settings['WEB_PORT']}/api/v1/kit-status")
    run_buttons_service(settings["BUTTONS"], callbacks(store, settings), status, stop, pin_factory=pin_factory)
