/* Id maps: open addressing with linear probing; ids are never reused soon
 * because allocation walks forward from the last id handed out. */
#include <stdlib.h>
#include <string.h>

#include "core.h"

void nki_idmap_init(nki_idmap *m, uint32_t min, uint32_t max, bool random_start)
{
    memset(m, 0, sizeof(*m));
    m->min = min;
    m->max = max;
    m->next = random_start ? min + nki_random() % (max - min) : min;
}

static uint32_t slot_of(const nki_idmap *m, uint32_t id)
{
    return (id * 2654435761u) & (m->cap - 1);
}

static int grow(nki_idmap *m)
{
    uint32_t ncap = m->cap ? m->cap * 2 : 16, i;
    uint32_t *ok = m->keys;
    void **ov = m->vals;
    uint32_t ocap = m->cap;
    m->keys = calloc(ncap, sizeof(uint32_t));
    m->vals = calloc(ncap, sizeof(void *));
    if (m->keys == NULL || m->vals == NULL) {
        free(m->keys);
        free(m->vals);
        m->keys = ok;
        m->vals = ov;
        return NK_ENOMEM;
    }
    m->cap = ncap;
    m->count = 0;
    for (i = 0; i < ocap; i++) {
        if (ok[i] != 0) {
            nki_idmap_set(m, ok[i], ov[i]);
        }
    }
    free(ok);
    free(ov);
    return 0;
}

int nki_idmap_set(nki_idmap *m, uint32_t id, void *val)
{
    uint32_t i;
    int rv;
    if ((m->count + 1) * 2 > m->cap && (rv = grow(m)) != 0) {
        return rv;
    }
    for (i = slot_of(m, id);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == 0 || m->keys[i] == id) {
            if (m->keys[i] == 0) {
                m->count++;
            }
            m->keys[i] = id;
            m->vals[i] = val;
            return 0;
        }
    }
}

void *nki_idmap_get(nki_idmap *m, uint32_t id)
{
    uint32_t i;
    if (m->cap == 0 || id == 0) {
        return NULL;
    }
    for (i = slot_of(m, id); m->keys[i] != 0; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == id) {
            return m->vals[i];
        }
    }
    return NULL;
}

void nki_idmap_del(nki_idmap *m, uint32_t id)
{
    uint32_t i, j;
    if (m->cap == 0 || id == 0) {
        return;
    }
    for (i = slot_of(m, id); m->keys[i] != id; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == 0) {
            return;
        }
    }
    m->keys[i] = 0;
    m->count--;
    /* Re-insert the rest of the probe run so lookups keep working. */
    for (j = (i + 1) & (m->cap - 1); m->keys[j] != 0; j = (j + 1) & (m->cap - 1)) {
        uint32_t k = m->keys[j];
        void *v = m->vals[j];
        m->keys[j] = 0;
        m->count--;
        nki_idmap_set(m, k, v);
    }
}

int nki_idmap_alloc(nki_idmap *m, void *val, uint32_t *idp)
{
    uint32_t tries;
    for (tries = 0; tries < m->max - m->min + 1; tries++) {
        uint32_t id = m->next;
        m->next = (id >= m->max) ? m->min : id + 1;
        if (nki_idmap_get(m, id) == NULL) {
            int rv = nki_idmap_set(m, id, val);
            if (rv == 0) {
                *idp = id;
            }
            return rv;
        }
    }
    return NK_ENOMEM;
}
