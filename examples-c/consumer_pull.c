/*
 * consumer_pull NAMESRV TOPIC COUNT [GROUP]
 *
 * Consumes COUNT messages of TOPIC with the pull consumer: subscribes to
 * every tag ("*") as consumer group GROUP (default example_pull_group), from
 * the first offset of a queue the group has no committed offset for, and
 * polls until COUNT messages arrived. Prints one line per message:
 *   <queueId> <queueOffset> <msgId> <tags> <body>
 * then commits the offsets and shuts down. A group resumes where its last
 * run committed, so give a new GROUP to read a topic from its start again.
 *
 * Exits 0 when COUNT messages arrived; 1 on an error (message on stderr with
 * rmq_last_error()) or when nothing arrives for 30 s; 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rocketmq.h"

#define BATCH 32         /* messages per poll at most */
#define POLL_MS 1000     /* how long one poll waits */
#define IDLE_POLLS 30    /* give up after this many empty polls in a row */

static int fail(const char *what, rmq_pull_consumer *consumer) {
    fprintf(stderr, "%s: %s\n", what, rmq_last_error());
    rmq_pull_consumer_free(consumer); /* NULL is fine */
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC COUNT [GROUP]\n", argv[0]);
        return 2;
    }
    const char *namesrv = argv[1];
    const char *topic = argv[2];
    long count = strtol(argv[3], NULL, 10);
    const char *group = argc == 5 ? argv[4] : "example_pull_group";
    if (count <= 0) {
        fprintf(stderr, "COUNT must be a positive number\n");
        return 2;
    }

    rmq_pull_consumer *consumer = rmq_pull_consumer_new(group);
    if (consumer == NULL) return fail("rmq_pull_consumer_new", NULL);
    if (rmq_pull_consumer_set(consumer, "namesrvAddr", namesrv) != RMQ_STATUS_OK)
        return fail("set namesrvAddr", consumer);
    if (rmq_pull_consumer_set(consumer, "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET") != RMQ_STATUS_OK)
        return fail("set consumeFromWhere", consumer);
    if (rmq_pull_consumer_subscribe(consumer, topic, "*") != RMQ_STATUS_OK)
        return fail("rmq_pull_consumer_subscribe", consumer);
    if (rmq_pull_consumer_start(consumer) != RMQ_STATUS_OK) return fail("rmq_pull_consumer_start", consumer);

    long received = 0;
    int idle = 0;
    while (received < count) {
        /* The views belong to the consumer and stay valid until the next poll. */
        const rmq_message_ext *msgs[BATCH];
        size_t n = 0;
        rmq_status st = rmq_pull_consumer_poll(consumer, POLL_MS, msgs, BATCH, &n);
        if (st != RMQ_STATUS_OK) return fail("rmq_pull_consumer_poll", consumer);
        if (n == 0) {
            if (++idle >= IDLE_POLLS) {
                fprintf(stderr, "no message for %d s: received %ld of %ld\n", IDLE_POLLS * POLL_MS / 1000,
                        received, count);
                rmq_pull_consumer_free(consumer);
                return 1;
            }
            continue;
        }
        idle = 0;
        for (size_t i = 0; i < n && received < count; i++, received++) {
            const uint8_t *body = NULL;
            size_t len = 0;
            if (rmq_message_ext_body(msgs[i], &body, &len) != RMQ_STATUS_OK)
                return fail("rmq_message_ext_body", consumer);
            printf("%d %lld %s %s %.*s\n", rmq_message_ext_queue_id(msgs[i]),
                   (long long)rmq_message_ext_queue_offset(msgs[i]), rmq_message_ext_msg_id(msgs[i]),
                   rmq_message_ext_tags(msgs[i]), (int)len, (const char *)body);
        }
    }
    fflush(stdout);

    /* Store the offsets of everything polled, so that the group resumes after it. */
    if (rmq_pull_consumer_commit(consumer) != RMQ_STATUS_OK) return fail("rmq_pull_consumer_commit", consumer);
    if (rmq_pull_consumer_shutdown(consumer) != RMQ_STATUS_OK) return fail("rmq_pull_consumer_shutdown", consumer);
    rmq_pull_consumer_free(consumer);
    return 0;
}
