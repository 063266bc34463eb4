/*
 * bench: throughput, latency and CPU cost of librocketmq, and of the broker
 * itself (raw mode, no library).
 *
 *   bench --namesrv HOST:PORT --mode sync|async|oneway|raw|pull|push
 *         [--threads N] [--size BYTES] [--count N | --duration SECONDS]
 *         [--topic T] [--inflight N] [--warmup N] [--group G]
 *         [--set key=value ...] [--api native|legacy]
 *
 * --api legacy (sync, async and oneway modes) sends through the legacy C
 * API only (include/rocketmq/CProducer.h, CMessage.h) the way programs
 * written for rocketmq-client-cpp do: CreateProducer +
 * SetProducerNameServerAddress + StartProducer, and per send a
 * CreateMessage + SetByteMessageBody, then SendMessageSync /
 * SendMessageAsync (its two callbacks, no user data: "lat_us" is null in
 * async mode) / SendMessageOneway, then DestroyMessage. The legacy API has
 * no flush: the run waits (up to 60 s) for every accepted async send's
 * callback, and oneway sends end with the producer's shutdown, which
 * drains them. --set does not apply (the legacy API has no key/value
 * setter). The default, --api native, uses rmq_producer_* with one
 * rmq_message reused for every send; --fresh-message makes it create,
 * fill and free an rmq_message per measured send instead (the legacy
 * mode's pattern, for comparing the two APIs alone).
 *
 * Prints exactly one JSON line on stdout; diagnostics go to stderr.
 * See docs/benchmark.md for the meaning of every field.
 *
 * Pull mode drains --count messages (default 1000000) of --topic with the
 * library's pull consumer (rmq_pull_consumer_*, group --group, default
 * bench_pull_group, subscription "*", consumeFromWhere
 * CONSUME_FROM_FIRST_OFFSET; --set keys go to the consumer), polling up to
 * 256 messages at a time on one thread, touching every body and queue offset.
 * It gives up after 30 s without a message; what is missing then counts as
 * failed. The clock and the CPU count run from the first poll that returns
 * messages to the one that completes the count (when it gives up: the clock
 * to the last message, the CPU count to the end); "size" is the mean body
 * size received, mb_per_sec counts received body bytes, lat_us is null.
 * --threads, --size, --warmup and --duration do not apply. The CPU figure
 * includes what the consumer prefetched beyond the count (at most
 * pullThresholdForQueue per queue, 4000 with the defaults: under 0.5 % of
 * 1000000).
 *   Against examples-c/build/nullbroker no pre-fill is needed: its every
 *   queue is endless (BODY_BYTES, its 3rd argument, sets the body size):
 *     bench --namesrv 127.0.0.1:19876 --mode pull --count 1000000
 *   Against a real broker, fill the topic first (async mode also stores its
 *   --warmup messages), then drain it with a group that has no committed
 *   offsets yet (a group resumes where its last run committed):
 *     bench --namesrv HOST:PORT --mode async --count 1000000 --topic T
 *     bench --namesrv HOST:PORT --mode pull --count 1000000 --topic T --group bench_pull_$$
 *
 * Push mode is pull mode with the library's push consumer
 * (rmq_push_consumer_*, group --group, default bench_push_group,
 * subscription "*", consumeFromWhere CONSUME_FROM_FIRST_OFFSET,
 * consumeThreadCount --threads, default 4; --set keys go to the consumer
 * after those): the callback, on the consumer's consume threads, touches
 * every body and queue offset and counts the messages with an atomic. The
 * clock and the CPU count run from the first message the callback gets to
 * the one that completes the count (when it gives up after 30 s without a
 * message: the clock to the last message seen, the CPU count to the end).
 * "threads" is the consume thread count; "threads_in_process" is read once
 * the count is reached. --size, --warmup and --duration do not apply; the
 * CPU figure includes the callbacks that run at the same time as the one
 * completing the count. Against nullbroker:
 *     bench --namesrv 127.0.0.1:19876 --mode push --count 2000000 --threads 4
 *
 * Exit status: 0 when every measured message succeeded, 1 when some failed,
 * 2 on bad usage or setup errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "rocketmq.h"
#include "rocketmq/CErrorMessage.h"
#include "rocketmq/CMessage.h"
#include "rocketmq/CProducer.h"

#define MAX_SETS 64
#define MAX_THREADS 1024
#define DURATION_SAMPLE_CAP 20000000L /* latency samples kept in --duration mode */
#define IO_TIMEOUT_MS 10000           /* raw mode: connect/read/write deadline */
#define FLUSH_TIMEOUT_MS 60000
#define MAX_ERRORS_PRINTED 10
#define OPAQUE_BASE 1000000000L /* 10 digits up to INT32_MAX: patched in place */
#define MAX_FRAME (16u << 20)

#define PULL_BATCH 256          /* pull mode: messages per poll */
#define PULL_IDLE_MS 30000      /* pull mode: give up after this long without a message */
#define PULL_DEFAULT_COUNT 1000000L
#define PUSH_DEFAULT_THREADS 4  /* push mode: consumeThreadCount unless --threads */

enum mode { MODE_SYNC, MODE_ASYNC, MODE_ONEWAY, MODE_RAW, MODE_PULL, MODE_PUSH };
static const char *const mode_names[] = {"sync", "async", "oneway", "raw", "pull", "push"};
#define NMODES ((int)(sizeof mode_names / sizeof mode_names[0]))

static struct {
    const char *namesrv;
    enum mode mode;
    bool mode_set;
    int threads;
    bool threads_set;
    size_t size;
    long count;      /* > 0 in count mode */
    double duration; /* > 0 in duration mode */
    const char *topic;
    int inflight;
    long warmup;
    bool warmup_set;
    const char *group; /* pull and push modes */
    bool legacy;       /* --api legacy */
    bool fresh_message; /* --fresh-message */
    int nset;
    char *set_key[MAX_SETS];
    char *set_val[MAX_SETS];
} cfg = {.threads = 1, .size = 1024, .topic = "BenchTopic", .inflight = 1, .warmup = 1000};

/* Set by the main thread before the start barrier; read by workers after it. */
static uint64_t g_deadline_ns;
static rmq_producer *g_producer;
static CProducer *g_legacy_producer; /* --api legacy */
static uint8_t *g_body;
static pthread_barrier_t g_warm_barrier, g_start_barrier;
static atomic_int g_errors_printed;
static volatile uint64_t g_pull_sink; /* pull mode: keeps the touched bytes and offsets live */

/* Async mode: written by the producer's single callback thread. */
static atomic_long g_cb_ok, g_cb_failed, g_warm_cb_ok, g_warm_cb_failed;
static atomic_long g_nlat; /* next free slot of g_lat */
static uint64_t *g_lat;
static long g_lat_cap;

