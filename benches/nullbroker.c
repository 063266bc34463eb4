/*
 * nullbroker: the zero-latency responder behind the null-responder figures in
 * docs/benchmark.md. A benchmark instrument, not a test double: one
 * single-threaded epoll server that plays NameServer (port P) and Broker
 * (port Q) on 127.0.0.1 and answers every request at once, so that a
 * client's own cost per message becomes visible (the test broker takes about
 * 1.4 ms per send and hides it). It stores nothing: every topic reads as an
 * endless stream of the same pre-encoded messages.
 *
 *   Routes: any topic -> broker "null-broker" at 127.0.0.1:Q, 4 queues,
 *     readable and writable (perm 6, readQueueNums = writeQueueNums = 4).
 *   Sends (codes 10, 310, 320) -> SUCCESS with a growing queue offset.
 *   Pulls (PULL_MESSAGE 11, LITE_PULL_MESSAGE 361) -> SUCCESS at once with
 *     min(maxMsgNums, 32) stored-message records (V1 magic, BODY_BYTES of
 *     body each, topic "BenchTopic", properties UNIQ_KEY, TAGS=TagA,
 *     KEYS=key, WAIT=true). Every queue is endless: the records get the
 *     request's queueId and queueOffset, queueOffset + 1, ...;
 *     nextBeginOffset = queueOffset + N, minOffset 0, maxOffset =
 *     nextBeginOffset + 1000000, suggestWhichBrokerId 0. The 32 records are
 *     encoded once at start-up; a pull only patches their queueId,
 *     queueOffset and commitLogOffset ((queueOffset * 4 + queueId) * record
 *     size) in place.
 *   Offsets: QUERY_CONSUMER_OFFSET (14), SEARCH_OFFSET_BY_TIMESTAMP (29) and
 *     GET_MIN_OFFSET (31) -> offset 0; GET_MAX_OFFSET (30) -> 1000000000;
 *     UPDATE_CONSUMER_OFFSET (15) -> the generic answer below.
 *   GET_CONSUMER_LIST_BY_GROUP (38), any group -> the clientID of the last
 *     HEART_BEAT (34) whose body lists consumers (a producer-only heartbeat,
 *     "consumerDataSet":[], is not remembered): one consumer client at a
 *     time. Before the first: SYSTEM_ERROR (1) "no consumer for this group".
 *   Oneway requests get no answer; any other request gets an empty SUCCESS.
 *   Request headers are read as JSON (serialize type 0, what librocketmq and
 *   the Java client send); a ROCKETMQ binary header is not decoded (such a
 *   request gets an empty SUCCESS with opaque 0, as it always did).
 *
 * Build (with the C examples):  make -C examples-c   -> examples-c/build/nullbroker
 * Run:                          examples-c/build/nullbroker 19876 19911 &
 *                               examples-c/build/bench --namesrv 127.0.0.1:19876 --mode async
 *                               examples-c/build/bench --namesrv 127.0.0.1:19876 --mode pull
 * A port of 0 picks a free one; the ports in use are printed on stdout as
 *   NULLBROKER_NAMESRV=127.0.0.1:P
 *   NULLBROKER_BROKER=127.0.0.1:Q
 * once both listen (scripts/bench-ab.sh starts it with "0 0"). It runs until
 * killed.
 *
 * usage: nullbroker NAMESRV_PORT BROKER_PORT [BODY_BYTES]
 *   BODY_BYTES: body size of the pulled messages, 0..262144, default 1024.
 *
 * Brought into the repository from the benchmark tools given to the
 * project's engineers; changed since by the port-0/printing above, a guard
 * against frames shorter than their header length field, and the consumer
 * side (pulls, offsets, the consumer list). The answers to routes, sends and
 * heartbeats are the same bytes as before, so figures taken with either are
 * comparable.
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
#include <time.h>
#include <unistd.h>

typedef struct { int fd; char* in; size_t len, cap; char* out; size_t olen, ocap; } Conn;
static int brokerPort; static long long offset;
#define PULL_BATCH 32
static unsigned char* batch; static size_t recSize;  /* PULL_BATCH pre-encoded records of recSize bytes */
static char clientId[256];                           /* of the last heartbeat that listed consumers */

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
static long long sfield(const char* h, size_t hl, const char* key, long long def) {  /* extFields "key":"123" */
  char k[40]; int kl = snprintf(k, sizeof k, "\"%s\":\"", key);
  const char* p = memmem(h, hl, k, kl); return p ? atoll(p + kl) : def;
}
static void reply(Conn* c, int code, int opaque, const char* remark, const char* ext, const void* body, size_t bl) {
  char hdr[1024];
  int hl = snprintf(hdr, sizeof hdr, "{\"code\":%d,\"language\":\"JAVA\",\"version\":479,\"opaque\":%d,\"flag\":1,\"remark\":\"%s\","
                    "\"extFields\":{%s},\"serializeTypeCurrentRPC\":\"JSON\"}", code, opaque, remark, ext);
  uint32_t t = htonl(4 + hl + bl), h = htonl(hl);
  put(c, &t, 4); put(c, &h, 4); put(c, hdr, hl); if (bl) put(c, body, bl);
}
static void respond(Conn* c, int opaque, const char* ext, const char* body) { reply(c, 0, opaque, "", ext, body, body ? strlen(body) : 0); }
static void be32(unsigned char* p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static void be64(unsigned char* p, uint64_t v) { be32(p, v >> 32); be32(p + 4, (uint32_t)v); }
static uint32_t crc32(const unsigned char* p, size_t n) {
  uint32_t c = 0xffffffff;
  while (n--) { c ^= *p++; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c;
}
/* name\001value\002 pairs; UNIQ_KEY = 7F000001, pid, start time, record index (32 hex digits) */
#define PROPS "UNIQ_KEY\001%08X%04X%08X%012X\002TAGS\001TagA\002KEYS\001key\002WAIT\001true\002"
/* The PULL_BATCH records (Java MessageDecoder layout, V1 magic, big-endian) that every pull answers with;
 * queueId (byte 12), queueOffset (20) and commitLogOffset (28) are patched per pull. */
static void encode_batch(size_t bodyLen) {
  static const char topic[] = "BenchTopic";
  unsigned char* body = malloc(bodyLen + 1); char props[160];
  for (size_t i = 0; i < bodyLen; i++) body[i] = 'a' + i % 26;
  uint32_t crc = crc32(body, bodyLen) & 0x7fffffff;  /* as Java UtilAll.crc32 */
  long long now = (long long)time(NULL) * 1000; unsigned pid = getpid() & 0xffff, t0 = (unsigned)time(NULL);
  int pl = snprintf(props, sizeof props, PROPS, 0x7F000001u, pid, t0, 0);
  recSize = 88 + bodyLen + 1 + strlen(topic) + 2 + pl;
  batch = calloc(PULL_BATCH, recSize);
  if (!body || !batch) { perror("malloc"); exit(1); }
  for (int i = 0; i < PULL_BATCH; i++) {
    unsigned char* r = batch + i * recSize, *p = r + 88 + bodyLen;
    be32(r, recSize); be32(r + 4, 0xDAA320A7); be32(r + 8, crc);  /* 12 queueId, 16 flag, 20 queueOffset, 28 commitLogOffset, 36 sysFlag */
    be64(r + 40, now); r[48] = 127; r[51] = 1; be32(r + 52, 50000);                 /* born: timestamp, 127.0.0.1:50000 */
    be64(r + 56, now + 1); r[64] = 127; r[67] = 1; be32(r + 68, brokerPort);       /* stored: timestamp, 127.0.0.1:Q */
    be32(r + 84, bodyLen); memcpy(r + 88, body, bodyLen);                         /* 72 reconsumeTimes, 76 preparedTransactionOffset */
    *p++ = strlen(topic); memcpy(p, topic, strlen(topic)); p += strlen(topic);
    snprintf(props, sizeof props, PROPS, 0x7F000001u, pid, t0, i);
    p[0] = pl >> 8; p[1] = pl; memcpy(p + 2, props, pl);
  }
  free(body);
}
static void pull(Conn* c, int opaque, const char* h, size_t hl) {
  long long qo = sfield(h, hl, "queueOffset", 0), n = sfield(h, hl, "maxMsgNums", PULL_BATCH);
  int q = (int)sfield(h, hl, "queueId", 0);
  if (n > PULL_BATCH) n = PULL_BATCH;
  if (n < 1) n = 1;
  for (int i = 0; i < n; i++) {
    unsigned char* r = batch + i * recSize;
    be32(r + 12, q); be64(r + 20, qo + i); be64(r + 28, ((uint64_t)(qo + i) * 4 + (uint32_t)q) * recSize);
  }
  char ext[256];
  snprintf(ext, sizeof ext, "\"suggestWhichBrokerId\":\"0\",\"nextBeginOffset\":\"%lld\",\"minOffset\":\"0\",\"maxOffset\":\"%lld\"", qo + n, qo + n + 1000000);
  reply(c, 0, opaque, "", ext, batch, n * recSize);
}
static void heartbeat(const char* b, size_t bl) {  /* remembers the clientID of a consumer's heartbeat */
  const char* p = memmem(b, bl, "\"clientID\":\"", 12);
  if (!p || memmem(b, bl, "\"consumerDataSet\":[]", 20)) return;
  p += 12; size_t k = 0;
  while (k < sizeof clientId - 1 && p + k < b + bl && p[k] != '"') { clientId[k] = p[k]; k++; }
  clientId[k] = 0;
}
static void handle(Conn* c, const char* f, size_t n) {
  if (n < 4) return;  /* no header length: not a RemotingCommand */
  uint32_t hl; memcpy(&hl, f, 4); hl = ntohl(hl) & 0xffffff; const char* h = f + 4;
  if (hl > n - 4) return;
  int code = field(h, hl, "code", -1), opaque = field(h, hl, "opaque", 0), flag = field(h, hl, "flag", 0);
  if (code == 34) heartbeat(h + hl, n - 4 - hl);
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
  } else if (code == 11 || code == 361) {
    pull(c, opaque, h, hl);
  } else if (code == 14 || code == 29 || code == 31) {
    respond(c, opaque, "\"offset\":\"0\"", NULL);
  } else if (code == 30) {
    respond(c, opaque, "\"offset\":\"1000000000\"", NULL);
  } else if (code == 38) {
    char body[320];
    snprintf(body, sizeof body, "{\"consumerIdList\":[\"%s\"]}", clientId);
    if (clientId[0]) respond(c, opaque, "", body); else reply(c, 1, opaque, "no consumer for this group", "", NULL, 0);
  } else {
    respond(c, opaque, "", NULL);
  }
}
int main(int argc, char** argv) {
  char* e = NULL; long bodyLen = argc > 3 ? strtol(argv[3], &e, 10) : 1024;
  if (argc < 3 || argc > 4 || (e && (e == argv[3] || *e)) || bodyLen < 0 || bodyLen > 262144) { fprintf(stderr, "usage: nullbroker NAMESRV_PORT BROKER_PORT [BODY_BYTES]\n"); return 2; }
  int l1 = listen_on(atoi(argv[1])), l2 = listen_on(atoi(argv[2])), ep = epoll_create1(0);
  brokerPort = bound_port(l2); encode_batch(bodyLen);
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
