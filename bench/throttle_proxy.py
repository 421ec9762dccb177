"""A TCP proxy that behaves like a far-away registry behind object storage: every connection is
capped (default 40 MB/s per connection, each direction) and every byte arrives ``latency`` later
(default 20 ms each way).

    .venv/bin/python bench/throttle_proxy.py 127.0.0.1:5000 --port 5080   # standalone
    with ThrottleProxy("127.0.0.1:5000") as proxy: ... proxy.address ...  # from a bench

It is a plain byte pipe (no HTTP parsing), so ``Range``, chunked bodies and auth pass untouched.
Memory is bounded: each direction holds at most ``window`` bytes in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time

MB = 1_000_000


class _Pipe:
    """One direction of one connection: read, wait out the latency, write at the capped rate."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rate: float, latency: float
    ) -> None:
        self.reader, self.writer, self.rate, self.latency = reader, writer, rate, latency
        self.queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(maxsize=64)

    async def pump_in(self) -> None:
        try:
            while data := await self.reader.read(256 * 1024):
                await self.queue.put((time.monotonic() + self.latency, data))
        except (ConnectionError, OSError):
            pass
        finally:
            await self.queue.put(None)

    async def pump_out(self) -> None:
        sent_at = time.monotonic()  # when the line is free again (rate cap)
        try:
            while (item := await self.queue.get()) is not None:
                due, data = item
                start = max(due, sent_at)
                delay = start - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.writer.write(data)
                await self.writer.drain()
                sent_at = start + len(data) / self.rate
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                self.writer.close()


class ThrottleProxy:
    """Runs the proxy on its own event-loop thread; ``address`` is ``127.0.0.1:<port>``."""

    def __init__(self, upstream: str, rate: float = 40 * MB, latency: float = 0.020, port: int = 0) -> None:
        host, _, port_text = upstream.rpartition(":")
        self.upstream = (host, int(port_text))
        self.rate, self.latency, self.port = rate, latency, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="throttle-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> ThrottleProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        pipes = [
            _Pipe(client_r, up_w, self.rate, self.latency),
            _Pipe(up_r, client_w, self.rate, self.latency),
        ]
        await asyncio.gather(*(p.pump_in() for p in pipes), *(p.pump_out() for p in pipes))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("upstream", help="host:port of the registry")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate-mb", type=float, default=40.0, help="MB/s per connection and direction")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added one-way delay")
    args = parser.parse_args()
    with ThrottleProxy(args.upstream, args.rate_mb * MB, args.latency_ms / 1000, args.port) as proxy:
        print(f"throttling {args.upstream} on {proxy.address}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
