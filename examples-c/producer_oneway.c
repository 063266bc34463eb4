/*
 * producer_oneway NAMESRV TOPIC COUNT
 *
 * Sends COUNT messages oneway (no response awaited) and prints
 * "accepted=A rejected=R". Exits 0 if all were accepted, 1 otherwise, 2 on
 * bad usage or setup errors.
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
    long count = strtol(argv[3], NULL, 10);
    if (count <= 0) {
        fprintf(stderr, "COUNT must be a positive number\n");
        return 2;
    }
    rmq_producer *producer = rmq_producer_new("example_oneway_group");
    if (producer == NULL || rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }
    long accepted = 0, rejected = 0;
    rmq_message *msg = rmq_message_new(argv[2]);
    for (long i = 0; i < count; i++) {
        char body[64];
        snprintf(body, sizeof body, "oneway message %ld", i);
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body));
        if (rmq_producer_send_oneway(producer, msg) == RMQ_STATUS_OK) {
            accepted++;
        } else {
            fprintf(stderr, "send %ld: %s\n", i, rmq_last_error());
            rejected++;
        }
    }
    rmq_message_free(msg);
    rmq_producer_flush(producer, 10000, NULL); /* until handed to the socket */
    rmq_producer_free(producer);
    printf("accepted=%ld rejected=%ld\n", accepted, rejected);
    return rejected == 0 ? 0 : 1;
}
