/*
 * producer_delay NAMESRV TOPIC
 *
 * Scheduled messages: stored now, delivered to consumers later.
 *   - delay level 1 (the broker's first level: 1 s) with
 *     rmq_message_set_delay_level;
 *   - an arbitrary delay of 1000 ms (5.x timer message) with
 *     rmq_message_set_delay_ms.
 * Prints:
 *   delay-level 1 SEND_OK <msgId>
 *   delay-ms 1000 SEND_OK <msgId>
 * Exits 0 on success, 1 when a send fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

/* Sends `msg` and prints "<label> <status> <msgId>"; 0 on success. */
static int send_and_print(rmq_producer *producer, rmq_message *msg, const char *label) {
    rmq_send_result r;
    rmq_status st = rmq_producer_send(producer, msg, &r);
    if (st != RMQ_STATUS_OK) {
        fprintf(stderr, "%s: %s: %s\n", label, rmq_status_name(st), rmq_last_error());
        return 1;
    }
    printf("%s %s %s\n", label, rmq_send_status_name(r.status), r.msg_id);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_delay_group");
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
    const char *body = "see you later";

    rmq_message *by_level = rmq_message_new(topic);
    if (by_level == NULL ||
        rmq_message_set_body(by_level, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK ||
        rmq_message_set_delay_level(by_level, 1) != RMQ_STATUS_OK) {
        fprintf(stderr, "delay-level message: %s\n", rmq_last_error());
        failed = 1;
    } else {
        failed |= send_and_print(producer, by_level, "delay-level 1");
    }
    rmq_message_free(by_level);

    rmq_message *by_ms = rmq_message_new(topic);
    if (by_ms == NULL ||
        rmq_message_set_body(by_ms, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK ||
        rmq_message_set_delay_ms(by_ms, 1000) != RMQ_STATUS_OK) {
        fprintf(stderr, "delay-ms message: %s\n", rmq_last_error());
        failed = 1;
    } else {
        failed |= send_and_print(producer, by_ms, "delay-ms 1000");
    }
    rmq_message_free(by_ms);

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed;
}
