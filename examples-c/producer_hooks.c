/*
 * producer_hooks NAMESRV TOPIC
 *
 * Send hooks (Java SendMessageHook / CheckForbiddenHook):
 *   - a before hook that refuses messages tagged "forbidden": it writes a
 *     reason and returns non-zero; the send then fails with
 *     RMQ_STATUS_VETOED without touching the network;
 *   - an after hook that counts outcomes (it is not called for a vetoed
 *     send, which never started).
 * Sends one message tagged "allowed" and one tagged "forbidden". Prints:
 *   allowed SEND_OK <msgId>
 *   vetoed: <reason>
 *   after-hook calls 1
 * Exits 0 on success, 1 when a step fails, 2 on bad usage or setup errors.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "rocketmq.h"

/* The C API has no getters for a message's fields, so the before hook
 * cannot read the tag from `msg`. The before hook runs on the thread that
 * calls the send function, so send_tagged() passes the tag in a
 * thread-local variable. */
static _Thread_local const char *current_tag;

struct outcomes {
    atomic_int ok;
    atomic_int failed;
};

/* Runs before each send on the caller's thread: 0 lets it go on. */
static int32_t refuse_forbidden(void *user_data, const rmq_message *msg, char *reason,
                                size_t reason_capacity) {
    (void)user_data;
    (void)msg;
    if (current_tag != NULL && strcmp(current_tag, "forbidden") == 0) {
        snprintf(reason, reason_capacity, "tag %s is not allowed", current_tag);
        return 1;
    }
    return 0;
}

/* Runs after each send's outcome: exactly one of result, error is set. */
static void count_outcome(void *user_data, const rmq_message *msg, const rmq_send_result *result,
                          const rmq_error_info *error) {
    (void)msg;
    (void)error;
    struct outcomes *o = user_data;
    if (result != NULL)
        atomic_fetch_add(&o->ok, 1);
    else
        atomic_fetch_add(&o->failed, 1);
}

/* Sends a message tagged `tag`; returns the send's status. */
static rmq_status send_tagged(rmq_producer *producer, const char *topic, const char *tag,
                              rmq_send_result *r) {
    rmq_message *msg = rmq_message_new(topic);
    if (msg == NULL) return RMQ_STATUS_INVALID_ARGUMENT;
    rmq_status st = rmq_message_set_tags(msg, tag);
    if (st == RMQ_STATUS_OK) st = rmq_message_set_body(msg, (const uint8_t *)tag, strlen(tag));
    if (st == RMQ_STATUS_OK) {
        current_tag = tag;
        st = rmq_producer_send(producer, msg, r);
        current_tag = NULL;
    }
    rmq_message_free(msg);
    return st;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAMESRV TOPIC\n", argv[0]);
        return 2;
    }
    const char *topic = argv[2];
    /* Hook user data must outlive the producer. */
    static struct outcomes outcomes;
    atomic_init(&outcomes.ok, 0);
    atomic_init(&outcomes.failed, 0);

    rmq_producer *producer = rmq_producer_new("example_hooks_group");
    if (producer == NULL) {
        fprintf(stderr, "rmq_producer_new: %s\n", rmq_last_error());
        return 2;
    }
    /* Hooks are added before start. */
    if (rmq_producer_set(producer, "namesrvAddr", argv[1]) != RMQ_STATUS_OK ||
        rmq_producer_add_send_hook(producer, refuse_forbidden, count_outcome, &outcomes) !=
            RMQ_STATUS_OK ||
        rmq_producer_start(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "setup: %s\n", rmq_last_error());
        rmq_producer_free(producer);
        return 2;
    }

    int failed = 0;
    rmq_send_result r;
    rmq_status st = send_tagged(producer, topic, "allowed", &r);
    if (st == RMQ_STATUS_OK) {
        printf("allowed %s %s\n", rmq_send_status_name(r.status), r.msg_id);
    } else {
        fprintf(stderr, "allowed: %s: %s\n", rmq_status_name(st), rmq_last_error());
        failed = 1;
    }

    st = send_tagged(producer, topic, "forbidden", &r);
    if (st == RMQ_STATUS_VETOED) {
        printf("vetoed: %s\n", rmq_last_error());
    } else {
        fprintf(stderr, "forbidden: expected VETOED, got %s: %s\n", rmq_status_name(st),
                rmq_last_error());
        failed = 1;
    }

    if (rmq_producer_shutdown(producer) != RMQ_STATUS_OK) {
        fprintf(stderr, "shutdown: %s\n", rmq_last_error());
        failed = 1;
    }
    rmq_producer_free(producer);
    printf("after-hook calls %d\n", atomic_load(&outcomes.ok) + atomic_load(&outcomes.failed));
    fprintf(stderr, "after-hook ok %d failed %d\n", atomic_load(&outcomes.ok),
            atomic_load(&outcomes.failed));
    return failed;
}
