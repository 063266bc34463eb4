/*
 * producer_sync NAMESRV TOPIC COUNT
 *
 * Sends COUNT messages synchronously (tag, keys, a property, a body naming
 * its index) and prints one line per message:
 *   <index> <status> <msgId> <offsetMsgId> <brokerName> <queueId> <queueOffset>
 * Exits 1 if any send failed, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rocketmq.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC COUNT\n", argv[0]);
        return 2;
    }
    const char *namesrv = argv[1];
    const char *topic = argv[2];
    long count = strtol(argv[3], NULL, 10);
    if (count <= 0) {
        fprintf(stderr, "COUNT must be a positive number\n");
        return 2;
    }

    rmq_producer *producer = rmq_producer_new("example_sync_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    if (rmq_producer_set(producer, "namesrvAddr", namesrv) != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    int failures = 0;
    for (long i = 0; i < count; i++) {
        char body[64], keys[64];
        snprintf(body, sizeof body, "Hello RocketMQ, message %ld", i);
        snprintf(keys, sizeof keys, "key-%ld order-%ld", i, i % 10);

        rmq_message *msg = rmq_message_new(topic);
        rmq_message_set_tags(msg, "TagA");
        rmq_message_set_keys(msg, keys);
        rmq_message_set_property(msg, "index", body + strlen("Hello RocketMQ, message "));
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body));

        rmq_send_result result;
        rmq_status status = rmq_producer_send(producer, msg, &result);
        if (status == RMQ_STATUS_OK) {
            printf("%ld %s %s %s %s %d %lld\n", i, rmq_send_status_name(result.status),
                   result.msg_id, result.offset_msg_id, result.broker_name, result.queue_id,
                   (long long)result.queue_offset);
        } else {
            printf("%ld FAILED %s %s\n", i, rmq_status_name(status), rmq_last_error());
            failures++;
        }
        rmq_message_free(msg);
    }

    rmq_producer_free(producer);
    return failures == 0 ? 0 : 1;
}
