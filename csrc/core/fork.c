/*
 * fork(): the child starts with an empty core.  Objects of the parent (their
 * memory, their file descriptors) are abandoned in the child, not touched:
 * they belong to the parent's reactor, which the child does not have.  Ids
 * the child inherited therefore report NK_ECLOSED, and the first use of the
 * library in the child starts a reactor of its own.  This is what makes
 * Python's multiprocessing (fork start method) work.
 *
 * The platform (which resets itself first) runs core_atfork_child in the
 * child; it resets each unit of the core, then runs the hooks transports
 * registered with nki_core_atfork_register.
 */
#include <stdlib.h>

#include "core.h"
#include "cork.h"
#include "pipe.h"

#define TRAN_HOOKS_MAX 8

static void (*tran_hooks[TRAN_HOOKS_MAX])(void);
static int ntran_hooks;

void nki_core_atfork_register(void (*child)(void))
{
    if (ntran_hooks == TRAN_HOOKS_MAX) {
        abort(); /* a build mistake: a transport's state would outlive fork() */
    }
    tran_hooks[ntran_hooks++] = child;
}

static void core_atfork_child(void)
{
    int i;
    nki_socket_atfork_child();
    nki_pipe_atfork_child();
    nki_ep_atfork_child();
    nki_device_atfork_child();
    nki_msg_atfork_child();
    nki_aio_atfork_child();
    nki_cork_atfork_child();
    for (i = 0; i < ntran_hooks; i++) {
        tran_hooks[i]();
    }
}

NKI_PLATFORM_ATFORK(core_atfork_child)