/* Raw mode: the resolved broker. */
static char g_broker_addr[256];
static char g_broker_name[256];
static int g_queue_nums = 4;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report_error(const char *fmt, ...) {
    int n = atomic_fetch_add(&g_errors_printed, 1);
    if (n < MAX_ERRORS_PRINTED) {
        va_list ap;
        va_start(ap, fmt);
        fputs("bench: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    } else if (n == MAX_ERRORS_PRINTED) {
        fputs("bench: (further errors not shown)\n", stderr);
    }
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                   */

typedef struct worker {
    int index;
    pthread_t tid;
    long quota;  /* count mode: messages to send; duration mode: sample capacity */
    long warmup; /* warmup messages of this worker */
    /* measured phase results */
    long sent;   /* attempted (count mode: == quota unless the connection broke) */
    long ok;
    uint64_t *lat; /* sync/raw: latency samples (ns) */
    long nlat;
    uint64_t *ts; /* async: send timestamp per message, passed as user_data */
    long warm_ok, warm_failed;
    long refused; /* --api legacy async: sends not accepted (no callback comes) */
} worker;

static bool measured_more(const worker *w, long i) {
    if (i >= w->quota) return false;
    if (cfg.duration > 0 && now_ns() >= g_deadline_ns) return false;
    return true;
}

static rmq_message *new_bench_message(void) {
    rmq_message *msg = rmq_message_new(cfg.topic);
    if (msg == NULL) {
        report_error("rmq_message_new: %s", rmq_last_error());
        return NULL;
    }
    rmq_status st = rmq_message_set_body(msg, g_body, cfg.size);
    if (st != RMQ_STATUS_OK) {
        report_error("rmq_message_set_body: %s", rmq_last_error());
        rmq_message_free(msg);
        return NULL;
    }
    return msg;
}

static void on_warmup_sent(void *user_data, const rmq_send_result *result, const rmq_error_info *error) {
    (void)user_data;
    if (result != NULL) {
        atomic_fetch_add(&g_warm_cb_ok, 1);
    } else {
        atomic_fetch_add(&g_warm_cb_failed, 1);
        report_error("warmup async send failed (response code %d): %s", (int)error->response_code, error->message);
    }
}

/* Runs on the producer's callback thread (one at a time). */
static void on_sent(void *user_data, const rmq_send_result *result, const rmq_error_info *error) {
    uint64_t t = now_ns() - *(const uint64_t *)user_data;
    if (result != NULL) {
        atomic_fetch_add(&g_cb_ok, 1);
        long slot = atomic_fetch_add(&g_nlat, 1);
        if (slot < g_lat_cap) g_lat[slot] = t;
    } else {
        atomic_fetch_add(&g_cb_failed, 1);
        report_error("async send failed (response code %d): %s", (int)error->response_code, error->message);
    }
}

/* One library send of the worker's mode. Returns true on success (sync) or
 * acceptance (async, oneway). */
static bool lib_send(rmq_message *msg, bool warm, uint64_t *ts_slot) {
    rmq_status st;
    switch (cfg.mode) {
    case MODE_SYNC: {
        rmq_send_result res;
        st = rmq_producer_send(g_producer, msg, &res);
        if (st != RMQ_STATUS_OK) {
            report_error("%ssync send failed (response code %d): %s", warm ? "warmup " : "",
                         (int)rmq_last_error_response_code(), rmq_last_error());
        }
        return st == RMQ_STATUS_OK;
    }
    case MODE_ASYNC:
        st = warm ? rmq_producer_send_async(g_producer, msg, on_warmup_sent, NULL)
                  : rmq_producer_send_async(g_producer, msg, on_sent, ts_slot);
        if (st != RMQ_STATUS_OK) {
            report_error("%sasync send not accepted: %s", warm ? "warmup " : "", rmq_last_error());
        }
        return st == RMQ_STATUS_OK;
    case MODE_ONEWAY:
        st = rmq_producer_send_oneway(g_producer, msg);
        if (st != RMQ_STATUS_OK) {
            report_error("%soneway send not accepted: %s", warm ? "warmup " : "", rmq_last_error());
        }
        return st == RMQ_STATUS_OK;
    default:
        return false;
    }
}

/* --api legacy: the callbacks of SendMessageAsync (no user data), on the
 * library's callback thread. */
static bool g_legacy_warm; /* set by the main thread between the phases */
static void on_legacy_sent(CSendResult result) {
    (void)result;
    atomic_fetch_add(g_legacy_warm ? &g_warm_cb_ok : &g_cb_ok, 1);
}
static void on_legacy_failed(CMQException e) {
    atomic_fetch_add(g_legacy_warm ? &g_warm_cb_failed : &g_cb_failed, 1);
    report_error("legacy async send failed (code %d): %s", e.error, e.msg);
}

/* One legacy-API send as legacy programs write it: a CMessage created,
 * filled, sent and destroyed. Returns true on success (sync) or acceptance
 * (async, oneway). */
static bool legacy_send(bool warm) {
    CMessage *msg = CreateMessage(cfg.topic);
    if (msg == NULL) {
        report_error("CreateMessage: %s", GetLatestErrorMessage());
        return false;
    }
    int rc = SetByteMessageBody(msg, (const char *)g_body, (int)cfg.size);
    const char *what = "SetByteMessageBody";
    if (rc == 0) {
        switch (cfg.mode) {
        case MODE_SYNC: {
            CSendResult res;
            rc = SendMessageSync(g_legacy_producer, msg, &res);
            what = "SendMessageSync";
            if (rc == 0 && res.sendStatus != E_SEND_OK) rc = -1;
            break;
        }
        case MODE_ASYNC:
            rc = SendMessageAsync(g_legacy_producer, msg, on_legacy_sent, on_legacy_failed);
            what = "SendMessageAsync";
            break;
        default:
            rc = SendMessageOneway(g_legacy_producer, msg);
            what = "SendMessageOneway";
            break;
        }
    }
    if (rc != 0) report_error("%s%s: %d %s", warm ? "warmup " : "", what, rc, GetLatestErrorMessage());
    DestroyMessage(msg);
    return rc == 0;
}

/* lib_worker for --api legacy. */
static void *legacy_worker(worker *w) {
    for (long i = 0; i < w->warmup; i++) {
        if (legacy_send(true)) {
            if (cfg.mode != MODE_ASYNC) w->warm_ok++;
        } else {
            w->warm_failed++;
        }
    }
    pthread_barrier_wait(&g_warm_barrier);
    pthread_barrier_wait(&g_start_barrier);
    for (long i = 0; measured_more(w, i); i++) {
        uint64_t t0 = now_ns();
        bool ok = legacy_send(false);
        if (cfg.mode == MODE_SYNC && ok) w->lat[w->nlat++] = now_ns() - t0;
        if (ok && cfg.mode != MODE_ASYNC) w->ok++;
        if (!ok && cfg.mode == MODE_ASYNC) w->refused++;
        w->sent++;
    }
    return NULL;
}

static void *lib_worker(void *arg) {
    worker *w = arg;
    if (cfg.legacy) return legacy_worker(w);
    rmq_message *msg = new_bench_message();

    for (long i = 0; msg != NULL && i < w->warmup; i++) {
        if (lib_send(msg, true, NULL)) {
            if (cfg.mode != MODE_ASYNC) w->warm_ok++;
        } else {
            w->warm_failed++;
        }
    }
    pthread_barrier_wait(&g_warm_barrier);  /* main thread flushes the warmup */
    pthread_barrier_wait(&g_start_barrier); /* measured phase starts */

    if (msg == NULL) {
        w->sent = cfg.count > 0 ? w->quota : 0;
        return NULL;
    }
    for (long i = 0; measured_more(w, i); i++) {
        if (cfg.fresh_message) {
            /* --fresh-message: a new rmq_message per send, as the legacy mode does */
            rmq_message_free(msg);
            msg = new_bench_message();
            if (msg == NULL) break;
        }
        switch (cfg.mode) {
        case MODE_SYNC: {
            uint64_t t0 = now_ns();
            bool ok = lib_send(msg, false, NULL);
            uint64_t t1 = now_ns();
            if (ok) {
                w->ok++;
                w->lat[w->nlat++] = t1 - t0;
            }
            break;
        }
        case MODE_ASYNC:
            w->ts[i] = now_ns();
            lib_send(msg, false, &w->ts[i]); /* ok/failed are counted by the callbacks */
            break;
        case MODE_ONEWAY:
            if (lib_send(msg, false, NULL)) w->ok++;
            break;
        default:
            break;
        }
        w->sent++;
    }
    rmq_message_free(msg);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Raw remoting (no library)                                                 */

static int set_io_timeouts(int fd) {
    struct timeval tv = {.tv_sec = IO_TIMEOUT_MS / 1000, .tv_usec = (IO_TIMEOUT_MS % 1000) * 1000};
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
        return -1;
    }
    return 0;
}

/* Connects to "host:port" within IO_TIMEOUT_MS; returns the blocking socket
 * (with read/write timeouts and TCP_NODELAY) or -1. */
static int connect_to(const char *addr) {
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || (size_t)(colon - addr) >= sizeof host || colon[1] == '\0') {
        fprintf(stderr, "bench: bad address '%s' (want HOST:PORT)\n", addr);
        return -1;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "bench: resolving %s: %s\n", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) continue;
        int err = 0;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            err = errno;
            if (err == EINPROGRESS) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                int pr = poll(&pfd, 1, IO_TIMEOUT_MS);
                socklen_t len = sizeof err;
                if (pr <= 0) {
                    err = pr == 0 ? ETIMEDOUT : errno;
                } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
                    err = errno;
                }
            }
        }
        if (err == 0) {
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0 && set_io_timeouts(fd) == 0) break;
            err = errno;
        }
        fprintf(stderr, "bench: connecting to %s: %s\n", addr, strerror(err));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Writes all iovecs (advancing them on partial writes). */
static bool writev_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            report_error("raw: write: %s", errno == EAGAIN ? "timed out" : strerror(errno));
            return false;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return true;
}

