/*
 * producer_acl NAMESRV TOPIC ACCESS_KEY SECRET_KEY
 *
 * Sends one message with ACL v1 signing (accessKey/secretKey) and prints
 * "signed SEND_OK <msgId>"; then shows that a wrong secret key is refused by
 * a broker with authentication enabled: "wrong key refused: <status>".
 * Exits 0 on that outcome, 1 otherwise, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

static rmq_producer *start(const char *namesrv, const char *ak, const char *sk) {
    rmq_producer *p = rmq_producer_new("example_acl_group");
    if (p == NULL || rmq_producer_set(p, "namesrvAddr", namesrv) != RMQ_STATUS_OK ||
        rmq_producer_set(p, "accessKey", ak) != RMQ_STATUS_OK ||
        rmq_producer_set(p, "secretKey", sk) != RMQ_STATUS_OK ||
        rmq_producer_set(p, "retryTimesWhenSendFailed", "0") != RMQ_STATUS_OK ||
        rmq_producer_start(p) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(p);
        return NULL;
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC ACCESS_KEY SECRET_KEY\n", argv[0]);
        return 2;
    }
    rmq_message *msg = rmq_message_new(argv[2]);
    const char *body = "signed message";
    rmq_message_set_body(msg, (const uint8_t *)body, strlen(body));

    int rc = 1;
    rmq_producer *good = start(argv[1], argv[3], argv[4]);
    rmq_producer *bad = start(argv[1], argv[3], "not-the-secret");
    if (good == NULL || bad == NULL) {
        rc = 2;
        goto out;
    }
    rmq_send_result r;
    if (rmq_producer_send(good, msg, &r) != RMQ_STATUS_OK) {
        fprintf(stderr, "signed send failed: %s\n", rmq_last_error());
        goto out;
    }
    printf("signed %s %s\n", rmq_send_status_name(r.status), r.msg_id);
    rmq_status st = rmq_producer_send(bad, msg, &r);
    if (st == RMQ_STATUS_OK) {
        fprintf(stderr, "a wrongly signed send was accepted: is authentication enabled?\n");
        goto out;
    }
    printf("wrong key refused: %s (response code %d)\n", rmq_status_name(st),
           rmq_last_error_response_code());
    rc = 0;
out:
    rmq_message_free(msg);
    rmq_producer_free(good);
    rmq_producer_free(bad);
    return rc;
}
