"""Exceptions, and `check`, the one place where core error numbers become them.

The names and numbers are pynng's (nngkit's NK_E* values equal NNG's), so code
that catches ``pynng.Timeout`` can catch ``nngkit.Timeout``.  Where a builtin
exception means the same thing, the class also derives from it: ``Timeout`` is
a ``TimeoutError``, ``ConnectionRefused`` a ``ConnectionRefusedError``, and so
on.  ``errno`` is always the core's error number, not the OS one.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

from ._ffi import ffi, lib


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
    """Kept for pynng compatibility.

    pynng raises it when a message is sent twice.  nngkit messages are plain
    values that can be sent any number of times, so nngkit never raises it.
    """


class Interrupted(NNGException, InterruptedError):
    _errno = lib.NK_EINTR


class NoMemory(NNGException, MemoryError):
    _errno = lib.NK_ENOMEM


class InvalidOperation(NNGException, ValueError):
    _errno = lib.NK_EINVAL


class Busy(NNGException):
    _errno = lib.NK_EBUSY


class Timeout(NNGException, TimeoutError):
    _errno = lib.NK_ETIMEDOUT


class ConnectionRefused(NNGException, ConnectionRefusedError):
    _errno = lib.NK_ECONNREFUSED


class Closed(NNGException):
    _errno = lib.NK_ECLOSED


class TryAgain(NNGException, BlockingIOError):
    _errno = lib.NK_EAGAIN


class NotSupported(NNGException):
    _errno = lib.NK_ENOTSUP


class AddressInUse(NNGException, OSError):
    _errno = lib.NK_EADDRINUSE


class BadState(NNGException):
    _errno = lib.NK_ESTATE


class NoEntry(NNGException):
    _errno = lib.NK_ENOENT


class ProtocolError(NNGException):
    _errno = lib.NK_EPROTO


class DestinationUnreachable(NNGException, OSError):
    _errno = lib.NK_EUNREACHABLE


class AddressInvalid(NNGException, ValueError):
    _errno = lib.NK_EADDRINVAL


class PermissionDenied(NNGException, PermissionError):
    _errno = lib.NK_EPERM


class MessageTooLarge(NNGException):
    _errno = lib.NK_EMSGSIZE


class ConnectionAborted(NNGException, ConnectionAbortedError):
    _errno = lib.NK_ECONNABORTED


class ConnectionReset(NNGException, ConnectionResetError):
    _errno = lib.NK_ECONNRESET


class Canceled(NNGException):
    _errno = lib.NK_ECANCELED


class OutOfFiles(NNGException, OSError):
    _errno = lib.NK_ENOFILES


class OutOfSpace(NNGException, OSError):
    _errno = lib.NK_ENOSPC


class AlreadyExists(NNGException):
    _errno = lib.NK_EEXIST


class ReadOnly(NNGException):
    _errno = lib.NK_EREADONLY


class WriteOnly(NNGException):
    _errno = lib.NK_EWRITEONLY


class CryptoError(NNGException):
    _errno = lib.NK_ECRYPTO


class AuthenticationError(NNGException):
    _errno = lib.NK_EPEERAUTH


class NoArgument(NNGException):
    _errno = lib.NK_ENOARG


class Ambiguous(NNGException):
    _errno = lib.NK_EAMBIGUOUS


class BadType(NNGException, TypeError):
    _errno = lib.NK_EBADTYPE


class ConnectionShutdown(NNGException, ConnectionError):
    _errno = lib.NK_ECONNSHUT


class Internal(NNGException):
    _errno = lib.NK_EINTERNAL


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
    text = str(ffi.string(lib.nk_strerror(rv)).decode("utf-8", "replace"))
    return _BY_ERRNO.get(rv, NNGException)(text, rv)


def check(rv: int) -> None:
    """Raise the matching exception if a core call returned nonzero."""
    if rv:
        raise error_for(rv)


# pynng's spelling of `check`.
check_err = check