static bool read_exact(int fd, void *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
        if (r == 0) {
            fprintf(stderr, "bench: connection closed by peer\n");
            return false;
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "bench: read: %s\n", errno == EAGAIN ? "timed out" : strerror(errno));
            return false;
        }
        got += (size_t)r;
    }
    return true;
}

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Integer value of `"key":N` in a JSON header of length hl (no NUL needed). */
static bool json_int(const char *h, size_t hl, const char *key, long *out) {
    char pat[64];
    int pl = snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = memmem(h, hl, pat, (size_t)pl);
    if (p == NULL) return false;
    const char *end = h + hl;
    p += pl;
    while (p < end && *p == ' ') p++;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9') return false;
    long v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    *out = neg ? -v : v;
    return true;
}

/* Response code and opaque of a response header of either serialization. */
static bool parse_response_header(const unsigned char *frame, uint32_t frame_len, long *code, long *opaque,
                                  const char **hdr, size_t *hdr_len) {
    if (frame_len < 4) return false;
    uint32_t ht = get_be32(frame);
    uint32_t hl = ht & 0xffffff;
    if (hl > frame_len - 4) return false;
    const unsigned char *h = frame + 4;
    *hdr = (const char *)h;
    *hdr_len = hl;
    if ((ht >> 24) == 0) { /* JSON */
        return json_int((const char *)h, hl, "code", code) && json_int((const char *)h, hl, "opaque", opaque);
    }
    if ((ht >> 24) == 1 && hl >= 9) { /* ROCKETMQ: code i16, language u8, version i16, opaque i32 */
        *code = (int16_t)((uint16_t)h[0] << 8 | h[1]);
        *opaque = (int32_t)get_be32(h + 5);
        return true;
    }
    return false;
}

/* One request/response round trip on a blocking socket. On success *resp
 * holds the response frame after the total length (header-type word first),
 * *resp_len its length; free it. */
static bool remoting_call(int fd, const char *hdr, unsigned char **resp, uint32_t *resp_len) {
    size_t hl = strlen(hdr);
    unsigned char pre[8];
    put_be32(pre, (uint32_t)(4 + hl));
    put_be32(pre + 4, (uint32_t)hl);
    struct iovec iov[2] = {{pre, 8}, {(void *)hdr, hl}};
    if (!writev_all(fd, iov, 2)) return false;
    unsigned char lenb[4];
    if (!read_exact(fd, lenb, 4)) return false;
    uint32_t n = get_be32(lenb);
    if (n < 4 || n > MAX_FRAME) {
        fprintf(stderr, "bench: bad response frame length %u\n", n);
        return false;
    }
    *resp = malloc(n + 1);
    if (*resp == NULL) return false;
    if (!read_exact(fd, *resp, n)) {
        free(*resp);
        return false;
    }
    (*resp)[n] = '\0';
    *resp_len = n;
    return true;
}

/* Finds the end of the JSON object starting at *p == '{' (strings without braces). */
static const char *object_end(const char *p) {
    int depth = 0;
    bool in_str = false;
    for (; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_str = false;
        } else if (*p == '"') {
            in_str = true;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}') {
            if (--depth == 0) return p;
        }
    }
    return NULL;
}

/* Copies the string value after `pattern` within [s, e) into out. */
static bool copy_value(const char *s, const char *e, const char *pattern, char *out, size_t cap) {
    const char *p = memmem(s, (size_t)(e - s), pattern, strlen(pattern));
    if (p == NULL) return false;
    p += strlen(pattern);
    const char *q = memchr(p, '"', (size_t)(e - p));
    if (q == NULL || (size_t)(q - p) >= cap || q == p) return false;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return true;
}

/* Parses brokerName, master address and writeQueueNums out of a route body. */
static bool parse_route(const char *body) {
    const char *bd = strstr(body, "\"brokerDatas\"");
    const char *s = bd ? strchr(bd, '{') : NULL;
    const char *e = s ? object_end(s) : NULL;
    if (e == NULL) {
        fprintf(stderr, "bench: route has no brokerDatas: %.300s\n", body);
        return false;
    }
    if (!copy_value(s, e, "\"brokerName\":\"", g_broker_name, sizeof g_broker_name)) {
        fprintf(stderr, "bench: route has no brokerName: %.300s\n", body);
        return false;
    }
    const char *addrs = memmem(s, (size_t)(e - s), "\"brokerAddrs\"", 13);
    const char *as = addrs ? memchr(addrs, '{', (size_t)(e - addrs)) : NULL;
    const char *ae = as ? object_end(as) : NULL;
    if (ae == NULL || !(copy_value(as, ae, "\"0\":\"", g_broker_addr, sizeof g_broker_addr) ||
                        copy_value(as, ae, "{0:\"", g_broker_addr, sizeof g_broker_addr) ||
                        copy_value(as, ae, ",0:\"", g_broker_addr, sizeof g_broker_addr))) {
        fprintf(stderr, "bench: route has no master (brokerId 0) address: %.300s\n", body);
        return false;
    }
    /* writeQueueNums of this broker's queueData, capped at 4. */
    char want[300];
    snprintf(want, sizeof want, "\"brokerName\":\"%s\"", g_broker_name);
    const char *qd = strstr(body, "\"queueDatas\"");
    const char *qs = qd ? strchr(qd, '{') : NULL;
    while (qs != NULL) {
        const char *qe = object_end(qs);
        if (qe == NULL) break;
        if (memmem(qs, (size_t)(qe - qs), want, strlen(want)) != NULL) {
            long n;
            if (json_int(qs, (size_t)(qe - qs), "writeQueueNums", &n) && n > 0 && n < 4) g_queue_nums = (int)n;
            break;
        }
        const char *next = qe + 1;
        while (*next == ',' || *next == ' ' || *next == '\n') next++;
        qs = *next == '{' ? next : NULL;
    }
    return true;
}

/* Resolves the topic's first master broker via the NameServer (code 105). */
static bool resolve_route(void) {
    int fd = connect_to(cfg.namesrv);
    if (fd < 0) return false;
    bool found = false;
    const char *topics[2] = {cfg.topic, "TBW102"};
    for (int t = 0; t < 2 && !found; t++) {
        char hdr[600];
        snprintf(hdr, sizeof hdr,
                 "{\"code\":105,\"language\":\"RUST\",\"version\":479,\"opaque\":%d,\"flag\":0,"
                 "\"extFields\":{\"topic\":\"%s\"},\"serializeTypeCurrentRPC\":\"JSON\"}",
                 t + 1, topics[t]);
        unsigned char *resp;
        uint32_t rl;
        if (!remoting_call(fd, hdr, &resp, &rl)) break;
        long code = -1, opaque = -1;
        const char *h;
        size_t hlen;
        if (!parse_response_header(resp, rl, &code, &opaque, &h, &hlen)) {
            fprintf(stderr, "bench: unparsable route response\n");
            free(resp);
            break;
        }
        if (code == 17 && t == 0) {
            fprintf(stderr, "bench: topic %s does not exist yet: using the route of TBW102 (auto-create)\n",
                    cfg.topic);
            free(resp);
            continue;
        }
        if (code != 0) {
            fprintf(stderr, "bench: route lookup of %s failed: code %ld: %.*s\n", topics[t], code, (int)hlen, h);
            free(resp);
            break;
        }
        found = parse_route((const char *)resp + 4 + hlen);
        free(resp);
    }
    close(fd);
    if (found) {
        fprintf(stderr, "bench: raw mode: broker %s at %s, %d queues\n", g_broker_name, g_broker_addr, g_queue_nums);
    }
    return found;
}

/* Appends JSON-escaped s. */
static size_t json_escape(char *out, const char *s) {
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20) n += (size_t)sprintf(out + n, "\\u%04x", c);
        else if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

typedef struct raw_slot {
    unsigned char *frame;
    size_t len;
    size_t opaque_off; /* 10 decimal digits */
    size_t uniq_off;   /* last 16 hex digits of UNIQ_KEY */
    uint64_t sent_ns;
    long seq;
    bool pending;
} raw_slot;

typedef struct raw_conn {
    int fd;
    int nslots;
    raw_slot *slots;
    long next_seq;
    long outstanding;
    unsigned char *rbuf;
    size_t rlen, rcap;
    bool broken;
    struct iovec *iov;
    int worker;
} raw_conn;

static void put_digits(unsigned char *p, uint64_t v, int width, int base) {
    static const char digits[] = "0123456789ABCDEF";
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (unsigned char)digits[v % (uint64_t)base];
        v /= (uint64_t)base;
    }
}

