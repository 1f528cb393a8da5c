/* fork.h - what fork() resets in the child, layer by layer (fork.c). */
#ifndef NKI_FORK_H
#define NKI_FORK_H

/* For transports: a hook run in a fork() child once the core has reset its
 * own units.  Register at load time, with NKI_CORE_ATFORK(fn) at file
 * scope. */
void nki_core_atfork_register(void (*child)(void));
#define NKI_CORE_ATFORK(fn) \
    __attribute__((constructor)) static void nki_atfork_##fn(void) { nki_core_atfork_register(fn); }

#endif
