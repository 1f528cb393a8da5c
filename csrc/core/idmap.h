/* idmap.h - 32-bit id -> object maps, open addressing (idmap.c). */
#ifndef NKI_IDMAP_H
#define NKI_IDMAP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t *keys;
    void **vals;
    uint32_t cap, count, next;
    uint32_t min, max; /* ids are allocated in [min, max] */
} nki_idmap;

void nki_idmap_init(nki_idmap *m, uint32_t min, uint32_t max, bool random_start);
int nki_idmap_alloc(nki_idmap *m, void *val, uint32_t *idp);
int nki_idmap_set(nki_idmap *m, uint32_t id, void *val);
void *nki_idmap_get(nki_idmap *m, uint32_t id);
void nki_idmap_del(nki_idmap *m, uint32_t id);

#endif
