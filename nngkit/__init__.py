"""nngkit: the nanomsg Scalability Protocols, with a pynng-compatible API.

Everything public is re-exported here; the underscore modules are private.
"""

from ._version import __version__
from .exceptions import *  # noqa: F401,F403  (the names are listed there)
from ._message import Message, Pipe
from ._context import Context
from ._socket import Dialer, Listener, Socket
from ._stats import EndpointStats, PipeStats, SocketStats
from ._protocols import (
    Bus0,
    Pair0,
    Pair1,
    Pub0,
    Pull0,
    Push0,
    Rep0,
    Req0,
    Req0Context,
    Respondent0,
    Sub0,
    Sub0Context,
    Surveyor0,
    Surveyor0Context,
)
from ._device import device
from ._tls import TLSConfig
from . import tls  # noqa: F401  (pynng.tls)
from . import sockaddr  # noqa: F401  (pynng.sockaddr)
from . import options  # noqa: F401  (pynng.options)
from . import exceptions
from ._pipes import ADD_POST as PIPE_EV_ADD_POST
from ._pipes import ADD_PRE as PIPE_EV_ADD_PRE
from ._pipes import REM_POST as PIPE_EV_REM_POST

__all__ = [
    "__version__",
    # sockets and friends
    "Socket",
    "Pair0",
    "Pair1",
    "Req0",
    "Rep0",
    "Pub0",
    "Sub0",
    "Push0",
    "Pull0",
    "Surveyor0",
    "Respondent0",
    "Bus0",
    "Context",
    "Req0Context",
    "Sub0Context",
    "Surveyor0Context",
    "device",
    "PIPE_EV_ADD_PRE",
    "PIPE_EV_ADD_POST",
    "PIPE_EV_REM_POST",
    "Listener",
    "Dialer",
    "Pipe",
    "Message",
    "TLSConfig",
    "SocketStats",
    "PipeStats",
    "EndpointStats",
]
__all__ += exceptions.__all__
