"""Text messages to merchants, through a pluggable backend (like Django's EMAIL_BACKEND).

``settings.SMS_BACKEND`` names a class with ``send_messages(messages) -> int``. Two ship
here: ``ConsoleBackend`` prints (development, and the default until a provider is chosen)
and ``LocmemBackend`` keeps the messages in ``sms.outbox`` (the tests). A real provider
(an SMS gateway's HTTP API) is one more class with the same method, named in
``SMS_BACKEND``; nothing else changes.

Only French mobile numbers (06/07, or +33 6/7) receive texts: a landline cannot.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Filled by LocmemBackend, like django.core.mail.outbox.
outbox: list[SMSMessage] = []

_MOBILE = re.compile(r"^(?:0|\+33|0033)([67]\d{8})$")


def mobile_number(phone: str | None) -> str | None:
    """``"06 12 34 56 78"`` or ``"+33 6 12…"`` → ``"+33612345678"``; None if not a mobile."""
    if not phone:
        return None
    digits = re.sub(r"[\s.\-()]", "", phone)
    match = _MOBILE.match(digits)
    return f"+33{match.group(1)}" if match else None


@dataclass
class SMSMessage:
    to: str
    body: str


class BaseBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SMSMessage]) -> int:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints each text on standard output (what a developer sees with runserver)."""

    _lock = threading.Lock()

    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages):
        with self._lock:
            for message in messages:
                self.stream.write(f"SMS to {message.to}:\n{message.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


class LocmemBackend(BaseBackend):
    """Keeps the texts in ``geo_directory.notifications.sms.outbox`` (tests)."""

    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)


def get_backend(**kwargs) -> BaseBackend:
    path = getattr(settings, "SMS_BACKEND", "geo_directory.notifications.sms.ConsoleBackend")
    return import_string(path)(**kwargs)


def send_sms(phone: str, body: str, fail_silently: bool = False) -> int:
    """Send ``body`` to ``phone`` if it is a mobile number; returns the number sent (0/1)."""
    to = mobile_number(phone)
    if to is None:
        return 0
    return get_backend(fail_silently=fail_silently).send_messages([SMSMessage(to, body)])
