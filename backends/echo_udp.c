/* SPDX-License-Identifier: MIT */
/* The UDP echo (--udp-listen): every datagram is answered with one datagram holding the JSON
 * line of echo_l4.c, sent back to the address it came from. No sessions: a gateway's UDP
 * sessions are the gateway's business. Replies the socket cannot take at once are dropped, as
 * UDP may. */
#include "echo_conn.h"
#include "echo_l4.h"

#include "gs_addr.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* Datagrams read per readiness event, so one flooding client cannot starve the loop's other
 * events; the event fires again while more are queued. */
#define UDP_BATCH 64

/* Fires when the UDP socket is readable. */
static void on_udp_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    gs_echo_worker *w = arg;
    char pkt[65536];
    for (int i = 0; i < UDP_BATCH; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                gs_echo_log_count(w->ctx.log, "udp_error");
            return;
        }
        char peer[80];
        gs_addr_format((struct sockaddr *)&from, peer, sizeof(peer));
        /* A datagram may end with the "\n" a line client adds: it is not part of the id. */
        size_t len = (size_t)n;
        if (len > 0 && pkt[len - 1] == '\n')
            len--;
        if (len > 0 && pkt[len - 1] == '\r')
            len--;
        gs_echo_l4_request req = {
            .proto = "udp",
            .data = pkt,
            .len = len,
            .peer = peer,
            .local_port = w->udp_port,
        };
        gs_buf_reset(&w->udp_reply);
        gs_echo_l4_reply(&w->ctx, &req, &w->udp_reply);
        if (sendto(fd, w->udp_reply.data, w->udp_reply.len, MSG_DONTWAIT, (struct sockaddr *)&from,
                   fl) < 0)
            gs_echo_log_count(w->ctx.log, "udp_dropped");
    }
}

void gs_echo_udp_start(gs_echo_worker *w, int fd, int port)
{
    w->udp_fd = fd;
    w->udp_port = port;
    w->udp_ev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_udp_read, w);
    event_add(w->udp_ev, NULL);
}

void gs_echo_udp_stop(gs_echo_worker *w)
{
    if (w->udp_ev != NULL)
        event_free(w->udp_ev);
    w->udp_ev = NULL;
    if (w->udp_fd >= 0)
        close(w->udp_fd);
    w->udp_fd = -1;
    gs_buf_clear(&w->udp_reply);
}
