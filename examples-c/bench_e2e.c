/*
 * bench_e2e: produce -> consume latency through a real broker.
 *
 *   bench_e2e --namesrv HOST:PORT [--count N] [--rate MSGS_PER_SEC]
 *             [--threads N] [--size BYTES] [--topic T] [--group G]
 *
 * One process runs a producer and a push consumer (rmq_producer_*,
 * rmq_push_consumer_*) on a fresh topic (default BenchE2E_<pid>, group
 * default bench_e2e_<pid>, consumeThreadCount --threads, default 4). It
 * warms up first: it sends marked messages until one comes back, then 32
 * more (the producer spreads them over every queue) and waits for them all,
 * so every queue is owned and long-polling before the clock starts. Then it
 * sends --count messages (default 10000) of --size bytes (default 1024,
 * at least 24) with rmq_producer_send_async, paced at --rate messages per
 * second (default 1000; 0 = as fast as the async window allows). Each body
 * carries its sequence number, this run's id (messages of an earlier run
 * on the same topic are ignored) and the CLOCK_MONOTONIC time taken just
 * before the send call; the listener, on a consume thread, records
 * now - that time once per sequence number (a second delivery counts as a
 * duplicate). The latency therefore includes the producer's send path, the
 * broker's store and its long-polling wake-up, the pull and the hand-over
 * to a consume thread.
 *
 * Prints exactly one JSON line on stdout:
 *   {"mode":"e2e","count":N,"rate":R,"size":B,"threads":T,"sent":S,
 *    "send_failed":F,"received":N,"duplicates":D,"elapsed_s":X,
 *    "lat_us":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..},
 *    "send_ack_us":{"p50":..,"p99":..}}
 * lat_us is send call -> listener; send_ack_us is send call -> the send's
 * callback (the broker stored it), the part of lat_us before the consumer
 * side.
 * Diagnostics go to stderr. It gives up 30 s after the last message
 * arrived; missing messages count in "received".
 * Exit status: 0 when every message arrived, 1 when some did not, 2 on bad
 * usage or setup errors.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rocketmq.h"

#define WARMUP_EXTRA 32        /* warm-up messages after the first one came back */
#define WARMUP_WAIT_S 60       /* give up warming up after this long */
#define IDLE_S 30              /* give up after this long without a message */
#define MAX_COUNT 100000000L   /* latency slots are allocated up front */

static struct {
    const char *namesrv;
    const char *topic;
    const char *group;
    long count;
    long rate;
    long threads;
    long size;
} cfg = {NULL, NULL, NULL, 10000, 1000, 4, 1024};

/* Written by the consume threads. */
static uint64_t *g_lat_ns;           /* [count]: 0 = not received yet */
static uint64_t *g_sent_ns;          /* [count]: when each send call started */
static uint64_t *g_ack_ns;           /* [count]: send call to its callback (callback thread) */
static atomic_long g_received;       /* measured messages received (first delivery) */
static atomic_long g_duplicates;     /* measured messages received again */
static atomic_long g_warm_received;  /* warm-up messages received */
static atomic_uint_fast64_t g_last_ns; /* when the last message arrived */
/* Tells this run's messages from an earlier run's on the same topic. */
static uint64_t g_run_id;
/* Written by the producer's callback thread. */
static atomic_long g_send_failed;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

/* Runs on the consumer's consume threads. msgs[0..n) live for the call. */
static int32_t on_messages(void *user_data, const rmq_message_ext *const *msgs, size_t n) {
    (void)user_data;
    uint64_t now = now_ns();
    for (size_t i = 0; i < n; i++) {
        const uint8_t *body = NULL;
        size_t len = 0;
        if (rmq_message_ext_body(msgs[i], &body, &len) != RMQ_STATUS_OK || len < 24) continue;
        if (get_u64(body + 16) != g_run_id) continue; /* an earlier run's message */
        uint64_t seq = get_u64(body);
        uint64_t sent = get_u64(body + 8);
        if (seq == UINT64_MAX) {
            atomic_fetch_add(&g_warm_received, 1);
        } else if (seq < (uint64_t)cfg.count) {
            uint64_t lat = now > sent ? now - sent : 1;
            /* One consume thread per message delivery: a slot is written once
             * unless the broker delivers the message twice. */
            if (__atomic_exchange_n(&g_lat_ns[seq], lat, __ATOMIC_RELAXED) == 0) {
                atomic_fetch_add(&g_received, 1);
            } else {
                atomic_fetch_add(&g_duplicates, 1);
            }
        }
    }
    atomic_store(&g_last_ns, now);
    return RMQ_CONSUME_SUCCESS;
}

