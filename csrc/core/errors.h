/* errors.h - errno translation and fd helpers for code that makes system
 * calls: stream pipes, endpoints, transports (errors.c). */
#ifndef NKI_ERRORS_H
#define NKI_ERRORS_H

/* An errno value as the NK_* code NNG reports for it. */
int nki_errno_to_nk(int err);
int nki_set_nonblock(int fd);

#endif
