"""A local TCP proxy that misbehaves on request: the fault tests put it between app and backend.

It runs its own event loop in a thread, so the test's loop, the test client's loop and a
subprocess can all talk through it. Modes:

- ``heal()``: forward both ways (the normal state), after ``latency`` seconds per chunk;
- ``cut()``: close every open connection and refuse new ones at once (a reset);
- ``blackhole()``: keep connections open and accept new ones, but forward nothing either
  way (a server that stopped answering, a firewall dropping packets).

toxiproxy does the same as a Go binary; this is the few lines the tests need.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from enum import StrEnum
from typing import Self


class Mode(StrEnum):
    PASS = "pass"
    CUT = "cut"
    BLACKHOLE = "blackhole"


class FaultProxy:
    """``127.0.0.1:<port>`` forwarding to ``target_host:target_port``, or to a Unix socket."""

    def __init__(self, target_host: str, target_port: int, *, unix_path: str = "") -> None:
        self._target = (target_host, target_port)
        self._unix_path = unix_path
        self.mode = Mode.PASS
        self.latency = 0.0
        self.connections = 0  # accepted so far
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()  # cleared while blackholed; touched on its loop only
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]

    @classmethod
    def to_unix_socket(cls, path: str) -> Self:
        """A TCP proxy in front of a Unix socket (the embedded Redis listens on one)."""
        return cls("", 0, unix_path=path)

    def __enter__(self) -> Self:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def url_for(self, url: str) -> str:
        """``url`` (``scheme://user@host:port/rest``) with the host and port of this proxy."""
        scheme, rest = url.split("://", 1)
        user, _, after = rest.rpartition("@")
        _, _, path = after.partition("/")
        return f"{scheme}://{user + '@' if user else ''}127.0.0.1:{self.port}/{path}"

    def heal(self) -> None:
        """Forward again; new connections work (those cut stay cut)."""
        self.mode = Mode.PASS
        self._loop.call_soon_threadsafe(self._flowing.set)

    def cut(self) -> None:
        """Reset every open connection; refuse (close at once) every new one until healed."""
        self.mode = Mode.CUT
        self._loop.call_soon_threadsafe(self._flowing.set)  # held pipes wake up and end
        self._call(self._close_all())

    def blackhole(self) -> None:
        """Stop forwarding, silently; connections stay open and new ones are accepted."""
        self.mode = Mode.BLACKHOLE
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    async def _start(self) -> None:
        self._flowing.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _close(self) -> None:
        await self._close_all()
        if self._server is not None:
            self._server.close()
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _close_all(self) -> None:
        for writer in list(self._writers):
            _reset(writer)
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.mode is Mode.CUT:
            _reset(writer)
            return
        try:
            if self._unix_path:
                up_reader, up_writer = await asyncio.open_unix_connection(self._unix_path)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            _reset(writer)
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for each in (writer, up_writer):
            self._writers.discard(each)
            each.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            await self._flowing.wait()  # blackholed: hold everything; a cut or heal decides
            if self.mode is Mode.CUT:
                return
            if self.latency:
                await asyncio.sleep(self.latency)
            writer.write(chunk)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN, as a dropped connection looks to the client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    writer.close()
