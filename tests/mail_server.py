"""A real SMTP server on loopback for the mail tests (aiosmtpd), answering as told."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """Keeps every message it accepts; ``reply`` other than 250 refuses them instead."""

    def __init__(self, reply: str = "250 OK"):
        self.reply = reply
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply

    def to(self, address: str):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes
                if address in e.rcpt_tos]

    def raw_to(self, address: str) -> list[bytes]:
        return [e.content for e in self.envelopes if address in e.rcpt_tos]


class Server:
    def __init__(self, reply: str = "250 OK"):
        self.inbox = Inbox(reply)
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def point_at(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
