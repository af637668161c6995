"""The WebSocket that tells live screens to refresh as soon as anything changes."""
from __future__ import annotations

import json
import time

from flask import Flask, current_app
from flask_sock import Sock
from simple_websocket import ConnectionClosed

PING_EVERY_S = 20.0
# At most one announcement per screen this often: a busy room's ballots are coalesced, and
# a screen still hears of a ballot well within half a second.
MIN_INTERVAL_S = 0.25


def register(app: Flask) -> None:
    sock = Sock(app)

    @sock.route("/ws/live")
    def live(ws):
        feed = current_app.extensions["venuekit"].live
        version = feed.version
        ws.send(json.dumps({"version": version}))
        idle = 0.0
        while True:
            new = feed.wait(version, timeout=1.0)
            try:
                if new != version:
                    version = new
                    idle = 0.0
                    ws.send(json.dumps({"version": version}))
                    time.sleep(MIN_INTERVAL_S)
                else:
                    idle += 1.0
                    if idle >= PING_EVERY_S:
                        idle = 0.0
                        ws.send(json.dumps({"ping": True}))
                if not ws.connected:
                    break
            except ConnectionClosed:
                break
