/*
 * nullbroker: the zero-latency responder behind the null-responder figures in
 * docs/benchmark.md. A benchmark instrument, not a test double: one
 * single-threaded epoll server that plays NameServer (port P) and Broker
 * (port Q) on 127.0.0.1 and answers every request at once, so that a
 * client's own cost per message becomes visible (the test broker takes about
 * 1.4 ms per send and hides it). It stores nothing.
 *
 *   Routes: any topic -> broker "null-broker" at 127.0.0.1:Q, 4 writable queues.
 *   Sends (codes 10, 310, 320) -> SUCCESS with a growing queue offset.
 *   Oneway requests get no answer; any other request gets an empty SUCCESS.
 *
 * Build (with the C examples):  make -C examples-c   -> examples-c/build/nullbroker
 * Run:                          examples-c/build/nullbroker 19876 19911 &
 *                               examples-c/build/bench --namesrv 127.0.0.1:19876 --mode async
 * A port of 0 picks a free one; the ports in use are printed on stdout as
 *   NULLBROKER_NAMESRV=127.0.0.1:P
 *   NULLBROKER_BROKER=127.0.0.1:Q
 * once both listen (scripts/bench-ab.sh starts it with "0 0"). It runs until
 * killed.
 *
 * usage: nullbroker NAMESRV_PORT BROKER_PORT
 *
 * Brought into the repository from the benchmark tools given to the
 * project's engineers; changed only by the port-0/printing above and a guard
 * against frames shorter than their header length field. The responses are
 * the same bytes as before, so figures taken with either are comparable.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct { int fd; char* in; size_t len, cap; char* out; size_t olen, ocap; } Conn;
static int brokerPort; static long long offset;

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) }; inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (bind(fd, (void*)&a, sizeof a) || listen(fd, 128)) { perror("bind/listen"); exit(1); }
  fcntl(fd, F_SETFL, O_NONBLOCK); return fd;
}
static int bound_port(int fd) {
  struct sockaddr_in a; socklen_t n = sizeof a;
  if (getsockname(fd, (void*)&a, &n)) { perror("getsockname"); exit(1); }
  return ntohs(a.sin_port);
}
static void put(Conn* c, const void* p, size_t n) {
  if (c->olen + n > c->ocap) { c->ocap = (c->olen + n) * 2; c->out = realloc(c->out, c->ocap); }
  memcpy(c->out + c->olen, p, n); c->olen += n;
}
static int field(const char* h, size_t hl, const char* key, int def) {
  char k[32]; snprintf(k, sizeof k, "\"%s\":", key);
  const char* p = memmem(h, hl, k, strlen(k)); return p ? atoi(p + strlen(k)) : def;
}
static void respond(Conn* c, int opaque, const char* ext, const char* body) {
  char hdr[1024];
  int hl = snprintf(hdr, sizeof hdr, "{\"code\":0,\"language\":\"JAVA\",\"version\":479,\"opaque\":%d,\"flag\":1,\"remark\":\"\","
                    "\"extFields\":{%s},\"serializeTypeCurrentRPC\":\"JSON\"}", opaque, ext);
  size_t bl = body ? strlen(body) : 0; uint32_t t = htonl(4 + hl + bl), h = htonl(hl);
  put(c, &t, 4); put(c, &h, 4); put(c, hdr, hl); if (bl) put(c, body, bl);
}
static void handle(Conn* c, const char* f, size_t n) {
  if (n < 4) return;  /* no header length: not a RemotingCommand */
  uint32_t hl; memcpy(&hl, f, 4); hl = ntohl(hl) & 0xffffff; const char* h = f + 4;
  if (hl > n - 4) return;
  int code = field(h, hl, "code", -1), opaque = field(h, hl, "opaque", 0), flag = field(h, hl, "flag", 0);
  if (flag & 2) return;  /* oneway */
  if (code == 105) {
    char body[512];
    snprintf(body, sizeof body, "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"127.0.0.1:%d\"},\"brokerName\":\"null-broker\",\"cluster\":\"c\",\"enableActingMaster\":false}],"
             "\"filterServerTable\":{},\"queueDatas\":[{\"brokerName\":\"null-broker\",\"perm\":6,\"readQueueNums\":4,\"topicSysFlag\":0,\"writeQueueNums\":4}]}", brokerPort);
    respond(c, opaque, "", body);
  } else if (code == 10 || code == 310 || code == 320) {
    char ext[512]; int q = field(h, hl, code == 10 ? "queueId" : "e", 0);
    if (code == 10) { const char* p = memmem(h, hl, "\"queueId\":\"", 11); if (p) q = atoi(p + 11); }
    else { const char* p = memmem(h, hl, "\"e\":\"", 5); if (p) q = atoi(p + 5); }
    char uniq[64] = "";  /* Java brokers echo the message's UNIQ_KEY as transactionId */
    const char* u = memmem(h, hl, "UNIQ_KEY\\u0001", 14);
    if (u) { u += 14; int k = 0; while (k < 63 && u[k] && u[k] != '\\' && u[k] != '"') { uniq[k] = u[k]; k++; } uniq[k] = 0; }
    snprintf(ext, sizeof ext, "\"msgId\":\"7F00000100002A9F%016llX\",\"queueId\":\"%d\",\"queueOffset\":\"%lld\",\"transactionId\":\"%s\",\"MSG_REGION\":\"DefaultRegion\",\"TRACE_ON\":\"true\"", offset, q, offset, uniq);
    offset++; respond(c, opaque, ext, NULL);
  } else {
    respond(c, opaque, "", NULL);
  }
}
int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: nullbroker NAMESRV_PORT BROKER_PORT\n"); return 2; }
  int l1 = listen_on(atoi(argv[1])), l2 = listen_on(atoi(argv[2])), ep = epoll_create1(0);
  brokerPort = bound_port(l2);
  printf("NULLBROKER_NAMESRV=127.0.0.1:%d\nNULLBROKER_BROKER=127.0.0.1:%d\n", bound_port(l1), brokerPort);
  fflush(stdout);
  struct epoll_event ev = { .events = EPOLLIN };
  ev.data.ptr = NULL; ev.data.fd = l1; epoll_ctl(ep, EPOLL_CTL_ADD, l1, &ev);
  ev.data.fd = l2; epoll_ctl(ep, EPOLL_CTL_ADD, l2, &ev);
  struct epoll_event evs[64];
  for (;;) {
    int k = epoll_wait(ep, evs, 64, -1);
    for (int i = 0; i < k; i++) {
      if (evs[i].data.fd == l1 || evs[i].data.fd == l2) {
        int cfd; while ((cfd = accept(evs[i].data.fd, NULL, NULL)) >= 0) {
          int one = 1; setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); fcntl(cfd, F_SETFL, O_NONBLOCK);
          Conn* c = calloc(1, sizeof *c); c->fd = cfd; struct epoll_event e = { .events = EPOLLIN }; e.data.u64 = (uint64_t)(uintptr_t)c | (1ULL << 63);
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
        }
        continue;
      }
      Conn* c = (Conn*)(uintptr_t)(evs[i].data.u64 & ~(1ULL << 63));
      for (;;) {
        if (c->cap - c->len < 65536) { c->cap = c->cap * 2 + 65536; c->in = realloc(c->in, c->cap); }
        ssize_t r = read(c->fd, c->in + c->len, c->cap - c->len);
        if (r == 0 || (r < 0 && errno != EAGAIN)) { close(c->fd); free(c->in); free(c->out); free(c); c = NULL; break; }
        if (r < 0) break;
        c->len += r;
      }
      if (!c) continue;
      size_t pos = 0;
      while (c->len - pos >= 4) {
        uint32_t n; memcpy(&n, c->in + pos, 4); n = ntohl(n);
        if (c->len - pos - 4 < n) break;
        handle(c, c->in + pos + 4, n); pos += 4 + n;
      }
      memmove(c->in, c->in + pos, c->len - pos); c->len -= pos;
      size_t w = 0; while (w < c->olen) { ssize_t r = write(c->fd, c->out + w, c->olen - w); if (r <= 0) { if (errno == EAGAIN) { usleep(50); continue; } break; } w += r; }
      c->olen = 0;
    }
  }
}