static bool raw_build_slots(raw_conn *c) {
    int n = cfg.inflight;
    n = (n + g_queue_nums - 1) / g_queue_nums * g_queue_nums; /* slot j always uses queue j % queue_nums */
    c->nslots = n;
    c->slots = calloc((size_t)n, sizeof *c->slots);
    c->iov = calloc((size_t)n, sizeof *c->iov);
    if (c->slots == NULL || c->iov == NULL) return false;
    char topic[600], bname[600];
    if (strlen(cfg.topic) > 255) return false;
    json_escape(topic, cfg.topic);
    json_escape(bname, g_broker_name);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long long born = (long long)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
    /* UNIQ_KEY: 16 hex digits of (pid, worker) then a 16-hex-digit counter. */
    unsigned long long prefix = (unsigned long long)getpid() << 32 | (unsigned)c->worker << 16 | (unsigned)(born & 0xffff);
    for (int j = 0; j < n; j++) {
        char hdr[1400];
        int hl = snprintf(hdr, sizeof hdr,
                          "{\"code\":310,\"language\":\"RUST\",\"version\":479,\"opaque\":%ld,\"flag\":0,"
                          "\"extFields\":{\"a\":\"bench_group\",\"b\":\"%s\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"%d\","
                          "\"f\":\"0\",\"g\":\"%lld\",\"h\":\"0\","
                          "\"i\":\"UNIQ_KEY\\u0001%016llX%016llX\\u0002WAIT\\u0001true\\u0002\","
                          "\"j\":\"0\",\"k\":\"false\",\"m\":\"false\",\"n\":\"%s\"},\"serializeTypeCurrentRPC\":\"JSON\"}",
                          OPAQUE_BASE, topic, j % g_queue_nums, born, prefix, 0ULL, bname);
        if (hl <= 0 || (size_t)hl >= sizeof hdr) return false;
        raw_slot *s = &c->slots[j];
        s->len = 8 + (size_t)hl + cfg.size;
        s->frame = malloc(s->len);
        if (s->frame == NULL) return false;
        put_be32(s->frame, (uint32_t)(4 + (size_t)hl + cfg.size));
        put_be32(s->frame + 4, (uint32_t)hl); /* top byte 0: JSON */
        memcpy(s->frame + 8, hdr, (size_t)hl);
        memcpy(s->frame + 8 + hl, g_body, cfg.size);
        const char *op = strstr(hdr, "\"opaque\":");
        const char *uk = strstr(hdr, "UNIQ_KEY\\u0001");
        if (op == NULL || uk == NULL) return false;
        s->opaque_off = 8 + (size_t)(op - hdr) + 9;
        s->uniq_off = 8 + (size_t)(uk - hdr) + 14 + 16;
    }
    c->rcap = 1 << 16;
    c->rbuf = malloc(c->rcap);
    return c->rbuf != NULL;
}

static void raw_free(raw_conn *c) {
    if (c->fd >= 0) close(c->fd);
    if (c->slots != NULL) {
        for (int j = 0; j < c->nslots; j++) free(c->slots[j].frame);
    }
    free(c->slots);
    free(c->iov);
    free(c->rbuf);
}

/* Reads at least one response frame and completes the matching requests. */
static void raw_read(raw_conn *c, worker *w, bool measured) {
    for (;;) {
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
        if (r == 0) {
            report_error("raw: broker closed the connection (%ld requests outstanding)", c->outstanding);
            c->broken = true;
            return;
        }
        if (r < 0) {
            if (errno == EINTR) continue;
            report_error("raw: read: %s (%ld requests outstanding)", errno == EAGAIN ? "timed out after 10 s" : strerror(errno),
                         c->outstanding);
            c->broken = true;
            return;
        }
        c->rlen += (size_t)r;
        uint64_t now = now_ns();
        size_t pos = 0;
        bool any = false;
        while (c->rlen - pos >= 4) {
            uint32_t n = get_be32(c->rbuf + pos);
            if (n < 4 || n > MAX_FRAME) {
                report_error("raw: bad response frame length %u", n);
                c->broken = true;
                return;
            }
            if (c->rlen - pos - 4 < n) {
                if (4 + (size_t)n > c->rcap) { /* grow for a big frame */
                    unsigned char *nb = realloc(c->rbuf, 4 + (size_t)n);
                    if (nb == NULL) {
                        c->broken = true;
                        return;
                    }
                    c->rbuf = nb;
                    c->rcap = 4 + (size_t)n;
                }
                break;
            }
            long code, opaque;
            const char *h;
            size_t hl;
            if (!parse_response_header(c->rbuf + pos + 4, n, &code, &opaque, &h, &hl)) {
                report_error("raw: unparsable response header");
                c->broken = true;
                return;
            }
            long seq = opaque - OPAQUE_BASE;
            raw_slot *s = seq >= 0 ? &c->slots[seq % c->nslots] : NULL;
            if (s == NULL || !s->pending || s->seq != seq) {
                report_error("raw: response with unexpected opaque %ld (code %ld)", opaque, code);
            } else {
                s->pending = false;
                c->outstanding--;
                any = true;
                if (code == 0) {
                    if (measured) {
                        w->ok++;
                        if (w->nlat < w->quota) w->lat[w->nlat++] = now - s->sent_ns;
                    } else {
                        w->warm_ok++;
                    }
                } else {
                    if (!measured) w->warm_failed++;
                    report_error("raw: broker answered code %ld: %.*s", code, (int)(hl > 400 ? 400 : hl), h);
                }
            }
            pos += 4 + n;
        }
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
        if (any) return;
    }
}

/* Sends `limit` requests (or until the deadline in a measured duration run)
 * with up to --inflight outstanding, and waits for all their responses. */
static long raw_phase(raw_conn *c, worker *w, long limit, bool measured) {
    long issued = 0;
    bool timed = measured && cfg.duration > 0;
    bool stop = false;
    while (!c->broken) {
        int nb = 0;
        while (!stop && issued < limit && c->outstanding + nb < cfg.inflight) {
            if (timed && now_ns() >= g_deadline_ns) {
                stop = true;
                break;
            }
            raw_slot *s = &c->slots[c->next_seq % c->nslots];
            if (s->pending) break; /* an older request still uses this slot */
            s->seq = c->next_seq++;
            s->pending = true;
            put_digits(s->frame + s->opaque_off, (uint64_t)(OPAQUE_BASE + s->seq), 10, 10);
            put_digits(s->frame + s->uniq_off, (uint64_t)s->seq, 16, 16);
            c->iov[nb].iov_base = s->frame;
            c->iov[nb].iov_len = s->len;
            nb++;
            issued++;
        }
        if (nb > 0) {
            uint64_t t = now_ns();
            for (int k = 0; k < nb; k++) {
                raw_slot *s = &c->slots[(c->next_seq - nb + k) % c->nslots];
                s->sent_ns = t;
            }
            c->outstanding += nb;
            if (!writev_all(c->fd, c->iov, nb)) {
                c->broken = true;
                break;
            }
        }
        if (c->outstanding == 0) {
            if (stop || issued >= limit) break;
            continue;
        }
        raw_read(c, w, measured);
    }
    if (c->broken) {
        for (int j = 0; j < c->nslots; j++) c->slots[j].pending = false;
        c->outstanding = 0;
    }
    return issued;
}

static void *raw_worker(void *arg) {
    worker *w = arg;
    raw_conn c = {.fd = -1, .worker = w->index};
    if (!raw_build_slots(&c)) {
        report_error("raw: cannot build frames");
        c.broken = true;
    } else {
        c.fd = connect_to(g_broker_addr);
        if (c.fd < 0) c.broken = true;
    }
    if (!c.broken && w->warmup > 0) raw_phase(&c, w, w->warmup, false);
    pthread_barrier_wait(&g_warm_barrier);
    pthread_barrier_wait(&g_start_barrier);
    long issued = c.broken ? 0 : raw_phase(&c, w, w->quota, true);
    /* count mode: requests never issued because the connection broke are failures too */
    w->sent = cfg.duration > 0 ? issued : w->quota;
    raw_free(&c);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Main                                                                      */

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s --namesrv HOST:PORT --mode sync|async|oneway|raw [--threads N] [--size BYTES]\n"
            "          [--count N | --duration SECONDS] [--topic T] [--inflight N] [--warmup N]\n"
            "          [--set key=value ... | --api legacy] [--fresh-message]\n"
            "       %s --namesrv HOST:PORT --mode pull [--count N] [--topic T] [--group G]\n"
            "          [--set key=value ...]\n"
            "       %s --namesrv HOST:PORT --mode push [--count N] [--topic T] [--group G]\n"
            "          [--threads N] [--set key=value ...]\n"
            "  pull drains N messages (default %ld) of T with the pull consumer, from the first\n"
            "  offset of group G (default bench_pull_group). Against nullbroker no pre-fill is\n"
            "  needed; on a real broker fill T first (--mode async --count N --topic T) and use a\n"
            "  group without committed offsets.\n"
            "  push does the same with the push consumer (group default bench_push_group) and\n"
            "  --threads consume threads (consumeThreadCount, default 4).\n",
            argv0, argv0, argv0, PULL_DEFAULT_COUNT);
}

