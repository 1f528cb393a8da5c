/*
 * Id maps (csrc/core/idmap.c): 32-bit id -> pointer, open addressing with
 * linear probing, ids handed out walking forward and wrapping in [min, max].
 * Links idmap.c and the platform (for nki_random).
 *
 * There is no nki_idmap_fini: owners free keys and vals themselves (as
 * req0.c and surveyor0.c do); map_free below does the same.
 */
#include "core.h"
#include "nkt.h"

static int vals[4096];

static void map_free(nki_idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* The home slot of id in a map of capacity cap (as idmap.c hashes). */
static uint32_t home(uint32_t id, uint32_t cap)
{
    return (id * 2654435761u) & (cap - 1);
}

/* n distinct ids >= from whose home slot in a 16-slot map is slot. */
static void ids_homed_at(uint32_t slot, uint32_t from, uint32_t *out, int n)
{
    uint32_t id;
    int k = 0;
    for (id = from; k < n; id++) {
        if (home(id, 16) == slot) {
            out[k++] = id;
        }
    }
}

static void empty_map_finds_nothing(void)
{
    nki_idmap m;
    nki_idmap_init(&m, 1, 100, false);
    NKT_EQ_PTR(nki_idmap_get(&m, 1), NULL);
    NKT_EQ_PTR(nki_idmap_get(&m, 0), NULL);
    nki_idmap_del(&m, 5); /* nothing to delete, nothing allocated */
    NKT_EQ_U(m.cap, 0);
    NKT_EQ_PTR(m.keys, NULL);
}

static void alloc_walks_forward_from_min(void)
{
    nki_idmap m;
    uint32_t id, i;
    nki_idmap_init(&m, 10, 1000, false);
    for (i = 0; i < 5; i++) {
        NKT_EQ(nki_idmap_alloc(&m, &vals[i], &id), 0);
        NKT_EQ_U(id, 10 + i);
        NKT_EQ_PTR(nki_idmap_get(&m, id), &vals[i]);
    }
    /* A freed id is not handed out again until the walk comes round. */
    nki_idmap_del(&m, 11);
    NKT_EQ(nki_idmap_alloc(&m, &vals[5], &id), 0);
    NKT_EQ_U(id, 15);
    NKT_EQ_U(m.count, 5);
    map_free(&m);
}

static void alloc_wraps_around_and_skips_ids_in_use(void)
{
    nki_idmap m;
    uint32_t id;
    nki_idmap_init(&m, 1, 5, false);
    NKT_EQ(nki_idmap_set(&m, 2, &vals[2]), 0); /* taken by hand */
    NKT_EQ(nki_idmap_alloc(&m, &vals[1], &id), 0);
    NKT_EQ_U(id, 1);
    NKT_EQ(nki_idmap_alloc(&m, &vals[3], &id), 0);
    NKT_EQ_U(id, 3);
    NKT_EQ(nki_idmap_alloc(&m, &vals[4], &id), 0);
    NKT_EQ_U(id, 4);
    NKT_EQ(nki_idmap_alloc(&m, &vals[5], &id), 0);
    NKT_EQ_U(id, 5);
    nki_idmap_del(&m, 3);
    /* past max: back to min, then forward over 1 and 2 (in use) to 3 */
    NKT_EQ(nki_idmap_alloc(&m, &vals[6], &id), 0);
    NKT_EQ_U(id, 3);
    NKT_EQ_PTR(nki_idmap_get(&m, 3), &vals[6]);
    NKT_EQ_PTR(nki_idmap_get(&m, 2), &vals[2]);
    map_free(&m);
}

static void alloc_wraps_at_the_top_of_the_id_space(void)
{
    /* REQ and SURVEYOR ids live in [0x80000000, 0xffffffff]. */
    nki_idmap m;
    uint32_t id;
    nki_idmap_init(&m, 0x80000000u, 0xffffffffu, false);
    m.next = 0xfffffffeu;
    NKT_EQ(nki_idmap_alloc(&m, &vals[0], &id), 0);
    NKT_EQ_U(id, 0xfffffffeu);
    NKT_EQ(nki_idmap_alloc(&m, &vals[1], &id), 0);
    NKT_EQ_U(id, 0xffffffffu);
    NKT_EQ(nki_idmap_alloc(&m, &vals[2], &id), 0);
    NKT_EQ_U(id, 0x80000000u);
    NKT_EQ_PTR(nki_idmap_get(&m, 0xffffffffu), &vals[1]);
    map_free(&m);
}

static void full_map_refuses_with_enomem(void)
{
    nki_idmap m;
    uint32_t id, i;
    nki_idmap_init(&m, 1, 8, false);
    for (i = 1; i <= 8; i++) {
        NKT_EQ(nki_idmap_alloc(&m, &vals[i], &id), 0);
        NKT_EQ_U(id, i);
    }
    id = 0;
    NKT_EQ(nki_idmap_alloc(&m, &vals[9], &id), NK_ENOMEM);
    NKT_EQ_U(id, 0);
    NKT_EQ_U(m.count, 8);
    nki_idmap_del(&m, 6);
    NKT_EQ(nki_idmap_alloc(&m, &vals[9], &id), 0);
    NKT_EQ_U(id, 6);
    map_free(&m);
}

static void random_start_stays_in_range(void)
{
    int i;
    for (i = 0; i < 200; i++) {
        nki_idmap m;
        uint32_t id;
        nki_idmap_init(&m, 0x80000000u, 0xffffffffu, true);
        NKT_CHECK(m.next >= 0x80000000u);
        nki_idmap_init(&m, 1, 3, true);
        NKT_CHECK(m.next >= 1 && m.next <= 3);
        NKT_EQ(nki_idmap_alloc(&m, &vals[0], &id), 0);
        NKT_CHECK(id >= 1 && id <= 3);
        map_free(&m);
    }
}

static void set_replaces_and_grows(void)
{
    nki_idmap m;
    uint32_t i;
    nki_idmap_init(&m, 1, 0x7fffffff, false);
    NKT_EQ(nki_idmap_set(&m, 7, &vals[0]), 0);
    NKT_EQ(nki_idmap_set(&m, 7, &vals[1]), 0);
    NKT_EQ_U(m.count, 1);
    NKT_EQ_PTR(nki_idmap_get(&m, 7), &vals[1]);
    nki_idmap_del(&m, 7);
    /* 3000 ids spread over the space: every one found after each growth,
     * and the table never more than half full. */
    for (i = 0; i < 3000; i++) {
        NKT_EQ(nki_idmap_set(&m, i * 7919 + 1, &vals[i]), 0);
        NKT_CHECK(m.count * 2 <= m.cap);
        NKT_CHECK((m.cap & (m.cap - 1)) == 0);
    }
    NKT_EQ_U(m.count, 3000);
    for (i = 0; i < 3000; i++) {
        NKT_EQ_PTR(nki_idmap_get(&m, i * 7919 + 1), &vals[i]);
    }
    NKT_EQ_PTR(nki_idmap_get(&m, 2), NULL);
    map_free(&m);
}

static void delete_keeps_a_probe_run_reachable(void)
{
    /* Four ids with one home slot form a run; deleting any one of them
     * must leave the others reachable and the count right. */
    uint32_t ids[4];
    int gone, k;
    ids_homed_at(5, 1, ids, 4);
    for (gone = 0; gone < 4; gone++) {
        nki_idmap m;
        nki_idmap_init(&m, 1, 0x7fffffff, false);
        for (k = 0; k < 4; k++) {
            NKT_EQ(nki_idmap_set(&m, ids[k], &vals[k]), 0);
        }
        NKT_EQ_U(m.cap, 16); /* so the ids really share slot 5 */
        nki_idmap_del(&m, ids[gone]);
        NKT_EQ_U(m.count, 3);
        for (k = 0; k < 4; k++) {
            NKT_EQ_PTR(nki_idmap_get(&m, ids[k]), k == gone ? NULL : &vals[k]);
        }
        map_free(&m);
    }
}

static void delete_keeps_a_run_that_wraps_past_the_end(void)
{
    /* A run starting in the last slot continues at slot 0; an id homed at
     * slot 0 then sits behind it.  Deleting the first of the run must not
     * strand either. */
    uint32_t tail[3], zero[1];
    nki_idmap m;
    int k;
    ids_homed_at(15, 1, tail, 3);
    ids_homed_at(0, 1, zero, 1);
    nki_idmap_init(&m, 1, 0x7fffffff, false);
    for (k = 0; k < 3; k++) {
        NKT_EQ(nki_idmap_set(&m, tail[k], &vals[k]), 0);
    }
    NKT_EQ(nki_idmap_set(&m, zero[0], &vals[3]), 0);
    NKT_EQ_U(m.cap, 16);
    NKT_EQ_U(m.keys[15], tail[0]);
    NKT_EQ_U(m.keys[0], tail[1]);
    NKT_EQ_U(m.keys[2], zero[0]);
    nki_idmap_del(&m, tail[0]);
    NKT_EQ_PTR(nki_idmap_get(&m, tail[1]), &vals[1]);
    NKT_EQ_PTR(nki_idmap_get(&m, tail[2]), &vals[2]);
    NKT_EQ_PTR(nki_idmap_get(&m, zero[0]), &vals[3]);
    NKT_EQ_PTR(nki_idmap_get(&m, tail[0]), NULL);
    NKT_EQ_U(m.count, 3);
    map_free(&m);
}

static void delete_of_absent_ids_changes_nothing(void)
{
    uint32_t ids[3];
    nki_idmap m;
    ids_homed_at(9, 1, ids, 3);
    nki_idmap_init(&m, 1, 0x7fffffff, false);
    NKT_EQ(nki_idmap_set(&m, ids[0], &vals[0]), 0);
    NKT_EQ(nki_idmap_set(&m, ids[1], &vals[1]), 0);
    nki_idmap_del(&m, ids[2]); /* same home, not there */
    nki_idmap_del(&m, 0);      /* 0 is never an id */
    NKT_EQ_U(m.count, 2);
    NKT_EQ_PTR(nki_idmap_get(&m, ids[0]), &vals[0]);
    NKT_EQ_PTR(nki_idmap_get(&m, ids[1]), &vals[1]);
    map_free(&m);
}

static void churn_matches_a_plain_array(void)
{
    /* Random sets and deletes over a small id range, checked against a
     * plain array after every step: the map's answers never differ. */
    static void *model[512];
    nki_idmap m;
    uint32_t x = 12345, i, id, live = 0;
    memset(model, 0, sizeof(model));
    nki_idmap_init(&m, 1, 511, false);
    for (i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        id = 1 + (x >> 8) % 511;
        if ((x >> 4) & 1) {
            live += model[id] == NULL;
            model[id] = &vals[i % 4096];
            NKT_EQ(nki_idmap_set(&m, id, model[id]), 0);
        } else {
            live -= model[id] != NULL;
            model[id] = NULL;
            nki_idmap_del(&m, id);
        }
        NKT_EQ_U(m.count, live);
        if (i % 97 == 0) {
            uint32_t k;
            for (k = 1; k < 512; k++) {
                NKT_EQ_PTR(nki_idmap_get(&m, k), model[k]);
            }
        }
    }
    map_free(&m);
}

static const nkt_case cases[] = {
    NKT_CASE(empty_map_finds_nothing),
    NKT_CASE(alloc_walks_forward_from_min),
    NKT_CASE(alloc_wraps_around_and_skips_ids_in_use),
    NKT_CASE(alloc_wraps_at_the_top_of_the_id_space),
    NKT_CASE(full_map_refuses_with_enomem),
    NKT_CASE(random_start_stays_in_range),
    NKT_CASE(set_replaces_and_grows),
    NKT_CASE(delete_keeps_a_probe_run_reachable),
    NKT_CASE(delete_keeps_a_run_that_wraps_past_the_end),
    NKT_CASE(delete_of_absent_ids_changes_nothing),
    NKT_CASE(churn_matches_a_plain_array),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
