/*
 * core.h - the core's internal headers in one include, for the core's own
 * files, transports and protocols.  Each unit declares its part in its own
 * header; this one only gathers them.
 *
 * Rule for everything declared in them: the caller holds nki_lock (see
 * platform.h) unless a comment says otherwise.
 */
#ifndef NKI_CORE_H
#define NKI_CORE_H

#include "nngkit.h"
#include "option.h"   /* the one option mechanism (option.c) */
#include "platform.h" /* threads, the lock, timers, tasks, polled fds */

#include "types.h"  /* the core's object types */
#include "list.h"   /* intrusive lists */
#include "idmap.h"  /* id -> object maps (idmap.c) */
#include "msg.h"    /* messages and message queues (msg.c) */
#include "aio.h"    /* asynchronous operations (aio.c) */
#include "sock.h"   /* sockets and contexts (socket.c) */
#include "ep.h"     /* dialers and listeners (endpoint.c) */
#include "device.h" /* devices (device.c) */
#include "fork.h"   /* fork hooks (fork.c) */

#endif
