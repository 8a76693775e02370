"""The receivers of a chaos run's notifications, on loopback (or the scale run's bridge): an
SMTP server that keeps every message it accepts, and an HTTP endpoint that keeps every webhook
delivery. Both count what a
real receiver would drop as a duplicate (the same Message-ID, the same X-Accord-Delivery).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from common import free_port


class SmtpSink:
    """Just enough SMTP (RFC 5321: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for Django's
    SMTP backend; each accepted message is counted by recipient and Message-ID (one message
    to several people has one Message-ID: each mailbox drops its own duplicates)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, free_port()
        self.message_ids: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 chaos-sink ESMTP\r\n")
        recipients: list[str] = []
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
                    await writer.drain()
                    lines = []
                    while (chunk := await reader.readline()) not in (b".\r\n", b""):
                        lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    message = message_from_bytes(b"".join(lines))
                    with self.lock:
                        for to in recipients:
                            self.message_ids[f"{to} {message.get('Message-ID', '')}"] += 1
                    recipients = []
                    writer.write(b"250 kept\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                elif verb == b"EHLO":
                    writer.write(b"250-chaos-sink\r\n250 8BITMIME\r\n")
                elif verb == b"RCPT":  # RCPT TO:<someone@example.com>
                    recipients.append(line.decode().split(":", 1)[1].strip().strip("<>").lower())
                    writer.write(b"250 ok\r\n")
                else:  # HELO, MAIL, RSET, NOOP
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def start(self) -> None:
        self.thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, self.host, self.port), self.loop
        )
        server.result(timeout=10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


class WebhookSink:
    """An endpoint that answers 204 to every POST and counts its X-Accord-Delivery."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://{host}:{self.port}/hook"
        self.deliveries: Counter[str] = Counter()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink_lock:
                    sink.deliveries[self.headers.get("X-Accord-Delivery", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        sink_lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


def duplicates(counts: Counter[str]) -> int:
    """Deliveries a receiver would drop: every copy after the first of each id."""
    return sum(n - 1 for n in counts.values())
