"""What gunicorn's hooks do around each web worker's fork (webapp/server.py)."""
from __future__ import annotations

import gc
import os

from webapp import server
from webapp.app import create_app


def in_a_child(fn) -> int:
    """Run `fn` in a forked child (the hooks change process-wide state); its return value."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, str(fn()).encode())
        finally:
            os._exit(0)
    os.close(write)
    out = os.read(read, 64)
    os.close(read)
    os.waitpid(pid, 0)
    return int(out)


def kit_server(tmp_path) -> server.KitServer:
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True})
    return server.KitServer(app, host="127.0.0.1", port=1, threads=2, workers=2)


def test_a_worker_runs_at_a_lower_priority_than_its_master(tmp_path):
    hooks = kit_server(tmp_path).options

    def after_fork() -> int:
        hooks["post_fork"](None, None)
        return os.nice(0)

    assert server.WORKER_NICE > 0
    assert in_a_child(after_fork) == max(server.WORKER_NICE, os.nice(0))


def test_the_master_freezes_its_objects_before_forking(tmp_path):
    hooks = kit_server(tmp_path).options

    def before_fork() -> int:
        gc.unfreeze()
        hooks["pre_fork"](None, None)
        return gc.get_freeze_count()

    assert in_a_child(before_fork) > 1000
