/*
 * posix.h - calls between the platform's own files.  The layers above use
 * platform.h only.
 */
#ifndef NKI_POSIX_H
#define NKI_POSIX_H

/* posix_thread.c */
void nki_plat_cv_attr_init(void); /* before the first nki_cv_init */
void nki_plat_lock_reset(void);   /* fork child: a fresh lock, zero live counts */

/* posix_reactor.c: fork child: forget the parent's reactor. */
void nki_plat_reactor_reset(void);

/* posix_fork.c: installs the fork handlers; called once, as the reactor starts. */
void nki_plat_atfork_install(void);

#endif