static bool parse_long(const char *s, long min, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(argv[0]);
            exit(0);
        }
        if (strcmp(a, "--fresh-message") == 0) { /* takes no value */
            cfg.fresh_message = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        long n;
        if (strcmp(a, "--namesrv") == 0) {
            cfg.namesrv = v;
        } else if (strcmp(a, "--mode") == 0) {
            bool found = false;
            for (int m = 0; m < NMODES; m++) {
                if (strcmp(v, mode_names[m]) == 0) {
                    cfg.mode = (enum mode)m;
                    found = true;
                }
            }
            if (!found) {
                fprintf(stderr, "bench: unknown mode '%s'\n", v);
                return -1;
            }
            cfg.mode_set = true;
        } else if (strcmp(a, "--threads") == 0) {
            if (!parse_long(v, 1, MAX_THREADS, &n)) goto bad;
            cfg.threads = (int)n;
            cfg.threads_set = true;
        } else if (strcmp(a, "--size") == 0) {
            if (!parse_long(v, 1, 64L << 20, &n)) goto bad;
            cfg.size = (size_t)n;
        } else if (strcmp(a, "--count") == 0) {
            if (!parse_long(v, 1, 1000000000L, &n)) goto bad;
            cfg.count = n;
        } else if (strcmp(a, "--duration") == 0) {
            char *end;
            double d = strtod(v, &end);
            if (end == v || *end != '\0' || !(d > 0 && d <= 86400)) goto bad;
            cfg.duration = d;
        } else if (strcmp(a, "--topic") == 0) {
            if (*v == '\0' || strlen(v) > 255) goto bad;
            cfg.topic = v;
        } else if (strcmp(a, "--inflight") == 0) {
            if (!parse_long(v, 1, 65536, &n)) goto bad;
            cfg.inflight = (int)n;
        } else if (strcmp(a, "--warmup") == 0) {
            if (!parse_long(v, 0, 1000000000L, &n)) goto bad;
            cfg.warmup = n;
            cfg.warmup_set = true;
        } else if (strcmp(a, "--group") == 0) {
            if (*v == '\0' || strlen(v) > 255) goto bad;
            cfg.group = v;
        } else if (strcmp(a, "--api") == 0) {
            if (strcmp(v, "legacy") == 0) {
                cfg.legacy = true;
            } else if (strcmp(v, "native") == 0) {
                cfg.legacy = false;
            } else {
                goto bad;
            }
        } else if (strcmp(a, "--set") == 0) {
            const char *eq = strchr(v, '=');
            if (eq == NULL || eq == v || cfg.nset >= MAX_SETS) goto bad;
            cfg.set_key[cfg.nset] = strndup(v, (size_t)(eq - v));
            cfg.set_val[cfg.nset] = strdup(eq + 1);
            if (cfg.set_key[cfg.nset] == NULL || cfg.set_val[cfg.nset] == NULL) return -1;
            cfg.nset++;
        } else {
            fprintf(stderr, "bench: unknown option '%s'\n", a);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "bench: bad value for %s: '%s'\n", a, v);
        return -1;
    }
    if (cfg.namesrv == NULL || !cfg.mode_set) {
        fprintf(stderr, "bench: --namesrv and --mode are required\n");
        return -1;
    }
    if (cfg.count > 0 && cfg.duration > 0) {
        fprintf(stderr, "bench: give --count or --duration, not both\n");
        return -1;
    }
    if (cfg.mode == MODE_PULL) {
        if (cfg.duration > 0) {
            fprintf(stderr, "bench: --duration does not apply to pull mode (give --count)\n");
            return -1;
        }
        if (cfg.threads != 1 || cfg.size != 1024 || cfg.warmup_set) {
            fprintf(stderr, "bench: --threads, --size and --warmup do not apply to pull mode (ignored)\n");
        }
        cfg.threads = 1;
        if (cfg.count == 0) cfg.count = PULL_DEFAULT_COUNT;
        if (cfg.group == NULL) cfg.group = "bench_pull_group";
    } else if (cfg.mode == MODE_PUSH) {
        if (cfg.duration > 0) {
            fprintf(stderr, "bench: --duration does not apply to push mode (give --count)\n");
            return -1;
        }
        if (cfg.size != 1024 || cfg.warmup_set) {
            fprintf(stderr, "bench: --size and --warmup do not apply to push mode (ignored)\n");
        }
        if (!cfg.threads_set) cfg.threads = PUSH_DEFAULT_THREADS;
        if (cfg.count == 0) cfg.count = PULL_DEFAULT_COUNT;
        if (cfg.group == NULL) cfg.group = "bench_push_group";
    } else if (cfg.group != NULL) {
        fprintf(stderr, "bench: --group applies to pull and push modes only (ignored)\n");
    }
    if (cfg.count == 0 && cfg.duration == 0) cfg.count = 100000;
    if (cfg.mode != MODE_RAW && cfg.inflight != 1) {
        fprintf(stderr, "bench: --inflight applies to raw mode only (ignored)\n");
    }
    if (cfg.legacy && cfg.mode != MODE_SYNC && cfg.mode != MODE_ASYNC && cfg.mode != MODE_ONEWAY) {
        fprintf(stderr, "bench: --api legacy applies to sync, async and oneway modes only\n");
        return -1;
    }
    if (cfg.legacy && cfg.nset > 0) {
        fprintf(stderr, "bench: --set does not apply to --api legacy (no key/value setter there)\n");
        return -1;
    }
    if (cfg.mode == MODE_RAW && cfg.nset > 0) {
        fprintf(stderr, "bench: --set applies to library modes only (ignored)\n");
    }
    return 0;
}

