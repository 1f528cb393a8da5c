/*
 * fork(): the child starts with an empty core.  Objects of the parent (their
 * memory, their file descriptors) are abandoned in the child, not touched:
 * they belong to the parent's reactor, which the child does not have.  Ids
 * the child inherited therefore report NK_ECLOSED, and the first use of the
 * library in the child starts a reactor of its own.  This is what makes
 * Python's multiprocessing (fork start method) work.
 */
#include "core.h"

void nki_socket_atfork_child(void);
void nki_pipe_atfork_child(void);
void nki_ep_atfork_child(void);
void nki_device_atfork_child(void);
void nki_inproc_atfork_child(void);

void nki_core_atfork_child(void)
{
    nki_socket_atfork_child();
    nki_pipe_atfork_child();
    nki_ep_atfork_child();
    nki_device_atfork_child();
    nki_inproc_atfork_child();
}
