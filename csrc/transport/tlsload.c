#define _GNU_SOURCE /* dladdr */
/*
 * The TLS engine, loaded on first use, and the TLS configurations of the
 * public API (nk_tls_config_*: nngkit.h), kept by id.
 *
 * The engine is a shared object beside the core's own (nngkit/_nk_openssl.so)
 * linked to the system's libssl.so.3: loading it late keeps the core free of
 * any link to OpenSSL, so nngkit imports where OpenSSL is missing and a TLS
 * URL or configuration then fails with NK_ENOTSUP and a sentence saying
 * what to install (nk_tls_engine_error).  NNGKIT_TLS_ENGINE names another
 * file (tests use it to play "missing").
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsload.h"

#define ENGINE_FILE "_nk_openssl.so"

static const nki_tlseng *engine;
static int engine_rv = -1; /* -1: not tried yet */
static char engine_why[512];
static nki_idmap configs;
static bool configs_ready;

static void engine_path(char *path, size_t len)
{
    Dl_info info;
    const char *env = getenv("NNGKIT_TLS_ENGINE"), *slash;
    if (env != NULL && env[0] != '\0') {
        snprintf(path, len, "%s", env);
        return;
    }
    if (dladdr((void *) nki_tlseng_get, &info) == 0 || info.dli_fname == NULL ||
        (slash = strrchr(info.dli_fname, '/')) == NULL) {
        snprintf(path, len, "%s", ENGINE_FILE);
        return;
    }
    snprintf(path, len, "%.*s/%s", (int) (slash - info.dli_fname), info.dli_fname, ENGINE_FILE);
}

static int engine_load(void)
{
    char path[PATH_MAX];
    void *h;
    nki_tlseng_entry_fn entry;
    engine_path(path, sizeof(path));
    if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        const char *err = dlerror();
        if (err != NULL && strstr(err, "libssl") == NULL && strstr(err, "libcrypto") == NULL) {
            snprintf(engine_why, sizeof(engine_why),
                     "TLS is not available: nngkit was built without OpenSSL's headers (install libssl-dev "
                     "on Debian or Ubuntu, openssl-devel on Fedora or RHEL, and reinstall nngkit): %s", err);
        } else {
            snprintf(engine_why, sizeof(engine_why),
                     "TLS needs OpenSSL 3 (install libssl3 on Debian 12 or Ubuntu 22.04, libssl3t64 on "
                     "Debian 13 or Ubuntu 24.04, openssl-libs on Fedora or RHEL): %s", err ? err : "");
        }
        return NK_ENOTSUP;
    }
    entry = (nki_tlseng_entry_fn) dlsym(h, NKI_TLSENG_ENTRY);
    if (entry == NULL || entry() == NULL || entry()->version != NKI_TLSENG_VERSION) {
        snprintf(engine_why, sizeof(engine_why), "TLS engine %.200s does not match this nngkit", path);
        dlclose(h);
        return NK_ENOTSUP;
    }
    if (entry()->init(engine_why, sizeof(engine_why)) != 0) {
        dlclose(h);
        return NK_ENOTSUP;
    }
    engine = entry(); /* stays loaded for the life of the process */
    return 0;
}

const nki_tlseng *nki_tlseng_get(int *rvp)
{
    if (engine_rv < 0) {
        engine_rv = engine_load();
    }
    *rvp = engine_rv;
    return engine;
}

int nk_tls_engine_error(char *buf, size_t len)
{
    int rv;
    nki_lock();
    (void) nki_tlseng_get(&rv);
    if (rv != 0) {
        (void) nki_opt_str(engine_why, buf, len);
    }
    nki_unlock();
    return rv;
}

/* ---- configurations by id ---- */

/* A configuration of the map: once an endpoint started with it, it is busy
 * for good (changes fail with NK_EBUSY, as in NNG 1.11). */
typedef struct {
    nki_tlseng_cfg *c;
    bool busy;
} conf;

static conf *conf_find(uint32_t id)
{
    return configs_ready ? nki_idmap_get(&configs, id) : NULL;
}

nki_tlseng_cfg *nki_tls_config_find(uint32_t id)
{
    conf *f = conf_find(id);
    return f ? f->c : NULL;
}

int nki_tls_config_hold(uint32_t id)
{
    conf *f = conf_find(id);
    if (f == NULL) {
        return NK_ECLOSED;
    }
    f->busy = true;
    return 0;
}

bool nki_tls_config_busy(uint32_t id)
{
    conf *f = conf_find(id);
    return f != NULL && f->busy;
}

int nk_tls_config_new(int server, uint32_t *idp)
{
    const nki_tlseng *e;
    conf *f;
    int rv;
    nki_lock();
    if ((e = nki_tlseng_get(&rv)) != NULL) {
        if (!configs_ready) {
            nki_idmap_init(&configs, 1, 0x7fffffff, false);
            configs_ready = true;
        }
        rv = NK_ENOMEM;
        if ((f = calloc(1, sizeof(*f))) != NULL && (f->c = e->cfg_new(server != 0)) != NULL &&
            (rv = nki_idmap_alloc(&configs, f, idp)) != 0) {
            e->cfg_free(f->c);
        }
        if (rv != 0) {
            free(f);
        }
    }
    nki_unlock();
    return rv;
}

int nk_tls_config_free(uint32_t id)
{
    conf *f;
    nki_lock();
    if ((f = conf_find(id)) != NULL) {
        nki_idmap_del(&configs, id);
        engine->cfg_free(f->c);
        free(f);
    }
    nki_unlock();
    return f ? 0 : NK_ENOENT;
}

/* One change of a configuration: what = NK_TLS_* (nngkit.h). */
int nki_tls_config_change(nki_tlseng_cfg *c, int what, const char *a, const char *b, const char *pass,
                          int mode)
{
    switch (what) {
    case NK_TLS_AUTH_MODE:
        return engine->cfg_auth_mode(c, mode);
    case NK_TLS_SERVER_NAME:
        return engine->cfg_server_name(c, a);
    case NK_TLS_CA_CHAIN:
        return engine->cfg_ca_chain(c, a, b);
    case NK_TLS_OWN_CERT:
        return engine->cfg_own_cert(c, a, b, pass);
    case NK_TLS_CA_FILE:
        return engine->cfg_ca_file(c, a);
    case NK_TLS_CERT_KEY_FILE:
        return engine->cfg_cert_key_file(c, a, pass);
    default:
        return NK_EINVAL;
    }
}

int nk_tls_config_set(uint32_t id, int what, const char *a, const char *b, const char *pass, int mode)
{
    conf *f;
    int rv = NK_ENOENT;
    if (what != NK_TLS_AUTH_MODE && a == NULL) {
        return NK_EINVAL;
    }
    nki_lock();
    if ((f = conf_find(id)) != NULL) {
        rv = f->busy ? NK_EBUSY : nki_tls_config_change(f->c, what, a, b, pass, mode);
    }
    nki_unlock();
    return rv;
}