/* Runs on the producer's callback thread. */
static void on_sent(void *user_data, const rmq_send_result *result, const rmq_error_info *error) {
    (void)result;
    uint64_t seq = (uint64_t)(uintptr_t)user_data;
    if (seq < (uint64_t)cfg.count) g_ack_ns[seq] = now_ns() - g_sent_ns[seq];
    if (error != NULL) {
        atomic_fetch_add(&g_send_failed, 1);
        fprintf(stderr, "bench_e2e: send failed: %s\n", error->message);
    }
}

static bool send_one(rmq_producer *p, rmq_message *msg, uint8_t *body, uint64_t seq) {
    put_u64(body, seq);
    put_u64(body + 16, g_run_id);
    uint64_t t = now_ns();
    put_u64(body + 8, t);
    if (seq < (uint64_t)cfg.count) g_sent_ns[seq] = t;
    if (rmq_message_set_body(msg, body, (size_t)cfg.size) != RMQ_STATUS_OK) return false;
    rmq_status st = rmq_producer_send_async(p, msg, on_sent, (void *)(uintptr_t)seq);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "bench_e2e: rmq_producer_send_async: %s\n", rmq_last_error());
        atomic_fetch_add(&g_send_failed, 1);
        return false;
    }
    return true;
}

static void sleep_until(uint64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *sorted, long n, double p) {
    if (n == 0) return 0;
    long k = (long)(p * (double)(n - 1) + 0.5);
    return (double)sorted[k] / 1000.0;
}

static bool parse_long(const char *s, long min, long max, long *out) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

