"""Fixtures for the kit's network: real dnsmasq, nftables, udhcpc and the web app, each inside
network namespaces these tests create and always remove.

Nothing here touches the host's network: every address used lives inside a namespace made for
the test (veth pairs between them, no link to the host), DNS for a namespace is given with
/etc/netns/<ns>/resolv.conf, and nft rules are only ever loaded with `ip netns exec`.
The tests need root and the Debian packages in scripts/apt-packages.txt; when something is
missing they fail and say what, they never skip.
"""
from __future__ import annotations

import ctypes
import itertools
import os
import shutil
import signal
import struct
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

TOOLS = {
    "ip": ("iproute2", "/sbin/ip"),
    "nft": ("nftables", "/usr/sbin/nft"),
    "dnsmasq": ("dnsmasq-base", "/usr/sbin/dnsmasq"),
    "busybox": ("busybox", "/bin/busybox"),
    "nmcli": ("network-manager", "/usr/bin/nmcli"),
}
CLONE_NEWNET = 0x40000000
NETNS_ETC = Path("/etc/netns")
_libc = ctypes.CDLL(None, use_errno=True)
_counter = itertools.count()


def tool(name: str) -> str:
    """The absolute path of a required program, or a loud failure naming its package."""
    package, path = TOOLS[name]
    found = path if os.path.exists(path) else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: install the Debian package {package} "
                    "(`make test` does, from scripts/apt-packages.txt)", pytrace=False)
    return found


@pytest.fixture(scope="session")
def as_root() -> None:
    if os.geteuid() != 0:
        pytest.fail("the network tests create network namespaces and need root", pytrace=False)


