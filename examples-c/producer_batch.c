/*
 * producer_batch NAMESRV TOPIC
 *
 * Sends 10 messages in one SEND_BATCH_MESSAGE request (rmq_batch_new /
 * rmq_batch_add / rmq_producer_send_batch) and prints the id each message
 * got, then the batch's status and size:
 *   msg <index> <msgId>        (10 lines)
 *   batch SEND_OK 10
 *   queue <queueId> offsets <first>..<last> on <brokerName>
 * The messages occupy consecutive offsets of one queue, starting at the
 * offset in the send result.
 * Exits 0 on success, 1 when the send fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

#define COUNT 10

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_batch_group");
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

    rmq_batch *batch = rmq_batch_new();
    if (batch == NULL) {
        fprintf(stderr, "rmq_batch_new: out of memory\n");
        rmq_producer_free(producer);
        return 2;
    }
    /* One message handle, reused: rmq_batch_add stores a copy. */
    rmq_message *msg = rmq_message_new(topic);
    if (msg == NULL) {
        fprintf(stderr, "rmq_message_new: %s\n", rmq_last_error());
        rmq_batch_free(batch);
        rmq_producer_free(producer);
        return 2;
    }
    int failed = 0;
    for (int i = 0; i < COUNT; i++) {
        char body[64], keys[32];
        snprintf(body, sizeof body, "batch message %d", i);
        snprintf(keys, sizeof keys, "batch-%d", i);
        if (rmq_message_set_tags(msg, "TagBatch") != RMQ_STATUS_OK ||
            rmq_message_set_keys(msg, keys) != RMQ_STATUS_OK ||
            rmq_message_set_body(msg, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK ||
            rmq_batch_add(batch, msg) != RMQ_STATUS_OK) {
            fprintf(stderr, "building the batch: %s\n", rmq_last_error());
            failed = 2;
            break;
        }
    }
    rmq_message_free(msg);

    if (!failed) {
        rmq_send_result r;
        rmq_status st = rmq_producer_send_batch(producer, batch, &r);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "send_batch: %s: %s\n", rmq_status_name(st), rmq_last_error());
            failed = 1;
        } else {
            size_t n = rmq_batch_count(batch);
            for (size_t i = 0; i < n; i++) {
                const char *id = rmq_batch_msg_id(batch, i);
                if (id == NULL) {
                    fprintf(stderr, "no id for message %zu\n", i);
                    failed = 1;
                    break;
                }
                printf("msg %zu %s\n", i, id);
            }
            /* The result describes the first message of the batch. */
            if (!failed && strcmp(r.msg_id, rmq_batch_msg_id(batch, 0)) != 0) {
                fprintf(stderr, "result id %s is not the first message's id\n", r.msg_id);
                failed = 1;
            }
            if (!failed) {
                printf("batch %s %zu\n", rmq_send_status_name(r.status), n);
                printf("queue %d offsets %lld..%lld on %s\n", r.queue_id,
                        (long long)r.queue_offset, (long long)r.queue_offset + (long long)n - 1,
                        r.broker_name);
            }
        }
    }
    rmq_batch_free(batch);
    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed;
}
