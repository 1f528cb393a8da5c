/* list.h - intrusive doubly linked lists, and NKI_CONTAINER to get from a
 * member back to its structure. */
#ifndef NKI_LIST_H
#define NKI_LIST_H

#include <stdbool.h>
#include <stddef.h>

#define NKI_CONTAINER(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))

typedef struct nki_node {
    struct nki_node *next, *prev;
} nki_node;

typedef struct {
    nki_node head;
} nki_list;

static inline void nki_list_init(nki_list *l)
{
    l->head.next = l->head.prev = &l->head;
}
static inline bool nki_list_empty(const nki_list *l)
{
    return l->head.next == &l->head;
}
static inline bool nki_node_linked(const nki_node *n)
{
    return n->next != NULL;
}
static inline void nki_list_append(nki_list *l, nki_node *n)
{
    n->prev = l->head.prev;
    n->next = &l->head;
    l->head.prev->next = n;
    l->head.prev = n;
}
static inline void nki_node_remove(nki_node *n)
{
    if (n->next) {
        n->prev->next = n->next;
        n->next->prev = n->prev;
        n->next = n->prev = NULL;
    }
}
static inline nki_node *nki_list_first(nki_list *l)
{
    return nki_list_empty(l) ? NULL : l->head.next;
}
static inline nki_node *nki_list_pop(nki_list *l)
{
    nki_node *n = nki_list_first(l);
    if (n) {
        nki_node_remove(n);
    }
    return n;
}
#define NKI_LIST_FOREACH_SAFE(l, n, nx) \
    for ((n) = (l)->head.next, (nx) = (n)->next; (n) != &(l)->head; (n) = (nx), (nx) = (n)->next)

#endif
