"""Exceptions, and `check`, the one place where core error numbers become them.

The backend raises through `check`; this module uses the core only for its
error numbers and texts (`_backend.core`).

The names and numbers are pynng's (nngkit's NK_E* values equal NNG's), so code
that catches ``pynng.Timeout`` can catch ``nngkit.Timeout``.  Where a builtin
exception means the same thing, the class also derives from it: ``Timeout`` is
a ``TimeoutError``, ``ConnectionRefused`` a ``ConnectionRefusedError``, and so
on.  ``errno`` is always the core's error number, not the OS one.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

from ._backend.core import const, strerror


class NNGException(Exception):
    """Base class of every error reported by the nngkit core."""

    #: error number used when an instance is made without one
    _errno: int = 0

    def __init__(self, msg: str, errno: Optional[int] = None) -> None:
        super().__init__(msg)
        # Optional only to match OSError's annotation; always set here.
        self.errno: Optional[int] = self._errno if errno is None else errno

    def __reduce__(self) -> Tuple[type, Tuple[str, Optional[int]]]:
        return (type(self), (str(self), self.errno))


class MessageStateError(Exception):
    """A `Message` used after a successful send handed it over.

    As in pynng: sending the same `Message` again, or reading its ``bytes``
    after it was sent, raises this.  A failed send leaves the message usable.
    """


class Interrupted(NNGException, InterruptedError):
    _errno = const("EINTR")


class NoMemory(NNGException, MemoryError):
    _errno = const("ENOMEM")


class InvalidOperation(NNGException, ValueError):
    _errno = const("EINVAL")


class Busy(NNGException):
    _errno = const("EBUSY")


class Timeout(NNGException, TimeoutError):
    _errno = const("ETIMEDOUT")


class ConnectionRefused(NNGException, ConnectionRefusedError):
    _errno = const("ECONNREFUSED")


class Closed(NNGException):
    _errno = const("ECLOSED")


class TryAgain(NNGException, BlockingIOError):
    _errno = const("EAGAIN")


class NotSupported(NNGException):
    _errno = const("ENOTSUP")


class AddressInUse(NNGException, OSError):
    _errno = const("EADDRINUSE")


class BadState(NNGException):
    _errno = const("ESTATE")


class NoEntry(NNGException):
    _errno = const("ENOENT")


class ProtocolError(NNGException):
    _errno = const("EPROTO")


class DestinationUnreachable(NNGException, OSError):
    _errno = const("EUNREACHABLE")


class AddressInvalid(NNGException, ValueError):
    _errno = const("EADDRINVAL")


class PermissionDenied(NNGException, PermissionError):
    _errno = const("EPERM")


class MessageTooLarge(NNGException):
    _errno = const("EMSGSIZE")


class ConnectionAborted(NNGException, ConnectionAbortedError):
    _errno = const("ECONNABORTED")


class ConnectionReset(NNGException, ConnectionResetError):
    _errno = const("ECONNRESET")


class Canceled(NNGException):
    _errno = const("ECANCELED")


class OutOfFiles(NNGException, OSError):
    _errno = const("ENOFILES")


class OutOfSpace(NNGException, OSError):
    _errno = const("ENOSPC")


class AlreadyExists(NNGException):
    _errno = const("EEXIST")


class ReadOnly(NNGException):
    _errno = const("EREADONLY")


class WriteOnly(NNGException):
    _errno = const("EWRITEONLY")


class CryptoError(NNGException):
    _errno = const("ECRYPTO")


class AuthenticationError(NNGException):
    _errno = const("EPEERAUTH")


class NoArgument(NNGException):
    _errno = const("ENOARG")


class Ambiguous(NNGException):
    _errno = const("EAMBIGUOUS")


class BadType(NNGException, TypeError):
    _errno = const("EBADTYPE")


class ConnectionShutdown(NNGException, ConnectionError):
    _errno = const("ECONNSHUT")


class Internal(NNGException):
    _errno = const("EINTERNAL")


_BY_ERRNO: Dict[int, Type[NNGException]] = {
    cls._errno: cls
    for cls in (
        Interrupted, NoMemory, InvalidOperation, Busy, Timeout,
        ConnectionRefused, Closed, TryAgain, NotSupported, AddressInUse,
        BadState, NoEntry, ProtocolError, DestinationUnreachable,
        AddressInvalid, PermissionDenied, MessageTooLarge, ConnectionAborted,
        ConnectionReset, Canceled, OutOfFiles, OutOfSpace, AlreadyExists,
        ReadOnly, WriteOnly, CryptoError, AuthenticationError, NoArgument,
        Ambiguous, BadType, ConnectionShutdown, Internal,
    )
}


def error_for(rv: int) -> NNGException:
    """The exception for core error number ``rv`` (which must be nonzero)."""
    return _BY_ERRNO.get(rv, NNGException)(strerror(rv), rv)


def check(rv: int) -> None:
    """Raise the matching exception if a core call returned nonzero."""
    if rv:
        raise error_for(rv)


# pynng's spelling of `check`.
check_err = check
