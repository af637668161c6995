"""The front: nginx's configuration for the kit, and how the app trusts it (and only it).

nginx stands between the phones and the web workers. It reads whole requests before a worker
sees them and takes whole answers off the workers at once, so a slow or stalled phone (or a
slowloris) costs nginx a few kilobytes and never holds a worker thread; it keeps the idle
keep-alive connections of a thousand phones in one event loop; it serves /static/ from disk
and gzips pages in C. `/ws/live` goes to the live process (webapp/live.py).

One function renders the whole file, for the Pi (provisioning/install.sh writes it to
/etc/venuekit/nginx.conf, run by venuekit-front.service) and for `venuekit serve --front`
(laptop mode, tests, the benchmark), so the two cannot drift apart.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx")
# Only a client at these addresses (the front, on the same machine) may say who the phone is.
FRONT_ADDRESSES = frozenset({"127.0.0.1", "::1"})
# The app refuses bodies over 64 KB itself, with its JSON error; nginx stops absurd ones
# before they are read at all.
MAX_BODY = "1m"
# Enough for 1,000 screens (each its socket, that socket's upstream and the keep-alive its page
# fetches on), 500 phones voting (each a client and, at worst, an upstream connection) and
# 1,000 idle phones: 4,096 ran out with screens that fetch, and nginx then closed idle
# keep-alives mid-flow. ~1.7 MB more of nginx's memory than 4,096.
WORKER_CONNECTIONS = 8192


@dataclass
class FrontConfig:
    listen: list[str]  # nginx listen addresses, e.g. ["0.0.0.0:8000"]
    web: str  # the web workers, host:port
    live: str  # the live process, host:port
    run_dir: Path  # pid file and temp directories (nginx makes them; their parent must exist)
    error_log: str = "stderr"
    access_log: str | None = None
    static_dir: Path = STATIC_DIR
    # nginx raises its own open-file limit, unless the service manager sets it (LimitNOFILE=).
    rlimit_nofile: int | None = WORKER_CONNECTIONS * 2
    daemon: bool = False  # systemd and `serve --front` both keep nginx in the foreground
    # nginx started as root runs its workers as `nobody`, who cannot reach a data directory
    # under a private folder: laptop mode started as root names root here, as the rest of the
    # kit runs. The Pi's front never starts as root (systemd gives it a user of its own).
    user: str | None = None


def find_nginx() -> str | None:
    """Debian's nginx binary (in /usr/sbin, often not on a user's PATH), or None."""
    for candidate in NGINX_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("nginx")


def temp_dirs(run_dir: Path) -> dict[str, Path]:
    # nginx needs every one of its temp paths writable at start, used or not; "screens" holds
    # the projector's kept answers (on a Pi, /run: memory, not the SD card).
    return {name: run_dir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "screens")}


# How a location hands a request to the web workers (the projector's live part, and the rest).
WEB_PROXY = """\
            proxy_pass http://venuekit_web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # Set, never appended: what a phone sends in these headers is thrown away.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Whole request in, whole answer out: a worker is busy only while it computes.
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_buffer_size 16k;
            proxy_buffers 16 16k;
            proxy_connect_timeout 5s;
            proxy_read_timeout 60s;"""


def render(config: FrontConfig) -> str:
    """The whole nginx.conf (not a site snippet: worker_connections must be set too)."""
    temps = temp_dirs(config.run_dir)
    listens = "\n".join(f"        listen {address} default_server;" for address in config.listen)
    access = f"access_log {config.access_log};" if config.access_log else "access_log off;"
    return f"""# venuekit's front, rendered by webapp/front.py: edit that, not this file.
{f"user {config.user};" if config.user else "# user: the one nginx was started as"}
worker_processes 1;
daemon {"on" if config.daemon else "off"};
pid {config.run_dir / "nginx.pid"};
error_log {config.error_log} warn;
{f"worker_rlimit_nofile {config.rlimit_nofile};" if config.rlimit_nofile else "# open files: LimitNOFILE="}
# A stop waits this long at most for open connections (live screens never finish by themselves).
worker_shutdown_timeout 3s;

events {{
    worker_connections {WORKER_CONNECTIONS};
}}

