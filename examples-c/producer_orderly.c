/*
 * producer_orderly NAMESRV TOPIC
 *
 * Ordered sends: messages of one sharding key all go to one queue, so a
 * consumer reading that queue sees them in send order.
 *   1. 20 sends with rmq_producer_send_orderly_by_key(key "order-1"):
 *        key order-1 queue <queueId> offset <queueOffset>
 *      (same queue on every line, offsets increasing);
 *   2. one send with rmq_producer_send_orderly and a selector that picks
 *      index 0 of the queues it is given:
 *        selector queue <queueId>
 *   3. a selector answering an index outside 0..n: nothing is sent and the
 *      call fails with RMQ_STATUS_INVALID_ARGUMENT:
 *        out-of-range rejected
 * Exits 0 on success, 1 when a step fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

/* What the selector answers, and what it saw. */
struct pick {
    int32_t wanted;          /* index to answer; -1: answer n (out of range) */
    int32_t chosen_queue_id; /* queue id at the answered index, -1 if none */
};

/* Runs on the sending thread before anything is sent. */
static int32_t select_queue(void *arg, const rmq_message_queue *queues, size_t n,
                            const rmq_message *msg) {
    (void)msg;
    struct pick *p = arg;
    if (p->wanted < 0 || (size_t)p->wanted >= n) {
        p->chosen_queue_id = -1;
        return (int32_t)n; /* out of range on purpose */
    }
    p->chosen_queue_id = queues[p->wanted].queue_id;
    return p->wanted;
}

static rmq_message *new_message(const char *topic, const char *body) {
    rmq_message *msg = rmq_message_new(topic);
    if (msg == NULL) return NULL;
    if (rmq_message_set_keys(msg, "order-1") != RMQ_STATUS_OK ||
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK) {
        rmq_message_free(msg);
        return NULL;
    }
    return msg;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_orderly_group");
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

    int failed = 0;
    /* 1. By sharding key: the queue is abs(hashCode(key) % n), as in Java. */
    int32_t first_queue = -1;
    int64_t last_offset = -1;
    for (int i = 0; i < 20 && !failed; i++) {
        char body[64];
        snprintf(body, sizeof body, "order-1 step %d", i);
        rmq_message *msg = new_message(topic, body);
        if (msg == NULL) {
            fprintf(stderr, "message: %s\n", rmq_last_error());
            failed = 1;
            break;
        }
        rmq_send_result r;
        rmq_status st = rmq_producer_send_orderly_by_key(producer, msg, "order-1", &r);
        rmq_message_free(msg);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "send_orderly_by_key: %s: %s\n", rmq_status_name(st), rmq_last_error());
            failed = 1;
            break;
        }
        printf("key order-1 queue %d offset %lld\n", r.queue_id, (long long)r.queue_offset);
        if (first_queue < 0) first_queue = r.queue_id;
        if (r.queue_id != first_queue || r.queue_offset <= last_offset) {
            fprintf(stderr, "order broken: queue %d offset %lld\n", r.queue_id,
                    (long long)r.queue_offset);
            failed = 1;
        }
        last_offset = r.queue_offset;
    }

    /* 2. With a selector: it picks index 0 of the topic's writable queues. */
    rmq_message *msg = failed ? NULL : new_message(topic, "selected");
    if (!failed && msg == NULL) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    }
    if (!failed) {
        struct pick pick = {0, -1};
        rmq_send_result r;
        rmq_status st = rmq_producer_send_orderly(producer, msg, select_queue, &pick, &r);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "send_orderly: %s: %s\n", rmq_status_name(st), rmq_last_error());
            failed = 1;
        } else if (r.queue_id != pick.chosen_queue_id) {
            fprintf(stderr, "selector chose queue %d, sent to %d\n", pick.chosen_queue_id,
                    r.queue_id);
            failed = 1;
        } else {
            printf("selector queue %d\n", r.queue_id);
        }
    }

    /* 3. A selector answering an index outside 0..n: nothing is sent. */
    if (!failed) {
        struct pick pick = {-1, -1};
        rmq_send_result r;
        rmq_status st = rmq_producer_send_orderly(producer, msg, select_queue, &pick, &r);
        if (st == RMQ_STATUS_INVALID_ARGUMENT) {
            printf("out-of-range rejected\n");
            fprintf(stderr, "(as expected: %s)\n", rmq_last_error());
        } else {
            fprintf(stderr, "out-of-range selector gave %s\n", rmq_status_name(st));
            failed = 1;
        }
    }
    rmq_message_free(msg);

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed ? 1 : 0;
}
