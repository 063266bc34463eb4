/*
 * producer_transaction NAMESRV TOPIC
 *
 * Transactional messages. The producer sends a half message (stored, not
 * yet visible), runs the local transaction (the executor), and tells the
 * broker the outcome: COMMIT makes the message visible, ROLLBACK drops it,
 * UNKNOWN leaves the decision to a later check-back, which the broker asks
 * the producer group's checker (rmq_producer_set_transaction_checker).
 *
 * Three messages: the executor commits message 0, rolls back message 1 and
 * answers UNKNOWN for message 2. Prints one line per message:
 *   tx <index> <COMMIT|ROLLBACK|UNKNOWN> <msgId>
 * The checker of this example commits; the broker calls it only after its
 * check interval (60 s by default), usually after this program has ended.
 * Exits 0 on success, 1 when a step fails, 2 on bad usage or setup errors.
 */
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

static const char *state_name(rmq_transaction_state s) {
    switch (s) {
    case RMQ_TRANSACTION_STATE_COMMIT: return "COMMIT";
    case RMQ_TRANSACTION_STATE_ROLLBACK: return "ROLLBACK";
    case RMQ_TRANSACTION_STATE_UNKNOWN: return "UNKNOWN";
    }
    return "?";
}

/* Answers the broker's check-back about a transaction left UNKNOWN. Runs on
 * the producer's callback thread; `msg` is valid only during the call. */
static int32_t check(void *user_data, const rmq_message_ext *msg) {
    (void)user_data;
    fprintf(stderr, "check-back for %s (transaction %s): COMMIT\n", rmq_message_ext_msg_id(msg),
            rmq_message_ext_property(msg, "__transactionId__"));
    return RMQ_TRANSACTION_STATE_COMMIT;
}

/* The local transaction: runs on the sending thread once the half message
 * is stored. `user_data` is the message's index. */
static int32_t execute(void *user_data, const rmq_message *msg, const rmq_send_result *half) {
    (void)msg;
    int index = *(const int *)user_data;
    fprintf(stderr, "executing local transaction %d (half message %s)\n", index, half->msg_id);
    switch (index) {
    case 0: return RMQ_TRANSACTION_STATE_COMMIT;
    case 1: return RMQ_TRANSACTION_STATE_ROLLBACK;
    default: return RMQ_TRANSACTION_STATE_UNKNOWN;
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    rmq_producer *producer = rmq_producer_new("example_transaction_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    /* The checker must be set before start. */
    if (rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_set_transaction_checker(producer, check, NULL) != RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    int failed = 0;
    /* Committed messages land in TOPIC, which must exist: a plain send
     * creates it when the broker allows auto-creation. */
    rmq_message *msg = rmq_message_new(topic);
    const char *create = "create the topic";
    rmq_send_result r;
    rmq_status st;
    if (msg == NULL ||
        rmq_message_set_body(msg, (const uint8_t *)create, strlen(create)) != RMQ_STATUS_OK) {
        fprintf(stderr, "message: %s\n", rmq_last_error());
        failed = 1;
    } else if ((st = rmq_producer_send(producer, msg, &r)) != RMQ_STATUS_OK) {
        fprintf(stderr, "send: %s: %s\n", rmq_status_name(st), rmq_last_error());
        failed = 1;
    }

    const rmq_transaction_state expected[3] = {RMQ_TRANSACTION_STATE_COMMIT,
                                               RMQ_TRANSACTION_STATE_ROLLBACK,
                                               RMQ_TRANSACTION_STATE_UNKNOWN};
    for (int i = 0; i < 3 && !failed; i++) {
        char body[64];
        snprintf(body, sizeof body, "transaction %d", i);
        if (rmq_message_set_body(msg, (const uint8_t *)body, strlen(body)) != RMQ_STATUS_OK) {
            fprintf(stderr, "message: %s\n", rmq_last_error());
            failed = 1;
            break;
        }
        rmq_transaction_state state;
        st = rmq_producer_send_in_transaction(producer, msg, execute, &i, &r, &state);
        if (st != RMQ_STATUS_OK) {
            fprintf(stderr, "send_in_transaction %d: %s: %s\n", i, rmq_status_name(st),
                    rmq_last_error());
            failed = 1;
        } else if (state != expected[i]) {
            fprintf(stderr, "transaction %d ended %s\n", i, state_name(state));
            failed = 1;
        } else {
            printf("tx %d %s %s\n", i, state_name(state), r.msg_id);
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