http {{
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        application/json json;
        image/svg+xml svg;
        image/png png;
        image/x-icon ico;
        font/woff2 woff2;
        text/plain txt;
    }}
    default_type application/octet-stream;
    charset_types text/css application/javascript application/json text/plain;
    {access}
    server_tokens off;
    sendfile on;
    tcp_nopush on;

    client_body_temp_path {temps["client_body"]};
    proxy_temp_path {temps["proxy"]};
    fastcgi_temp_path {temps["fastcgi"]};
    uwsgi_temp_path {temps["uwsgi"]};
    scgi_temp_path {temps["scgi"]};
    # The projector's live part (see its location): small answers, kept for a second or two,
    # gzipped by the app for the phones that take gzip (as the app reads Accept-Encoding).
    map $http_accept_encoding $venuekit_gzip {{
        ~*gzip gzip;
        default plain;
    }}
    proxy_cache_path {temps["screens"]} levels=1 keys_zone=venuekit_screens:256k max_size=4m inactive=30s use_temp_path=off;

    # Slow and stalled clients (slowloris, 1 byte/s uploads, phones that stop reading) are
    # dropped after a few seconds of silence and never reach a worker half-sent.
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 10s;
    keepalive_timeout 20s;
    keepalive_requests 1000;
    reset_timedout_connection on;
    lingering_time 5s;
    lingering_timeout 2s;
    client_max_body_size {MAX_BODY};
    client_body_buffer_size 64k;
    client_header_buffer_size 1k;
    large_client_header_buffers 4 8k;

    gzip on;
    # 3, the last of zlib's fast levels: a 60-idea ballot page still fits in 4 KB on the wire,
    # at less than half the CPU of 7 (which saves ~250 bytes); see README "Serving a room".
    gzip_comp_level 3;
    gzip_min_length 500;
    gzip_proxied any;
    gzip_vary on;
    gzip_types text/css application/javascript application/json text/plain text/csv image/svg+xml;

    upstream venuekit_web {{
        server {config.web};
        keepalive 16;
        # Shorter than gunicorn's own keep-alive (5 s), so nginx never sends a request down a
        # connection the worker is closing.
        keepalive_timeout 4s;
    }}
    upstream venuekit_live {{
        server {config.live};
    }}

    server {{
{listens}
        server_name _;

        location = /ws/live {{
            proxy_pass http://venuekit_live;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_buffering off;
            # An upgraded socket holds a buffer each way for as long as it is open: a thousand
            # screens with the default (a memory page each way) cost nginx 8 MB for messages
            # of a few dozen bytes.
            proxy_buffer_size 1k;
            # The live process pings every 20 s: a quiet minute is a dead screen.
            proxy_read_timeout 75s;
            proxy_send_timeout 20s;
        }}

        location /static/ {{
            alias {config.static_dir}/;
            expires 1h;
            add_header X-Content-Type-Options nosniff;
        }}
        location = /favicon.ico {{
            alias {config.static_dir / "favicon.ico"};
            expires 1d;
        }}

        # The projector's live part, fetched by every open screen (live.js) each time the kit
        # says something changed: a thousand phones on /projector would otherwise be a thousand
        # requests to the workers twice a second. One request per change goes through; the other
        # screens wait for it and are answered from memory. live.js names the change (?v=), so a
        # kept answer is never older than what the screen was told; one without is kept 1-2 s.
        # Only cookie-less requests share answers (the part is the same for everyone, but a
        # signed-in browser's answer is never kept or given to another).
        location = /projector/fragment {{
{WEB_PROXY}
            proxy_cache venuekit_screens;
            proxy_cache_key "$scheme|$host|$request_uri|$http_accept_language|$venuekit_gzip";
            proxy_cache_valid 200 1s;
            # Browsers are told no-store (as for every page); that is for them, not for this.
            # The key already tells gzip from plain: Vary would keep a copy per way of saying so.
            proxy_ignore_headers Cache-Control Expires Vary;
            proxy_cache_bypass $http_cookie $http_authorization;
            proxy_no_cache $http_cookie $http_authorization;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 5s;
            add_header X-Cache-Status $upstream_cache_status always;
        }}

        location / {{
{WEB_PROXY}
        }}
    }}
}}
"""


def write(config: FrontConfig, path: Path) -> Path:
    """Write the configuration and make the directories nginx needs."""
    for directory in temp_dirs(config.run_dir).values():
        directory.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(config))
    return path


def trust_the_front(wsgi_app):
    """The app's client address comes from the front's X-Forwarded-For, and only the front's.

    Used only when the kit is configured as behind the front (BEHIND_FRONT): a request that
    did not come from the front's own address keeps its real address, whatever it says."""
    # Imported here: `serve --front`, which renders the configuration, stays small.
    from werkzeug.middleware.proxy_fix import ProxyFix

    proxied = ProxyFix(wsgi_app, x_for=1)

    def app(environ, start_response):
        if environ.get("REMOTE_ADDR") in FRONT_ADDRESSES:
            return proxied(environ, start_response)
        for header in ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"):
            environ.pop(header, None)
        return wsgi_app(environ, start_response)

    return app


def pi_config() -> FrontConfig:
    """The Pi's front: phones on port 8000 (nftables sends port 80 there), workers on loopback."""
    return FrontConfig(listen=["0.0.0.0:8000"], web="127.0.0.1:8001", live="127.0.0.1:8002",
                       run_dir=Path("/run/venuekit-front"), error_log="stderr", rlimit_nofile=None)


if __name__ == "__main__":  # provisioning/install.sh: python -m webapp.front > /etc/venuekit/nginx.conf
    print(render(pi_config()), end="")
