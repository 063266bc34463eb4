/*
 * producer_async NAMESRV TOPIC COUNT
 *
 * Sends COUNT messages asynchronously, counts the callbacks, flushes, shuts
 * down, and prints "successes=S failures=F". Exits 0 only if every send got
 * exactly one callback (S + F == COUNT) and none failed; 1 otherwise; 2 on
 * bad usage or setup errors.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rocketmq.h"

struct counters {
    atomic_long successes;
    atomic_long failures;
};

/* Runs on the producer's callback thread. */
static void on_send(void *user_data, const rmq_send_result *result, const rmq_error_info *error) {
    struct counters *c = user_data;
    if (result != NULL) {
        atomic_fetch_add(&c->successes, 1);
    } else {
        if (atomic_fetch_add(&c->failures, 1) < 5) {
            fprintf(stderr, "send failed: %s: %s\n", rmq_status_name(error->status), error->message);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC COUNT\n", argv[0]);
        return 2;
    }
    long count = strtol(argv[3], NULL, 10);
    if (count <= 0) {
        fprintf(stderr, "COUNT must be a positive number\n");
        return 2;
    }
    rmq_producer *producer = rmq_producer_new("example_async_group");
    if (producer == NULL || rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    struct counters c = {0, 0};
    long rejected = 0;
    rmq_message *msg = rmq_message_new(argv[2]);
    rmq_message_set_tags(msg, "TagAsync");
    for (long i = 0; i < count; i++) {
        char body[64];
        snprintf(body, sizeof body, "async message %ld", i);
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body));
        /* The message is copied: it can be reused right away. */
        if (rmq_producer_send_async(producer, msg, on_send, &c) != RMQ_STATUS_OK) {
            fprintf(stderr, "send %ld not accepted: %s\n", i, rmq_last_error());
            rejected++;
        }
    }
    rmq_message_free(msg);

    size_t remaining = 0;
    rmq_producer_flush(producer, 30000, &remaining);
    rmq_producer_free(producer); /* shuts down: every callback has run after this */

    long s = atomic_load(&c.successes), f = atomic_load(&c.failures);
    printf("successes=%ld failures=%ld rejected=%ld\n", s, f, rejected);
    return (s + f + rejected == count && f == 0 && rejected == 0) ? 0 : 1;
}
