"""The one exception tree of sms-hook.

    SmsHookError                      base of everything sms-hook raises on purpose
    ├── ContractError                 the OpenAPI document is missing, unreadable or uses a
    │                                 schema feature the judge does not understand
    ├── SignatureError                a request's signature headers cannot be accepted (401)
    │   ├── MissingHeader             `signature` or `timestamp` is missing or empty
    │   ├── TimestampNotNumeric       `timestamp` is not a whole number of seconds
    │   ├── TimestampOutOfTolerance   `timestamp` is further from now than the tolerance
    │   └── SignatureMismatch         the HMAC does not match either reading of the body
    ├── NotificationError             a notification to send cannot be built (bad --set, file)
    ├── ReceiverUnreachable           refused, DNS, TLS or timeout while connecting to a receiver
    ├── Unsendable                    a request HTTP cannot carry (a header with a line break)
    └── ExchangeFailed                connected, but no whole answer came back
        ├── NoAnswerInTime            the deadline (connect, send, last byte) passed
        └── ConnectionDropped         closed or reset before a whole answer, or not HTTP

The CLI maps these to one line and an exit code; library code never exits or prints.
"""

from __future__ import annotations


class SmsHookError(Exception):
    """Base class of every error sms-hook raises on purpose."""


class ContractError(SmsHookError):
    """Raised when the OpenAPI document cannot be loaded or understood."""


class SignatureError(SmsHookError):
    """Raised when a request's signature headers cannot be accepted."""


class MissingHeader(SignatureError):
    """Raised when the `signature` or `timestamp` header is missing or empty."""

    def __init__(self, header: str, *, empty: bool = False) -> None:
        self.header = header
        self.empty = empty
        super().__init__(f"header {header}: {'empty' if empty else 'missing'}")


class TimestampNotNumeric(SignatureError):
    """Raised when the timestamp header (`header`, the scheme's name) is not whole seconds."""

    def __init__(self, value: str, header: str) -> None:
        self.value = value
        self.header = header
        shown = value if len(value) <= 40 else value[:39] + "…"
        super().__init__(f"header {header}: {shown!r} is not a unix time in whole seconds")


class TimestampOutOfTolerance(SignatureError):
    """Raised when the timestamp header (`header`) is further from now than the tolerance."""

    def __init__(self, value: int, now: int, tolerance: int, header: str) -> None:
        self.value = value
        self.header = header
        self.skew = value - now
        self.tolerance = tolerance
        super().__init__(
            f"header {header}: {value} is {abs(self.skew)} s "
            f"{'ahead of' if self.skew > 0 else 'behind'} the receiver's clock "
            f"(tolerance {tolerance} s)"
        )


class SignatureMismatch(SignatureError):
    """Raised when the signature matches neither reading of "all spaces removed".

    `header` and `mac` are the scheme's: the signature header's name and `Scheme.hmac_name`.
    """

    def __init__(self, expected_message: bytes, hint: str, *, header: str, mac: str) -> None:
        self.expected_message = expected_message
        self.hint = hint
        shown = expected_message.decode("utf-8", errors="backslashreplace")
        super().__init__(
            f"header {header}: does not match {mac} of the expected message "
            f"{shown!r}" + (f" ({hint})" if hint else "")
        )


class NotificationError(SmsHookError):
    """Raised when a notification to send cannot be built from the given options or file."""


class ReceiverUnreachable(SmsHookError):
    """Raised when a receiver cannot be reached: refused, DNS, TLS or timeout."""


class Unsendable(SmsHookError):
    """Raised when a request cannot be put on the wire (a header value with a line break...)."""


class ExchangeFailed(SmsHookError):
    """Raised when a connection was made but no whole answer came back."""


class NoAnswerInTime(ExchangeFailed):
    """Raised when the deadline of an exchange (connect, send, last byte) passed."""


class ConnectionDropped(ExchangeFailed):
    """Raised when the receiver closed or reset the connection, or answered something not HTTP."""

    def __init__(self, message: str, *, reset: bool = False) -> None:
        super().__init__(message)
        self.reset = reset
        """True: reset (RST) before any answer. A receiver that closes a connection with part of
        the request unread resets it, so a reset request was most likely not read whole."""
