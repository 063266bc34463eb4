/*
 * producer_namespace NAMESRV TOPIC
 *
 * Namespaces (Java ClientConfig.namespace) let tenants share a cluster:
 * with namespace "tenant1" the message is stored in topic
 * "tenant1%TOPIC" (and the group is "tenant1%<group>"), while the
 * application keeps using the plain names: the send result's topic comes
 * back without the namespace. Prints:
 *   namespace tenant1 result-topic <topic> queue <queueId> offset <queueOffset>
 * where <topic> equals TOPIC.
 * Exits 0 on success, 1 when the send fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_namespace_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    if (rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_set(producer, "namespace", "tenant1") != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    int failed = 0;
    const char *body = "hello from tenant1";
    rmq_message *msg = rmq_message_new(topic); /* the plain name */
    rmq_send_result r;
    rmq_status st;
    if (msg == NULL ||
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    } else if ((st = rmq_producer_send(producer, msg, &r)) != RMQ_STATUS_OK) {
        fprintf(stderr, "send: %s: %s\n", rmq_status_name(st), rmq_last_error());
        failed = 1;
    } else {
        printf("namespace tenant1 result-topic %s queue %d offset %lld\n", r.topic, r.queue_id,
               (long long)r.queue_offset);
    }
    rmq_message_free(msg);

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed;
}
