"""The scale-out run's "hosts": each one a Linux network namespace with its own address, joined
to the machine by a bridge, or (where namespaces cannot be made) an address of its own on
loopback. The script creates them and removes them; nothing outlives the run.

    with Network.create(["web1", "web2", "worker1"]) as net:
        net.hub        # the machine's address on the bridge: PostgreSQL, the proxy, receivers
        net.address("web1")
        net.argv("web1", ["gunicorn", ...])   # the command, run inside web1's namespace

With namespaces a host reaches the machine only through the bridge (10.77.0.1), as another
host on a LAN would; a host killed with -9 answers nothing, like a machine gone. PostgreSQL
listens on 127.0.0.1 only, so a small TCP relay (`Relay`) carries the bridge's port 5432 to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

PREFIX = "acs"  # names of the run's namespaces and links: acs-web1, acsbr0, ...
SUBNET = "10.77.0"
BRIDGE = f"{PREFIX}br0"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def namespaces_available() -> str:
    """ "" when network namespaces and a bridge can be made here, else why not."""
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2)"
    probe = f"{PREFIX}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns add: {made.stderr.strip() or made.returncode}"
    _ip("netns", "del", probe, check=False)
    bridge = _ip("link", "add", f"{PREFIX}brx", "type", "bridge", check=False)
    if bridge.returncode != 0:
        return f"ip link add type bridge: {bridge.stderr.strip() or bridge.returncode}"
    _ip("link", "del", f"{PREFIX}brx", check=False)
    return ""


def remove_leftovers() -> None:
    """Namespaces and links of an earlier run that was itself killed."""
    listed = _ip("netns", "list", check=False).stdout.split()
    for name in listed:
        if name.startswith(f"{PREFIX}-"):
            _ip("netns", "del", name, check=False)
    _ip("link", "del", BRIDGE, check=False)


@dataclass
class Network:
    hosts: list[str]
    namespaced: bool
    hub: str  # the machine's address as the hosts see it
    addresses: dict[str, str] = field(default_factory=dict)
    why_loopback: str = ""  # why the hosts are loopback addresses ("" with namespaces)

    @classmethod
    @contextlib.contextmanager
    def create(cls, hosts: list[str], *, loopback: bool = False) -> Iterator[Network]:
        why = "asked for loopback" if loopback else namespaces_available()
        net = cls(hosts, namespaced=not why, hub=f"{SUBNET}.1" if not why else "127.0.0.1")
        net.why_loopback = why
        try:
            if net.namespaced:
                net._make_namespaces()
            else:
                for n, name in enumerate(hosts, start=11):
                    net.addresses[name] = f"127.0.77.{n}"  # all of 127/8 is loopback on Linux
            yield net
        finally:
            if net.namespaced:
                remove_leftovers()

    def _make_namespaces(self) -> None:
        remove_leftovers()
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{self.hub}/24", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for n, name in enumerate(self.hosts, start=11):
            space, outside, inside = f"{PREFIX}-{name}", f"{PREFIX}{n}a", f"{PREFIX}{n}b"
            address = f"{SUBNET}.{n}"
            _ip("netns", "add", space)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", space)
            _ip("link", "set", outside, "master", BRIDGE)
            _ip("link", "set", outside, "up")
            for args in (
                ("addr", "add", f"{address}/24", "dev", inside),
                ("link", "set", inside, "up"),
                ("link", "set", "lo", "up"),
                ("route", "add", "default", "via", self.hub),
            ):
                _ip("-n", space, *args)
            self.addresses[name] = address

    def address(self, host: str) -> str:
        return self.addresses[host]

    def argv(self, host: str, argv: list[str]) -> list[str]:
        """`argv` as run on `host` (inside its namespace, or as it is on loopback)."""
        if self.namespaced:
            return ["ip", "netns", "exec", f"{PREFIX}-{host}", *argv]
        return argv

    def describe(self) -> str:
        if self.namespaced:
            return f"network namespaces on bridge {BRIDGE} ({self.hub}/24)"
        return f"loopback addresses 127.0.77.x ({self.why_loopback})"


class Relay:
    """A TCP relay from `listen` (host, port) to `target`, in a thread of this process: how the
    hosts reach a server that listens on 127.0.0.1 only."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.listen, self.target = listen, target
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    def start(self) -> None:
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, *self.listen), self.loop
        ).result(timeout=10)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