static long status_field_kb(const char *name) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) return -1;
    char line[256];
    long v = -1;
    size_t nl = strlen(name);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, name, nl) == 0 && line[nl] == ':') {
            v = strtol(line + nl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static double tv_seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

/* CPU time of the whole process between two getrusage calls, seconds: user
 * and system (kernel) time apart. */
struct cpu_split {
    double user, sys;
};

static struct cpu_split cpu_between(const struct rusage *r0, const struct rusage *r1) {
    struct cpu_split c = {tv_seconds(r1->ru_utime) - tv_seconds(r0->ru_utime),
                          tv_seconds(r1->ru_stime) - tv_seconds(r0->ru_stime)};
    return c;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
static double percentile_us(const uint64_t *s, long n, double p) {
    long rank = (long)((double)n * p + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return (double)s[rank - 1] / 1000.0;
}

/* The one JSON line of a run. */
static void print_result(int threads, size_t size, long messages, long ok, double seconds, double mps, double mbps,
                         const char *lat, struct cpu_split cpu_split, long peak_rss, long threads_in_process) {
    double cpu = cpu_split.user + cpu_split.sys;
    double per_msg = messages > 0 ? 1e6 / (double)messages : 0.0;
    char inflight[40] = "";
    if (cfg.mode == MODE_RAW) {
        snprintf(inflight, sizeof inflight, ",\"inflight\":%d", cfg.inflight);
    } else {
        snprintf(inflight, sizeof inflight, ",\"api\":\"%s\"%s", cfg.legacy ? "legacy" : "native",
                 cfg.fresh_message ? ",\"fresh_message\":true" : "");
    }
    printf("{\"mode\":\"%s\",\"threads\":%d,\"size\":%zu,\"messages\":%ld,\"ok\":%ld,\"failed\":%ld,"
           "\"seconds\":%.3f,\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.2f,\"lat_us\":%s,"
           "\"cpu_s_per_1000\":%.4f,\"cpu_us_per_msg\":%.2f,\"cpu_user_us_per_msg\":%.2f,"
           "\"cpu_sys_us_per_msg\":%.2f,\"peak_rss_kb\":%ld,\"threads_in_process\":%ld%s}\n",
           mode_names[cfg.mode], threads, size, messages, ok, messages - ok, seconds, mps, mbps, lat,
           messages > 0 ? cpu * 1000.0 / (double)messages : 0.0, cpu * per_msg, cpu_split.user * per_msg,
           cpu_split.sys * per_msg, peak_rss, threads_in_process, inflight);
    fflush(stdout);
}

static bool start_legacy_producer(void) {
    g_legacy_producer = CreateProducer("bench_group");
    if (g_legacy_producer == NULL) {
        fprintf(stderr, "bench: CreateProducer: %s\n", GetLatestErrorMessage());
        return false;
    }
    if (SetProducerNameServerAddress(g_legacy_producer, cfg.namesrv) != 0 || StartProducer(g_legacy_producer) != 0) {
        fprintf(stderr, "bench: starting the legacy producer: %s\n", GetLatestErrorMessage());
        return false;
    }
    return true;
}

/* --api legacy: shuts the producer down (which drains oneway sends) and
 * destroys it. */
static void stop_legacy_producer(void) {
    if (g_legacy_producer == NULL) return;
    if (ShutdownProducer(g_legacy_producer) != 0) {
        fprintf(stderr, "bench: ShutdownProducer: %s\n", GetLatestErrorMessage());
    }
    DestroyProducer(g_legacy_producer);
    g_legacy_producer = NULL;
}

/* --api legacy async: waits up to FLUSH_TIMEOUT_MS until `accepted` sends
 * have had a callback (ok + failed counters); returns how many have not. */
static long wait_legacy_callbacks(atomic_long *ok, atomic_long *failed, long accepted) {
    uint64_t deadline = now_ns() + (uint64_t)FLUSH_TIMEOUT_MS * 1000000ull;
    for (;;) {
        long left = accepted - atomic_load(ok) - atomic_load(failed);
        if (left <= 0 || now_ns() >= deadline) return left > 0 ? left : 0;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static bool start_producer(void) {
    if (cfg.legacy) return start_legacy_producer();
    g_producer = rmq_producer_new("bench_group");
    if (g_producer == NULL) {
        fprintf(stderr, "bench: rmq_producer_new: %s\n", rmq_last_error());
        return false;
    }
    rmq_status st = rmq_producer_set(g_producer, "namesrvAddr", cfg.namesrv);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: set namesrvAddr: %s\n", rmq_last_error());
        return false;
    }
    for (int i = 0; i < cfg.nset; i++) {
        st = rmq_producer_set(g_producer, cfg.set_key[i], cfg.set_val[i]);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "bench: set %s=%s: %s\n", cfg.set_key[i], cfg.set_val[i], rmq_last_error());
            return false;
        }
    }
    st = rmq_producer_start(g_producer);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_producer_start: %s\n", rmq_last_error());
        return false;
    }
    return true;
}

/* Flushes async/oneway sends; returns the number still pending. */
static size_t flush_producer(const char *phase) {
    size_t remaining = 0;
    rmq_status st = rmq_producer_flush(g_producer, FLUSH_TIMEOUT_MS, &remaining);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: %s flush: %s (%zu sends still pending)\n", phase,
                st == RMQ_STATUS_TIMEOUT ? "timed out" : rmq_last_error(), remaining);
    }
    return remaining;
}

/* Pull mode: drains cfg.count messages with the pull consumer on this
 * thread and prints the result line. Returns the exit status. */
static int run_pull(void) {
    rmq_pull_consumer *c = rmq_pull_consumer_new(cfg.group);
    if (c == NULL) {
        fprintf(stderr, "bench: rmq_pull_consumer_new: %s\n", rmq_last_error());
        return 2;
    }
    int rc = 2;
    rmq_status st = rmq_pull_consumer_set(c, "namesrvAddr", cfg.namesrv);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: set namesrvAddr: %s\n", rmq_last_error());
        goto out;
    }
    st = rmq_pull_consumer_set(c, "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET");
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: set consumeFromWhere: %s\n", rmq_last_error());
        goto out;
    }
    for (int i = 0; i < cfg.nset; i++) {
        st = rmq_pull_consumer_set(c, cfg.set_key[i], cfg.set_val[i]);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "bench: set %s=%s: %s\n", cfg.set_key[i], cfg.set_val[i], rmq_last_error());
            goto out;
        }
    }
    st = rmq_pull_consumer_subscribe(c, cfg.topic, "*");
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_pull_consumer_subscribe %s: %s\n", cfg.topic, rmq_last_error());
        goto out;
    }
    st = rmq_pull_consumer_start(c);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_pull_consumer_start: %s\n", rmq_last_error());
        goto out;
    }

    const rmq_message_ext *msgs[PULL_BATCH];
    long received = 0;
    uint64_t bytes = 0, sink = 0;
    struct rusage ru0, ru1;
    uint64_t t0 = 0, t1 = 0, last_ns = now_ns();
    bool done = false;
    while (!done) {
        size_t n = 0;
        st = rmq_pull_consumer_poll(c, 1000, msgs, PULL_BATCH, &n);
        uint64_t now = now_ns();
        if (st != RMQ_STATUS_OK) {
            report_error("rmq_pull_consumer_poll: %s: %s", rmq_status_name(st), rmq_last_error());
            if (st == RMQ_STATUS_SHUTDOWN || st == RMQ_STATUS_INVALID_STATE || st == RMQ_STATUS_INVALID_ARGUMENT ||
                st == RMQ_STATUS_PANIC) {
                break;
            }
            n = 0;
            struct timespec pause = {.tv_sec = 0, .tv_nsec = 10 * 1000000L}; /* no busy loop on errors */
            nanosleep(&pause, NULL);
        }
        if (n == 0) {
            if (now - last_ns >= (uint64_t)PULL_IDLE_MS * 1000000ull) {
                report_error("pull: no message for %d s, giving up", PULL_IDLE_MS / 1000);
                break;
            }
            continue;
        }
        if (t0 == 0) {
            getrusage(RUSAGE_SELF, &ru0);
            t0 = now_ns();
        }
        for (size_t i = 0; i < n && received < cfg.count; i++) {
            const uint8_t *data = NULL;
            size_t len = 0;
            if (rmq_message_ext_body(msgs[i], &data, &len) == RMQ_STATUS_OK) {
                bytes += len;
                if (len > 0) sink += (uint64_t)data[0] + data[len - 1];
            }
            sink += (uint64_t)rmq_message_ext_queue_offset(msgs[i]);
            received++;
        }
        last_ns = t1 = now_ns();
        if (received >= cfg.count) done = true;
    }
    if (t0 == 0) {
        getrusage(RUSAGE_SELF, &ru0);
        ru1 = ru0;
    } else {
        getrusage(RUSAGE_SELF, &ru1);
    }
    long threads_in_process = status_field_kb("Threads");
    g_pull_sink = sink;
    if (!done) fprintf(stderr, "bench: pull: received %ld of %ld messages\n", received, cfg.count);

    double seconds = (double)(t1 - t0) / 1e9;
    struct cpu_split cpu = cpu_between(&ru0, &ru1);
    double mps = seconds > 0 ? (double)received / seconds : 0;
    long peak_rss = status_field_kb("VmHWM");
    if (peak_rss < 0) peak_rss = ru1.ru_maxrss;
    print_result(1, received > 0 ? (size_t)(bytes / (uint64_t)received) : 0, cfg.count, received, seconds, mps,
                 seconds > 0 ? (double)bytes / seconds / 1048576.0 : 0.0, "null", cpu, peak_rss, threads_in_process);
    rc = done ? 0 : 1;
    st = rmq_pull_consumer_shutdown(c);
    if (st != RMQ_STATUS_OK) fprintf(stderr, "bench: rmq_pull_consumer_shutdown: %s\n", rmq_last_error());

out:
    st = rmq_pull_consumer_free(c);
    if (st != RMQ_STATUS_OK) fprintf(stderr, "bench: rmq_pull_consumer_free: %s\n", rmq_status_name(st));
    return rc;
}

