/* tlsload.h - the loaded TLS engine and the configurations kept by id
 * (tlsload.c), for the transports that speak TLS. */
#ifndef NKI_TLSLOAD_H
#define NKI_TLSLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "tlseng.h"

/* The engine, loading it on first call; NULL with *rvp = NK_ENOTSUP when
 * it cannot be loaded (nk_tls_engine_error says why). */
const nki_tlseng *nki_tlseng_get(int *rvp);
nki_tlseng_cfg *nki_tls_config_find(uint32_t id);
/* An endpoint starts with configuration id: it is busy from now on (NNG
 * keeps it so after the endpoint closed, too); NK_ECLOSED if it was freed. */
int nki_tls_config_hold(uint32_t id);
bool nki_tls_config_busy(uint32_t id);
/* One change (NK_TLS_*) to a configuration of the loaded engine. */
int nki_tls_config_change(nki_tlseng_cfg *c, int what, const char *a, const char *b, const char *pass,
                          int mode);

#endif
