/*
 * producer_request NAMESRV TOPIC
 *
 * Request-reply (Java DefaultMQProducer.request): rmq_producer_request
 * sends a request message to TOPIC and waits for the reply a responder
 * sends back with rmq_producer_send_reply. This library has no consumer,
 * so this program cannot play the responder: nobody answers, and the
 * request fails cleanly with RMQ_STATUS_TIMEOUT after the given timeout
 * (1000 ms). Prints:
 *   request timed out as expected
 *   waited <ms>
 * (A full round trip, with the test reading the request back from the
 * broker and replying, is in tests/request_reply.rs.)
 * Exits 0 on the expected timeout, 1 otherwise, 2 on bad usage or setup
 * errors.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rocketmq.h"

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_request_group");
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
    const char *body = "ping";
    rmq_message *msg = rmq_message_new(topic);
    if (msg == NULL ||
        rmq_message_set_body(msg, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    } else {
        rmq_message_ext *reply = NULL;
        long long started = now_ms();
        rmq_status st = rmq_producer_request(producer, msg, 1000, &reply);
        long long waited = now_ms() - started;
        if (st == RMQ_STATUS_OK) {
            /* Someone answered after all: show the reply and free it. */
            const uint8_t *data;
            size_t len;
            if (rmq_message_ext_body(reply, &data, &len) == RMQ_STATUS_OK)
                fprintf(stderr, "unexpected reply: %.*s\n", (int)len, (const char *)data);
            rmq_message_ext_free(reply);
            failed = 1;
        } else if (st == RMQ_STATUS_TIMEOUT) {
            printf("request timed out as expected\nwaited %lld\n", waited);
            fprintf(stderr, "(%s)\n", rmq_last_error());
        } else {
            fprintf(stderr, "request: %s: %s\n", rmq_status_name(st), rmq_last_error());
            failed = 1;
        }
    }
    rmq_message_free(msg);

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    return failed;
}
