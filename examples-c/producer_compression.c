/*
 * producer_compression NAMESRV TOPIC
 *
 * Body compression: bodies of at least compressMsgBodyOverHowmuch bytes
 * (default 4096) are compressed before sending when that makes them
 * smaller, with compressType ZLIB (default), LZ4 or ZSTD at compressLevel.
 * Consumers inflate them transparently. This program selects ZSTD and
 * sends a 64 KiB compressible body. Prints:
 *   zstd SEND_OK <msgId> queue <queueId> offset <queueOffset>
 * Exits 0 on success, 1 when the send fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rocketmq.h"

#define BODY_SIZE (64 * 1024)

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_compression_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    if (rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_set(producer, "compressType", "ZSTD") != RMQ_STATUS_OK ||
        rmq_producer_set(producer, "compressMsgBodyOverHowmuch", "4096") != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    /* 64 KiB of repeated text: compresses very well. */
    uint8_t *body = malloc(BODY_SIZE);
    if (body == NULL) {
        fprintf(stderr, "out of memory\n");
        rmq_producer_free(producer);
        return 2;
    }
    const char *line = "RocketMQ compresses big bodies. ";
    size_t line_len = strlen(line);
    for (size_t i = 0; i < BODY_SIZE; i++) body[i] = (uint8_t)line[i % line_len];

    int failed = 0;
    rmq_message *msg = rmq_message_new(topic);
    rmq_send_result r;
    rmq_status st;
    if (msg == NULL || rmq_message_set_body(msg, body, BODY_SIZE) != RMQ_STATUS_OK) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    } else if ((st = rmq_producer_send(producer, msg, &r)) != RMQ_STATUS_OK) {
        fprintf(stderr, "send: %s: %s\n", rmq_status_name(st), rmq_last_error());
        failed = 1;
    } else {
        printf("zstd %s %s queue %d offset %lld\n", rmq_send_status_name(r.status), r.msg_id,
               r.queue_id, (long long)r.queue_offset);
    }
    rmq_message_free(msg); /* the message holds its own copy of the body */
    free(body);

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed;
}