def run(*args: str, check: bool = True, timeout: float = 20, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def unique(prefix: str) -> str:
    """A name unique to this run, short enough for an interface (15 characters)."""
    return f"{prefix}{os.getpid() % 10000:04d}{next(_counter)}{uuid.uuid4().hex[:2]}"[:15]


class Netns:
    """A network namespace this test made: `ip netns exec` commands, processes, clean-up."""

    def __init__(self, name: str):
        self.name = name
        self.procs: list[subprocess.Popen] = []
        self.made_netns_etc = False
        run(tool("ip"), "netns", "add", name)
        self.ip("link", "set", "lo", "up")

    def exec_args(self, *args: str) -> list[str]:
        return [tool("ip"), "netns", "exec", self.name, *args]

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return run(*self.exec_args(*args), **kwargs)

    def ip(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run(tool("ip"), *args, **kwargs)

    def popen(self, *args: str, log: Path, **kwargs) -> subprocess.Popen:
        with log.open("ab") as out:
            proc = subprocess.Popen(self.exec_args(*args), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 30) -> Any:
        """Run fn(*args) on a fresh thread that has entered this namespace (sockets made there
        belong to it), and return its result or raise its exception."""
        result: dict[str, Any] = {}

        def body() -> None:
            try:
                fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
                try:
                    if _libc.setns(fd, CLONE_NEWNET) != 0:
                        err = ctypes.get_errno()
                        raise OSError(err, f"setns({self.name}): {os.strerror(err)}")
                finally:
                    os.close(fd)
                result["value"] = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                result["error"] = exc

        thread = threading.Thread(target=body, name=f"netns-{self.name}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise AssertionError(f"{getattr(fn, '__name__', fn)} in {self.name} took over {timeout} s")
        if "error" in result:
            raise result["error"]
        return result.get("value")

    def set_resolver(self, address: str) -> None:
        """DNS for programs run with `ip netns exec` (it bind-mounts /etc/netns/<ns>/resolv.conf)."""
        if not NETNS_ETC.exists():
            self.made_netns_etc = True
        folder = NETNS_ETC / self.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "resolv.conf").write_text(f"nameserver {address}\n")

    def close(self) -> None:
        for proc in self.procs:
            stop(proc)
        # Anything still inside (a child of ours) goes with the namespace.
        pids = run(tool("ip"), "netns", "pids", self.name, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run(tool("ip"), "netns", "del", self.name, check=False)
        shutil.rmtree(NETNS_ETC / self.name, ignore_errors=True)
        if self.made_netns_etc:
            try:
                NETNS_ETC.rmdir()
            except OSError:
                pass  # another namespace still has its folder there


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group we started, then SIGKILL what is left."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(10)


@pytest.fixture
def netns_factory(as_root):
    """make(role) -> Netns; every namespace is deleted afterwards, also when the test fails."""
    made: list[Netns] = []

    def make(role: str) -> Netns:
        ns = Netns(unique(f"vk{role}"))
        made.append(ns)
        return ns

    try:
        yield make
    finally:
        for ns in reversed(made):
            ns.close()


def veth(a: Netns, b: Netns, name_a: str, name_b: str) -> None:
    """A veth pair joining two namespaces (created inside a, so never in the host's)."""
    a.ip("link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", b.name)
    a.ip("link", "set", name_a, "up")
    b.ip("link", "set", name_b, "up")


# -- the kit's dnsmasq, as NetworkManager starts it --------------------------------------------
def nm_dnsmasq_command(dnsmasq: str, address: str, prefix: int, conf_dir: Path, state: Path) -> list[str]:
    """The options NetworkManager 1.42 passes to dnsmasq for an `ipv4.method=shared` profile
    (src/core/dnsmasq/nm-dnsmasq-manager.c), with our directory as its dnsmasq-shared.d."""
    import ipaddress

    from pi.netconfig import nm_range

    first, last = nm_range(ipaddress.IPv4Interface(f"{address}/{prefix}"))
    return [
        dnsmasq,
        "--conf-file=/dev/null", "--no-hosts", "--keep-in-foreground", "--bind-interfaces",
        "--except-interface=lo", "--clear-on-reload", "--strict-order",
        f"--listen-address={address}",
        f"--dhcp-range={first},{last},60m",
        f"--dhcp-leasefile={state / 'dnsmasq.leases'}",
        f"--pid-file={state / 'dnsmasq.pid'}",
        f"--conf-dir={conf_dir}",
        # Test-only: a log to read when something fails.
        f"--log-facility={state / 'dnsmasq.log'}", "--log-dhcp", "--log-queries",
    ]


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 15, log: Path | None = None,
             proc: subprocess.Popen | None = None) -> Any:
    """Poll until predicate() is true; fail at once, with the log, if proc has exited."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{what}: the process exited with {proc.returncode}\n{tail}")
        try:
            value = predicate()
            if value:
                return value
        except (OSError, AssertionError) as exc:
            last_error = exc
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what} ({last_error!r})\n{tail}")


# -- a phone's DHCP client -------------------------------------------------------------------
UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc event script for the test phone: record the lease, configure only this interface.
out="{out}"
case "$1" in
  bound|renew)
    env | sort > "$out.tmp" && mv "$out.tmp" "$out"
    {ip} addr flush dev "$interface"
    {ip} addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && {ip} route replace default via "${{router%% *}}" dev "$interface"
    ;;
  deconfig)
    {ip} addr flush dev "$interface"
    ;;
esac
exit 0
"""


def dhcp_lease(phone: Netns, interface: str, workdir: Path, *extra: str) -> dict[str, str]:
    """Get a lease with busybox udhcpc inside the phone namespace (asking for option 114);
    returns the variables udhcpc handed its script (ip, mask, router, dns, lease, opt114...)."""
    out = workdir / f"lease-{interface}.env"
    script = workdir / f"udhcpc-{interface}.sh"
    script.write_text(UDHCPC_SCRIPT.format(out=out, ip=tool("ip")))
    script.chmod(0o755)
    out.unlink(missing_ok=True)
    done = phone.run(tool("busybox"), "udhcpc", "-i", interface, "-f", "-q", "-n", "-t", "8", "-T", "1",
                     "-O", "114", "-s", str(script), *extra, check=False, timeout=30)
    if done.returncode != 0 or not out.exists():
        raise AssertionError(f"udhcpc got no lease on {interface}:\n{done.stdout}{done.stderr}")
    lease = {}
    for line in out.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            lease[key] = value
    return lease


def option_114(lease: dict[str, str]) -> str:
    """Option 114 as udhcpc exports it (busybox: an unknown option is `optN`, in hex)."""
    raw = lease.get("opt114")
    assert raw, f"the lease has no option 114: {sorted(lease)}"
    return bytes.fromhex(raw).decode("ascii")


# -- a tiny DNS client (the phone's resolver) -------------------------------------------------
def dns_query(server: str, name: str, qtype: int = 1, timeout: float = 3.0) -> tuple[int, list[str]]:
    """Ask `server` for `name` over UDP; return (rcode, addresses of the answers of qtype)."""
    import random
    import socket

    query_id = random.randrange(65536)
    question = b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.rstrip(".").split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (server, 53))
        reply, _ = sock.recvfrom(4096)
    rid, flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", reply[:12])
    assert rid == query_id, "DNS reply id mismatch"
    pos = 12

    def skip_name(pos: int) -> int:
        while True:
            length = reply[pos]
            if length & 0xC0 == 0xC0:
                return pos + 2
            if length == 0:
                return pos + 1
            pos += 1 + length

    for _ in range(qd):
        pos = skip_name(pos) + 4
    addresses = []
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _rclass, _ttl, length = struct.unpack("!HHIH", reply[pos:pos + 10])
        pos += 10
        data = reply[pos:pos + length]
        pos += length
        if rtype == qtype == 1:
            addresses.append(socket.inet_ntop(socket.AF_INET, data))
        elif rtype == qtype == 28:
            addresses.append(socket.inet_ntop(socket.AF_INET6, data))
    return flags & 0xF, addresses


def http_get(address: str, host: str, path: str, port: int = 80, timeout: float = 5.0):
    """One plain HTTP GET to an address with a Host header; returns (status, headers, body)."""
    import http.client

    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, "User-Agent": "venuekit-network-test"})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def tcp_outcome(address: str, port: int, timeout: float = 3.0) -> str:
    """'open', 'refused' (a reset or an ICMP error, at once) or 'timeout'."""
    import socket

    started = time.monotonic()
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as exc:
        # EHOSTUNREACH / ENETUNREACH / EACCES: an ICMP error came back — also a fast failure.
        return "refused" if time.monotonic() - started < timeout else f"error {exc}"
