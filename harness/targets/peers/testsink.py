"""testsink.py - a tiny SMTP capture sink for the peer sandboxes' own tests.

Accepts every transaction and keeps, per message, the envelope and the raw DATA bytes
(dot-unstuffed, without the final <CRLF>.<CRLF>). Not the harness's scriptable sink; it only
proves that a peer relays to the address it was configured with.

Example:
    with CaptureSink("127.0.0.20", 0) as sink:      # port 0: any free port
        ... relay through a peer to sink.port ...
        msg = sink.wait_for(lambda m: b"Subject: x" in m.data, timeout=20)
        msg.mail_from, msg.rcpt_to, msg.peer
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time


@dataclasses.dataclass
class Captured:
    peer: tuple[str, int]
    helo: str
    mail_from: str
    rcpt_to: list[str]
    data: bytes


class CaptureSink:
    def __init__(self, host: str = "127.0.0.20", port: int = 0,
                 hostname: str = "mx1.sink.test") -> None:
        self.host = host
        self.port = port
        self.hostname = hostname
        self.messages: list[Captured] = []
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "CaptureSink":
        ready = threading.Event()
        error: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._session, self.host, self.port,
                                         reuse_address=True))
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as e:  # bind failure is reported to start()
                error.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="capture-sink", daemon=True)
        self._thread.start()
        ready.wait(10)
        if error:
            raise error[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> "CaptureSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- queries ------------------------------------------------------------------------------
    def wait_for(self, pred, timeout: float = 30.0) -> Captured | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages:
                    if pred(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    # --- protocol -----------------------------------------------------------------------------
    async def _session(self, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[:2]

        async def reply(text: str) -> None:
            writer.write(text.encode() + b"\r\n")
            await writer.drain()

        helo, mail_from, rcpts = "", None, []
        try:
            await reply(f"220 {self.hostname} ESMTP capture sink")
            while True:
                line = await asyncio.wait_for(reader.readline(), 300)
                if not line:
                    return
                cmd = line.rstrip(b"\r\n").decode("latin-1")
                verb = cmd[:4].upper()
                if verb in ("EHLO", "HELO"):
                    helo = cmd[5:].strip()
                    if verb == "EHLO":
                        await reply(f"250-{self.hostname}\r\n250-8BITMIME\r\n250 PIPELINING")
                    else:
                        await reply(f"250 {self.hostname}")
                elif verb == "MAIL":
                    mail_from, rcpts = cmd.split(":", 1)[1].strip(), []
                    await reply("250 ok")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip())
                    await reply("250 ok")
                elif verb == "DATA":
                    if mail_from is None or not rcpts:
                        await reply("503 need MAIL and RCPT")
                        continue
                    await reply("354 go ahead")
                    data = bytearray()
                    while True:
                        l = await asyncio.wait_for(reader.readline(), 300)
                        if not l:
                            return
                        if l == b".\r\n":
                            break
                        data += l[1:] if l.startswith(b".") else l
                    with self._cond:
                        self.messages.append(Captured(peer, helo, mail_from, list(rcpts),
                                                      bytes(data)))
                        self._cond.notify_all()
                    mail_from, rcpts = None, []
                    await reply("250 ok captured")
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    await reply("250 ok")
                elif verb == "NOOP":
                    await reply("250 ok")
                elif verb == "QUIT":
                    await reply("221 bye")
                    return
                else:
                    await reply("502 not implemented")
        except (asyncio.TimeoutError, ConnectionError):
            return
        finally:
            writer.close()
