// The C side of the Go callbacks: librocketmq calls these functions, which
// pass the cgo.Handle (an integer, never a Go pointer) kept in user_data on
// to the functions rocketmq.go exports.
#include <stdint.h>

#include <rocketmq.h>

#include "_cgo_export.h"

static void on_send(void *user_data, const rmq_send_result *result, const rmq_error_info *error) {
    goSendDone((uintptr_t)user_data, (rmq_send_result *)result, (rmq_error_info *)error);
}

static int32_t on_messages(void *user_data, const rmq_message_ext *const *msgs, size_t count) {
    return goConsume((uintptr_t)user_data, (rmq_message_ext **)msgs, count);
}

enum rmq_status bridge_send_async(rmq_producer *producer, const rmq_message *msg, uintptr_t handle) {
    return rmq_producer_send_async(producer, msg, on_send, (void *)handle);
}

enum rmq_status bridge_set_listener(rmq_push_consumer *consumer, uintptr_t handle) {
    return rmq_push_consumer_set_listener(consumer, on_messages, (void *)handle);
}
