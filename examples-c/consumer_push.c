/*
 * consumer_push NAMESRV TOPIC COUNT [GROUP]
 *
 * Consumes COUNT messages of TOPIC with the push consumer: subscribes to
 * every tag ("*") as consumer group GROUP (default example_push_group), from
 * the first offset of a queue the group has no committed offset for. The
 * library calls on_messages on its consume threads (several at once); it
 * prints one line per message:
 *   <queueId> <queueOffset> <msgId> <tags> <body>
 * and counts the messages. The main thread waits until COUNT arrived, then
 * shuts down (which commits the consumed offsets) and frees the consumer. A
 * group resumes where its last run committed, so give a new GROUP to read a
 * topic from its start again.
 *
 * Exits 0 when COUNT messages arrived; 1 on an error (message on stderr with
 * rmq_last_error()) or when nothing arrives for 30 s; 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rocketmq.h"

#define IDLE_SECONDS 30 /* give up after this long without a message */

/* Shared by the consume threads and the main thread. */
struct state {
    atomic_long received;     /* messages printed so far */
    long count;               /* how many the main thread waits for */
    pthread_mutex_t print_mu; /* one line at a time on stdout */
};

/* Runs on a consume thread of the library, possibly on several at once.
 * msgs[0..n) are views valid only during this call. */
static int32_t on_messages(void *user_data, const rmq_message_ext *const *msgs, size_t n) {
    struct state *s = user_data;
    pthread_mutex_lock(&s->print_mu);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *body = NULL;
        size_t len = 0;
        if (rmq_message_ext_body(msgs[i], &body, &len) != RMQ_STATUS_OK) {
            pthread_mutex_unlock(&s->print_mu);
            return RMQ_RECONSUME_LATER; /* cannot happen for a live view; deliver again */
        }
        /* Printing stops at COUNT; messages that arrive after it (a topic with
         * more messages) are consumed without being printed. */
        if (atomic_fetch_add(&s->received, 1) < s->count) {
            printf("%d %lld %s %s %.*s\n", rmq_message_ext_queue_id(msgs[i]),
                   (long long)rmq_message_ext_queue_offset(msgs[i]), rmq_message_ext_msg_id(msgs[i]),
                   rmq_message_ext_tags(msgs[i]), (int)len, (const char *)body);
        }
    }
    pthread_mutex_unlock(&s->print_mu);
    return RMQ_CONSUME_SUCCESS;
}

static int fail(const char *what, rmq_push_consumer *consumer) {
    fprintf(stderr, "%s: %s\n", what, rmq_last_error());
    rmq_push_consumer_free(consumer); /* NULL is fine */
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
    const char *group = argc == 5 ? argv[4] : "example_push_group";
    if (count <= 0) {
        fprintf(stderr, "COUNT must be a positive number\n");
        return 2;
    }

    /* Must outlive the consumer's running life: the callback gets it. */
    static struct state s;
    atomic_init(&s.received, 0);
    s.count = count;
    pthread_mutex_init(&s.print_mu, NULL);

    rmq_push_consumer *consumer = rmq_push_consumer_new(group);
    if (consumer == NULL) return fail("rmq_push_consumer_new", NULL);
    if (rmq_push_consumer_set(consumer, "namesrvAddr", namesrv) != RMQ_STATUS_OK)
        return fail("set namesrvAddr", consumer);
    if (rmq_push_consumer_set(consumer, "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET") != RMQ_STATUS_OK)
        return fail("set consumeFromWhere", consumer);
    if (rmq_push_consumer_subscribe(consumer, topic, "*") != RMQ_STATUS_OK)
        return fail("rmq_push_consumer_subscribe", consumer);
    if (rmq_push_consumer_set_listener(consumer, on_messages, &s) != RMQ_STATUS_OK)
        return fail("rmq_push_consumer_set_listener", consumer);
    if (rmq_push_consumer_start(consumer) != RMQ_STATUS_OK) return fail("rmq_push_consumer_start", consumer);

    /* Wait for COUNT messages; give up after IDLE_SECONDS without progress. */
    long last = 0;
    int idle_ticks = 0; /* 10 ms each */
    while (atomic_load(&s.received) < count) {
        struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
        nanosleep(&tick, NULL);
        long now = atomic_load(&s.received);
        if (now != last) {
            last = now;
            idle_ticks = 0;
        } else if (++idle_ticks >= IDLE_SECONDS * 100) {
            fprintf(stderr, "no message for %d s: received %ld of %ld\n", IDLE_SECONDS, now, count);
            rmq_push_consumer_free(consumer);
            return 1;
        }
    }

    /* No callback runs once shutdown returns; it commits what was consumed. */
    if (rmq_push_consumer_shutdown(consumer) != RMQ_STATUS_OK) return fail("rmq_push_consumer_shutdown", consumer);
    fflush(stdout);
    rmq_push_consumer_free(consumer);
    pthread_mutex_destroy(&s.print_mu);
    return 0;
}