/* Push mode: what the consume callbacks share with the main thread. */
#define PUSH_SLOTS 64 /* per-thread sums (a thread beyond them shares the last one) */
struct push_slot {
    _Alignas(64) atomic_ullong bytes; /* body bytes of the messages counted (up to the count) */
    atomic_ullong sink;               /* keeps the touched bytes and offsets live */
};
static struct push_slot g_push_slots[PUSH_SLOTS];
static atomic_int g_push_nslots;
static _Thread_local struct push_slot *t_push_slot;
static struct {
    atomic_long received;     /* messages the callbacks got: the one shared counter */
    atomic_bool done;         /* the count was reached */
    atomic_ullong t0, t1;     /* first message, the one completing the count (now_ns) */
    atomic_ullong last_ns;    /* the latest callback (for a run that gives up) */
    struct rusage ru0, ru1;   /* written by the callbacks that set t0 and t1 */
    atomic_bool ru0_set;
    pthread_mutex_t mu;       /* with cv: the main thread waits for done */
    pthread_cond_t cv;
} g_push = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* The push consumer's callback: on a consume thread, possibly on several at
 * once. Touches every body (first and last byte) and queue offset, counts. */
static int32_t push_on_messages(void *user_data, const rmq_message_ext *const *msgs, size_t n) {
    (void)user_data;
    long before = atomic_fetch_add_explicit(&g_push.received, (long)n, memory_order_relaxed);
    if (before == 0) {
        /* The first call: the clock and the CPU count start here. */
        getrusage(RUSAGE_SELF, &g_push.ru0);
        atomic_store(&g_push.ru0_set, true);
        atomic_store(&g_push.t0, now_ns());
        atomic_store_explicit(&g_push.last_ns, atomic_load(&g_push.t0), memory_order_relaxed);
    }
    if (before >= cfg.count) return RMQ_CONSUME_SUCCESS; /* past the count: not measured */
    uint64_t bytes = 0, sink = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        if (rmq_message_ext_body(msgs[i], &data, &len) == RMQ_STATUS_OK) {
            bytes += len;
            if (len > 0) sink += (uint64_t)data[0] + data[len - 1];
        }
        sink += (uint64_t)rmq_message_ext_queue_offset(msgs[i]);
    }
    struct push_slot *slot = t_push_slot;
    if (slot == NULL) {
        int k = atomic_fetch_add(&g_push_nslots, 1);
        slot = t_push_slot = &g_push_slots[k < PUSH_SLOTS ? k : PUSH_SLOTS - 1];
    }
    if (atomic_load(&g_push_nslots) <= PUSH_SLOTS) {
        /* Its own slot: a plain load and store, no locked instruction. */
        atomic_store_explicit(&slot->bytes, atomic_load_explicit(&slot->bytes, memory_order_relaxed) + bytes,
                              memory_order_relaxed);
        atomic_store_explicit(&slot->sink, atomic_load_explicit(&slot->sink, memory_order_relaxed) + sink,
                              memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&slot->bytes, bytes, memory_order_relaxed);
        atomic_fetch_add_explicit(&slot->sink, sink, memory_order_relaxed);
    }
    if (before + (long)n >= cfg.count) {
        /* This call completes the count: the clock and the CPU count stop. */
        atomic_store(&g_push.t1, now_ns());
        getrusage(RUSAGE_SELF, &g_push.ru1);
        pthread_mutex_lock(&g_push.mu);
        atomic_store(&g_push.done, true);
        pthread_cond_signal(&g_push.cv);
        pthread_mutex_unlock(&g_push.mu);
    } else if (((before + (long)n) & 1023) < (long)n) {
        atomic_store_explicit(&g_push.last_ns, now_ns(), memory_order_relaxed); /* once per ~1024 messages */
    }
    return RMQ_CONSUME_SUCCESS;
}

/* Push mode: consumes cfg.count messages with the push consumer and prints
 * the result line. Returns the exit status. */
static int run_push(void) {
    rmq_push_consumer *c = rmq_push_consumer_new(cfg.group);
    if (c == NULL) {
        fprintf(stderr, "bench: rmq_push_consumer_new: %s\n", rmq_last_error());
        return 2;
    }
    int rc = 2;
    char threads[16];
    snprintf(threads, sizeof threads, "%d", cfg.threads);
    const char *keys[] = {"namesrvAddr", "consumeFromWhere", "consumeThreadCount"};
    const char *vals[] = {cfg.namesrv, "CONSUME_FROM_FIRST_OFFSET", threads};
    rmq_status st;
    for (int i = 0; i < 3; i++) {
        st = rmq_push_consumer_set(c, keys[i], vals[i]);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "bench: set %s: %s\n", keys[i], rmq_last_error());
            goto out;
        }
    }
    for (int i = 0; i < cfg.nset; i++) {
        st = rmq_push_consumer_set(c, cfg.set_key[i], cfg.set_val[i]);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "bench: set %s=%s: %s\n", cfg.set_key[i], cfg.set_val[i], rmq_last_error());
            goto out;
        }
    }
    st = rmq_push_consumer_subscribe(c, cfg.topic, "*");
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_push_consumer_subscribe %s: %s\n", cfg.topic, rmq_last_error());
        goto out;
    }
    st = rmq_push_consumer_set_listener(c, push_on_messages, NULL);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_push_consumer_set_listener: %s\n", rmq_last_error());
        goto out;
    }
    st = rmq_push_consumer_start(c);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench: rmq_push_consumer_start: %s\n", rmq_last_error());
        goto out;
    }

    /* Wait for the count; give up after PULL_IDLE_MS without progress. */
    long last = 0;
    uint64_t progress_ns = now_ns();
    pthread_mutex_lock(&g_push.mu);
    while (!atomic_load(&g_push.done)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&g_push.cv, &g_push.mu, &until);
        long now = atomic_load(&g_push.received);
        if (now != last) {
            last = now;
            progress_ns = now_ns();
        } else if (now_ns() - progress_ns >= (uint64_t)PULL_IDLE_MS * 1000000ull) {
            report_error("push: no message for %d s, giving up", PULL_IDLE_MS / 1000);
            break;
        }
    }
    pthread_mutex_unlock(&g_push.mu);
    bool done = atomic_load(&g_push.done);
    long threads_in_process = status_field_kb("Threads");
    struct rusage ru0, ru1;
    uint64_t t0 = atomic_load(&g_push.t0), t1;
    if (done) {
        while (!atomic_load(&g_push.ru0_set)) sched_yield(); /* the first call may still be reading it */
        ru0 = g_push.ru0;
        ru1 = g_push.ru1;
        t1 = atomic_load(&g_push.t1);
    } else if (atomic_load(&g_push.ru0_set)) {
        ru0 = g_push.ru0;
        getrusage(RUSAGE_SELF, &ru1);
        t1 = atomic_load(&g_push.last_ns);
        if (t1 < t0) t1 = t0;
    } else {
        getrusage(RUSAGE_SELF, &ru0);
        ru1 = ru0;
        t0 = t1 = 0;
    }
    long received = atomic_load(&g_push.received);
    if (received > cfg.count) received = cfg.count;
    uint64_t bytes = 0, sink = 0;
    for (int k = 0; k < PUSH_SLOTS; k++) {
        bytes += atomic_load(&g_push_slots[k].bytes);
        sink += atomic_load(&g_push_slots[k].sink);
    }
    g_pull_sink = sink;
    if (!done) fprintf(stderr, "bench: push: received %ld of %ld messages\n", received, cfg.count);

    double seconds = (double)(t1 - t0) / 1e9;
    struct cpu_split cpu = cpu_between(&ru0, &ru1);
    double mps = seconds > 0 ? (double)received / seconds : 0;
    long peak_rss = status_field_kb("VmHWM");
    if (peak_rss < 0) peak_rss = ru1.ru_maxrss;
    print_result(cfg.threads, received > 0 ? (size_t)(bytes / (uint64_t)received) : 0, cfg.count, received, seconds,
                 mps, seconds > 0 ? (double)bytes / seconds / 1048576.0 : 0.0, "null", cpu, peak_rss,
                 threads_in_process);
    rc = done ? 0 : 1;
    st = rmq_push_consumer_shutdown(c);
    if (st != RMQ_STATUS_OK) fprintf(stderr, "bench: rmq_push_consumer_shutdown: %s\n", rmq_last_error());

out:
    st = rmq_push_consumer_free(c);
    if (st != RMQ_STATUS_OK) fprintf(stderr, "bench: rmq_push_consumer_free: %s\n", rmq_status_name(st));
    return rc;
}

static void free_sets(void) {
    for (int i = 0; i < cfg.nset; i++) {
        free(cfg.set_key[i]);
        free(cfg.set_val[i]);
    }
}