static int usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s --namesrv HOST:PORT [--count N] [--rate MSGS_PER_SEC] [--threads N]\n"
            "          [--size BYTES] [--topic T] [--group G]\n",
            argv0);
    return 2;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) return usage(argv[0]);
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(a, "--namesrv") == 0) cfg.namesrv = v;
        else if (strcmp(a, "--topic") == 0) cfg.topic = v;
        else if (strcmp(a, "--group") == 0) cfg.group = v;
        else if (strcmp(a, "--count") == 0) ok = parse_long(v, 1, MAX_COUNT, &cfg.count);
        else if (strcmp(a, "--rate") == 0) ok = parse_long(v, 0, 10000000, &cfg.rate);
        else if (strcmp(a, "--threads") == 0) ok = parse_long(v, 1, 1000, &cfg.threads);
        else if (strcmp(a, "--size") == 0) ok = parse_long(v, 24, 4 * 1024 * 1024, &cfg.size);
        else return usage(argv[0]);
        if (!ok) {
            fprintf(stderr, "bench_e2e: bad value for %s: '%s'\n", a, v);
            return 2;
        }
    }
    if (cfg.namesrv == NULL) return usage(argv[0]);
    char topic[128], group[128], threads[32];
    if (cfg.topic == NULL) {
        snprintf(topic, sizeof topic, "BenchE2E_%ld", (long)getpid());
        cfg.topic = topic;
    }
    if (cfg.group == NULL) {
        snprintf(group, sizeof group, "bench_e2e_%ld", (long)getpid());
        cfg.group = group;
    }
    snprintf(threads, sizeof threads, "%ld", cfg.threads);
    g_run_id = ((uint64_t)getpid() << 32) ^ now_ns();
    g_lat_ns = calloc((size_t)cfg.count, sizeof *g_lat_ns);
    g_sent_ns = calloc((size_t)cfg.count, sizeof *g_sent_ns);
    g_ack_ns = calloc((size_t)cfg.count, sizeof *g_ack_ns);
    uint8_t *body = calloc(1, (size_t)cfg.size);
    if (g_lat_ns == NULL || g_sent_ns == NULL || g_ack_ns == NULL || body == NULL) {
        fprintf(stderr, "bench_e2e: out of memory\n");
        return 2;
    }

    rmq_producer *p = rmq_producer_new("bench_e2e_producer");
    if (p == NULL || rmq_producer_set(p, "namesrvAddr", cfg.namesrv) != RMQ_STATUS_OK ||
        rmq_producer_start(p) != RMQ_STATUS_OK) {
        fprintf(stderr, "bench_e2e: producer: %s\n", rmq_last_error());
        return 2;
    }
    rmq_message *msg = rmq_message_new(cfg.topic);
    if (msg == NULL) {
        fprintf(stderr, "bench_e2e: rmq_message_new: %s\n", rmq_last_error());
        return 2;
    }
    /* The topic exists (auto-created) before the consumer looks its route up. */
    if (!send_one(p, msg, body, UINT64_MAX)) return 2;
    fprintf(stderr, "bench_e2e: producer started, consumer starting\n");

    rmq_push_consumer *c = rmq_push_consumer_new(cfg.group);
    if (c == NULL || rmq_push_consumer_set(c, "namesrvAddr", cfg.namesrv) != RMQ_STATUS_OK ||
        rmq_push_consumer_set(c, "consumeThreadCount", threads) != RMQ_STATUS_OK ||
        rmq_push_consumer_set(c, "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET") != RMQ_STATUS_OK ||
        rmq_push_consumer_subscribe(c, cfg.topic, "*") != RMQ_STATUS_OK ||
        rmq_push_consumer_set_listener(c, on_messages, NULL) != RMQ_STATUS_OK ||
        rmq_push_consumer_start(c) != RMQ_STATUS_OK) {
        fprintf(stderr, "bench_e2e: consumer: %s\n", rmq_last_error());
        return 2;
    }

    /* Warm-up: one back, then WARMUP_EXTRA more over every queue. */
    uint64_t give_up = now_ns() + (uint64_t)WARMUP_WAIT_S * 1000000000u;
    long warm_sent = 1;
    while (atomic_load(&g_warm_received) == 0 && now_ns() < give_up) {
        usleep(200 * 1000);
        if (atomic_load(&g_warm_received) == 0 && send_one(p, msg, body, UINT64_MAX)) warm_sent++;
    }
    for (int i = 0; i < WARMUP_EXTRA; i++) {
        if (send_one(p, msg, body, UINT64_MAX)) warm_sent++;
    }
    while (atomic_load(&g_warm_received) < warm_sent && now_ns() < give_up) usleep(10 * 1000);
    if (atomic_load(&g_warm_received) < warm_sent) {
        fprintf(stderr, "bench_e2e: warm-up: %ld of %ld messages came back in %d s\n",
                atomic_load(&g_warm_received), warm_sent, WARMUP_WAIT_S);
        return 2;
    }

    fprintf(stderr, "bench_e2e: warmed up (%ld messages)\n", warm_sent);
    /* Measured: paced async sends. */
    uint64_t t0 = now_ns();
    long sent = 0;
    for (long i = 0; i < cfg.count; i++) {
        if (cfg.rate > 0) sleep_until(t0 + (uint64_t)((double)i * 1e9 / (double)cfg.rate));
        if (send_one(p, msg, body, (uint64_t)i)) sent++;
    }
    atomic_store(&g_last_ns, now_ns());
    while (atomic_load(&g_received) < cfg.count) {
        uint64_t last = atomic_load(&g_last_ns); /* read before the clock: last <= now */
        if (now_ns() > last + (uint64_t)IDLE_S * 1000000000u) break;
        usleep(1000);
    }
    double elapsed = (double)(now_ns() - t0) / 1e9;
    fprintf(stderr, "bench_e2e: measured, shutting down\n");
    long received = atomic_load(&g_received);

    if (rmq_push_consumer_shutdown(c) != RMQ_STATUS_OK)
        fprintf(stderr, "bench_e2e: rmq_push_consumer_shutdown: %s\n", rmq_last_error());
    rmq_push_consumer_free(c);
    if (rmq_producer_shutdown(p) != RMQ_STATUS_OK)
        fprintf(stderr, "bench_e2e: rmq_producer_shutdown: %s\n", rmq_last_error());
    rmq_producer_free(p);
    rmq_message_free(msg);

    /* The latencies, sorted (the consume and callback threads are gone). */
    long n = 0, na = 0;
    for (long i = 0; i < cfg.count; i++) {
        if (g_lat_ns[i] != 0) g_lat_ns[n++] = g_lat_ns[i];
        if (g_ack_ns[i] != 0) g_ack_ns[na++] = g_ack_ns[i];
    }
    qsort(g_lat_ns, (size_t)n, sizeof *g_lat_ns, cmp_u64);
    qsort(g_ack_ns, (size_t)na, sizeof *g_ack_ns, cmp_u64);
    printf("{\"mode\":\"e2e\",\"count\":%ld,\"rate\":%ld,\"size\":%ld,\"threads\":%ld,\"sent\":%ld,"
           "\"send_failed\":%ld,\"received\":%ld,\"duplicates\":%ld,\"elapsed_s\":%.3f,"
           "\"lat_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
           "\"send_ack_us\":{\"p50\":%.1f,\"p99\":%.1f}}\n",
           cfg.count, cfg.rate, cfg.size, cfg.threads, sent, atomic_load(&g_send_failed), received,
           atomic_load(&g_duplicates), elapsed, pct_us(g_lat_ns, n, 0.50), pct_us(g_lat_ns, n, 0.90),
           pct_us(g_lat_ns, n, 0.99), pct_us(g_lat_ns, n, 0.999), n ? (double)g_lat_ns[n - 1] / 1000.0 : 0.0,
           pct_us(g_ack_ns, na, 0.50), pct_us(g_ack_ns, na, 0.99));
    free(g_lat_ns);
    free(g_sent_ns);
    free(g_ack_ns);
    free(body);
    return received == cfg.count ? 0 : 1;
}
