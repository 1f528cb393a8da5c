/*
 * types.h - the core's object types, named once so that the unit headers
 * can point at one another's objects without including one another.
 */
#ifndef NKI_TYPES_H
#define NKI_TYPES_H

typedef struct nki_sock nki_sock;
typedef struct nki_pipe nki_pipe;
typedef struct nki_ep nki_ep;
typedef struct nki_proto nki_proto;
typedef struct nki_tran nki_tran;

#endif
