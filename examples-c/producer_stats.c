/*
 * producer_stats NAMESRV TOPIC
 *
 * Statistics and logging:
 *   - rmq_set_log_callback sends the library's log (failures and state
 *     changes, never per message) to a callback, here printing to stderr;
 *   - after 10 sends, rmq_producer_stats writes a JSON snapshot (totals,
 *     retries, in-flight count, per-broker counts, latency and fault state,
 *     per-topic queues). The buffer starts small on purpose: when it is too
 *     small the call fails with RMQ_STATUS_INVALID_ARGUMENT and reports the
 *     length needed, and the program grows the buffer and asks again.
 * Prints:
 *   sent 10
 *   stats <one line of JSON>
 * Exits 0 on success, 1 when a step fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rocketmq.h"

/* May run on any library thread, concurrently: stdio's stderr is locked
 * per call. It must not call rmq_* functions. */
static void log_line(void *user_data, int32_t level, const char *message) {
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};
    fprintf(stderr, "[%s] %s: %s\n", (const char *)user_data,
            names[level >= 1 && level <= 4 ? level : 0], message);
}

/* The stats JSON in a malloc'ed string (the caller frees it), or NULL. */
static char *stats_json(rmq_producer *producer) {
    size_t capacity = 16, length = 0;
    char *buf = malloc(capacity);
    if (buf == NULL) return NULL;
    rmq_status st;
    while ((st = rmq_producer_stats(producer, buf, capacity, &length)) ==
               RMQ_STATUS_INVALID_ARGUMENT &&
           length + 1 > capacity) {
        capacity = length + 1; /* room for the NUL */
        char *bigger = realloc(buf, capacity);
        if (bigger == NULL) {
            free(buf);
            return NULL;
        }
        buf = bigger;
    }
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "stats: %s: %s\n", rmq_status_name(st), rmq_last_error());
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    /* Process-wide; levels up to 3 (info). */
    if (rmq_set_log_callback(log_line, "rocketmq", 3) != RMQ_STATUS_OK) {
        fprintf(stderr, "rmq_set_log_callback: %s\n", rmq_last_error());
        return 2;
    }
    rmq_producer *producer = rmq_producer_new("example_stats_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    if (rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    int failed = 0, sent = 0;
    rmq_message *msg = rmq_message_new(topic);
    if (msg == NULL) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    }
    for (int i = 0; i < 10 && !failed; i++) {
        char body[32];
        snprintf(body, sizeof body, "stats %d", i);
        rmq_send_result r;
        rmq_status st = rmq_message_set_body(msg, (const uint8_t *)body, strlen(body));
        if (st == RMQ_STATUS_OK) st = rmq_producer_send(producer, msg, &r);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "send %d: %s: %s\n", i, rmq_status_name(st), rmq_last_error());
            failed = 1;
        } else {
            sent++;
        }
    }
    rmq_message_free(msg);
    printf("sent %d\n", sent);

    char *json = stats_json(producer);
    if (json == NULL) {
        failed = 1;
    } else {
        printf("stats %s\n", json);
        free(json);
    }

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    rmq_set_log_callback(NULL, NULL, 0); /* back to silent */
    return failed;
}