int main(int argc, char **argv) {
    if (parse_args(argc, argv) != 0) {
        usage(argv[0]);
        return 2;
    }
    if (cfg.mode == MODE_PULL || cfg.mode == MODE_PUSH) {
        int prc = cfg.mode == MODE_PULL ? run_pull() : run_push();
        free_sets();
        return prc;
    }
    int rc = 2;
    int nthreads = cfg.threads;
    worker *workers = calloc((size_t)nthreads, sizeof *workers);
    g_body = malloc(cfg.size);
    if (workers == NULL || g_body == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < cfg.size; i++) g_body[i] = (uint8_t)('a' + i % 26);

    /* Per-worker quotas and preallocated sample arrays. */
    long total_cap = 0;
    for (int t = 0; t < nthreads; t++) {
        worker *w = &workers[t];
        w->index = t;
        if (cfg.count > 0) {
            w->quota = cfg.count / nthreads + (t < cfg.count % nthreads);
        } else {
            w->quota = DURATION_SAMPLE_CAP / nthreads;
        }
        w->warmup = cfg.warmup / nthreads + (t < cfg.warmup % nthreads);
        total_cap += w->quota;
        if (cfg.mode == MODE_SYNC || cfg.mode == MODE_RAW) {
            w->lat = malloc((size_t)(w->quota > 0 ? w->quota : 1) * sizeof *w->lat);
            if (w->lat == NULL) goto oom;
        } else if (cfg.mode == MODE_ASYNC) {
            w->ts = malloc((size_t)(w->quota > 0 ? w->quota : 1) * sizeof *w->ts);
            if (w->ts == NULL) goto oom;
        }
    }
    if (cfg.mode == MODE_ASYNC) {
        g_lat_cap = total_cap;
        g_lat = malloc((size_t)(total_cap > 0 ? total_cap : 1) * sizeof *g_lat);
        if (g_lat == NULL) goto oom;
    }

    if (cfg.mode == MODE_RAW) {
        if (!resolve_route()) goto out;
    } else if (!start_producer()) {
        goto out;
    }

    g_legacy_warm = true;
    if (pthread_barrier_init(&g_warm_barrier, NULL, (unsigned)nthreads + 1) != 0 ||
        pthread_barrier_init(&g_start_barrier, NULL, (unsigned)nthreads + 1) != 0) {
        fprintf(stderr, "bench: pthread_barrier_init failed\n");
        goto out;
    }
    int started = 0;
    for (; started < nthreads; started++) {
        int e = pthread_create(&workers[started].tid, NULL, cfg.mode == MODE_RAW ? raw_worker : lib_worker,
                               &workers[started]);
        if (e != 0) {
            fprintf(stderr, "bench: pthread_create: %s\n", strerror(e));
            break;
        }
    }
    if (started < nthreads) {
        /* Cannot release the barriers with fewer threads: exit hard. */
        fflush(stderr);
        _exit(2);
    }

    pthread_barrier_wait(&g_warm_barrier);
    if (cfg.legacy && cfg.mode == MODE_ASYNC) {
        long accepted = 0;
        for (int t = 0; t < nthreads; t++) accepted += workers[t].warmup - workers[t].warm_failed;
        long left = wait_legacy_callbacks(&g_warm_cb_ok, &g_warm_cb_failed, accepted);
        if (left > 0) fprintf(stderr, "bench: warmup: %ld legacy async sends without a callback after 60 s\n", left);
    } else if (!cfg.legacy && (cfg.mode == MODE_ASYNC || cfg.mode == MODE_ONEWAY)) {
        flush_producer("warmup");
    }
    g_legacy_warm = false;
    long warm_ok = atomic_load(&g_warm_cb_ok), warm_failed = atomic_load(&g_warm_cb_failed);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = now_ns();
    g_deadline_ns = t0 + (uint64_t)(cfg.duration * 1e9);
    pthread_barrier_wait(&g_start_barrier);

    for (int t = 0; t < nthreads; t++) pthread_join(workers[t].tid, NULL);
    size_t remaining = 0;
    if (cfg.legacy && cfg.mode == MODE_ASYNC) {
        long accepted = 0;
        for (int t = 0; t < nthreads; t++) accepted += workers[t].sent;
        for (int t = 0; t < nthreads; t++) accepted -= workers[t].refused;
        remaining = (size_t)wait_legacy_callbacks(&g_cb_ok, &g_cb_failed, accepted);
    } else if (cfg.legacy && cfg.mode == MODE_ONEWAY) {
        stop_legacy_producer(); /* the legacy API's only way to drain oneway sends */
    } else if (cfg.mode == MODE_ASYNC || cfg.mode == MODE_ONEWAY) {
        remaining = flush_producer("final");
    }
    uint64_t t1 = now_ns();
    getrusage(RUSAGE_SELF, &ru1);
    long threads_in_process = status_field_kb("Threads");

    long messages = 0, ok = 0, nsamples = 0;
    for (int t = 0; t < nthreads; t++) {
        messages += workers[t].sent;
        ok += workers[t].ok;
        nsamples += workers[t].nlat;
        warm_ok += workers[t].warm_ok;
        warm_failed += workers[t].warm_failed;
    }
    if (cfg.mode == MODE_ASYNC) {
        ok = atomic_load(&g_cb_ok);
        nsamples = atomic_load(&g_nlat);
        if (nsamples > g_lat_cap) nsamples = g_lat_cap;
    }
    if (remaining > 0) {
        fprintf(stderr, "bench: %zu sends had no outcome after the %d ms flush: counted as failed\n", remaining,
                FLUSH_TIMEOUT_MS);
    }
    if (cfg.warmup > 0 && warm_failed > 0) {
        fprintf(stderr, "bench: warmup: %ld ok, %ld failed\n", warm_ok, warm_failed);
    }

    /* Latency samples: merge, sort. */
    uint64_t *samples = NULL;
    if (cfg.mode == MODE_ASYNC) {
        samples = g_lat;
    } else if (cfg.mode != MODE_ONEWAY && nsamples > 0) {
        samples = malloc((size_t)nsamples * sizeof *samples);
        if (samples != NULL) {
            long k = 0;
            for (int t = 0; t < nthreads; t++) {
                memcpy(samples + k, workers[t].lat, (size_t)workers[t].nlat * sizeof *samples);
                k += workers[t].nlat;
            }
        } else {
            nsamples = 0;
        }
    }
    /* The async callback thread may still touch g_lat until the producer is
     * gone: free the producer before sorting. */
    stop_legacy_producer();
    if (g_producer != NULL) {
        rmq_status st = rmq_producer_free(g_producer);
        g_producer = NULL;
        if (st != RMQ_STATUS_OK) fprintf(stderr, "bench: rmq_producer_free: %s\n", rmq_status_name(st));
    }
    if (nsamples > 0 && samples != NULL) qsort(samples, (size_t)nsamples, sizeof *samples, cmp_u64);

    double seconds = (double)(t1 - t0) / 1e9;
    struct cpu_split cpu = cpu_between(&ru0, &ru1);
    double mps = seconds > 0 ? (double)ok / seconds : 0;
    long peak_rss = status_field_kb("VmHWM");
    if (peak_rss < 0) peak_rss = ru1.ru_maxrss;

    char lat[200];
    if (cfg.mode == MODE_ONEWAY || nsamples == 0 || samples == NULL) {
        snprintf(lat, sizeof lat, "null");
    } else {
        snprintf(lat, sizeof lat, "{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
                 percentile_us(samples, nsamples, 0.50), percentile_us(samples, nsamples, 0.99),
                 percentile_us(samples, nsamples, 0.999), (double)samples[nsamples - 1] / 1000.0);
    }
    print_result(nthreads, cfg.size, messages, ok, seconds, mps, mps * (double)cfg.size / 1048576.0, lat, cpu, peak_rss,
                 threads_in_process);
    if (samples != g_lat) free(samples);
    rc = (messages > 0 && ok == messages) ? 0 : 1;
    pthread_barrier_destroy(&g_warm_barrier);
    pthread_barrier_destroy(&g_start_barrier);
    goto out;

oom:
    fprintf(stderr, "bench: out of memory for %ld samples\n", total_cap);
out:
    stop_legacy_producer();
    if (g_producer != NULL) rmq_producer_free(g_producer);
    if (workers != NULL) {
        for (int t = 0; t < nthreads; t++) {
            free(workers[t].lat);
            free(workers[t].ts);
        }
    }
    free(workers);
    free(g_lat);
    free(g_body);
    free_sets();
    return rc;
}
