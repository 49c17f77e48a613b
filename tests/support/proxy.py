"""A TCP proxy the system tests put between the services and a server, to take that server away and back.

It runs its own event loop in a thread, so that it keeps forwarding while a test blocks (waiting for
processes, say). `pause()` cuts every open connection and turns new ones away at once (accepted, then
closed, as a server that is down or restarting does); `resume()` forwards again. It counts connection
attempts, which shows how hard clients knock while the server is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from types import TracebackType
from typing import Any

_CHUNK = 64 * 1024


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `upstream_host`:`upstream_port` until paused or stopped."""

    def __init__(self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = port
        self.attempts = 0
        """Connections clients opened, forwarded or not."""
        self.refused = 0
        """Connections turned away while paused."""
        self._paused = False
        self._links: set[asyncio.StreamWriter] = set()
        self._forwarding: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp proxy", daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def paused(self) -> bool:
        return self._paused

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def pause(self) -> None:
        """Cut every open connection and turn new ones away until `resume()`."""
        self._call(self._pause())

    def resume(self) -> None:
        self._call(self._resume())

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """`with proxy.outage(): …`: the server is away for the block's duration."""
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def __enter__(self) -> TcpProxy:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _call(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on the proxy's loop and wait for it."""
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        self._cut()
        if self._forwarding:  # let them see their connections end, rather than leave them pending
            await asyncio.wait(self._forwarding, timeout=5)

    async def _pause(self) -> None:
        self._paused = True
        self._cut()

    async def _resume(self) -> None:
        self._paused = False

    def _cut(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.attempts += 1
        if self._paused:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        if self._paused:  # paused while connecting upstream
            upstream_writer.transport.abort()
            client_writer.transport.abort()
            return
        self._links.update((client_writer, upstream_writer))
        forwarding = asyncio.current_task()
        assert forwarding is not None
        self._forwarding.add(forwarding)
        try:
            await asyncio.gather(
                _pipe(client_reader, upstream_writer, client_writer),
                _pipe(upstream_reader, client_writer, upstream_writer),
            )
        finally:
            self._forwarding.discard(forwarding)
            for writer in (client_writer, upstream_writer):
                self._links.discard(writer)
                writer.transport.abort()


async def _pipe(
    source: asyncio.StreamReader, target: asyncio.StreamWriter, source_writer: asyncio.StreamWriter
) -> None:
    """Copy one direction until it ends; then end both, as PostgreSQL's protocol never half-closes."""
    try:
        while data := await source.read(_CHUNK):
            target.write(data)
            await target.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        target.transport.abort()
        source_writer.transport.abort()
