/* device.h - devices relay raw messages between two sockets (device.c). */
#ifndef NKI_DEVICE_H
#define NKI_DEVICE_H

#include <stdint.h>

void nki_device_atfork_child(void);
/* A socket is closing: every device using it ends. */
void nki_device_sock_closed(uint32_t sid);

#endif
