"""The backend: the only layer of the package that calls the compiled core.

`core` loads the cffi extension (``nngkit._ffi``) and is the only module
that imports it; the other modules here wrap its calls by concern:

* `msg`: messages in and out (building a send's ``nk_msg``, lent bodies,
  received messages held for a later receive);
* `ops`: send and receive, blocking and async: one path for each, in one or
  two core calls per message;
* `aio`, `cq`, `loops`, `asyncio_queue`, `trio_queue`: waiting for
  operations, and the completion queue of the running event loop;
* `objects`, `options`, `events`, `counters`: sockets, contexts, endpoints,
  pipes and devices; options; pipe events; statistics and debug counts.

The modules above (`_socket`, `_context`, `_message`, `_pipes`, `_options`,
`_stats`, ...) call these functions and never see ``lib``, ``ffi`` or a core
pointer; the rule is written in docs/architecture.md ("Python layers") and
checked by tests/test_python_layers.py.  Nothing is imported here, so a
module above imports the backend module it uses, and `_errors` (which the
backend raises through) can use `core` without an import cycle.
"""
