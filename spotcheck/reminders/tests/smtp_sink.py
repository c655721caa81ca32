"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), keeping what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


class SmtpSink:
    """``with SmtpSink() as sink: ... sink.port ... sink.messages``."""

    def __init__(self) -> None:
        self.handler = _Keep()
        with socket.socket() as probe:  # a free loopback port (the controller checks it connects)
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages
