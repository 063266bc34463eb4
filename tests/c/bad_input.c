/*
 * The bad-input table of the modern C API (tests/bad_input.rs builds and
 * runs it; the legacy API's table is tests/c/bad_input_legacy.c):
 *
 *   bad_input <namesrv> <topic>
 *
 * One row per case: a call with a bad argument or in the wrong state, the
 * status it must return and a fragment of rmq_last_error(). A constructor
 * row expects NULL (status -1 below). No row may crash or hang (each runs
 * under alarm()). After the table, a normal send and a normal consume must
 * still work in the same process. Prints one line per failed row, then
 * "rows=N failed=F" and "after: sent=1 consumed=1".
 */
#include <rocketmq.h>

#define HARNESS_LAST_ERROR() rmq_last_error()
#define HARNESS_CODE_NAME(code) rmq_status_name(code)
#define HARNESS_GROUP_PREFIX "bad"
#include "harness.h"

/* Fixtures, made before the table runs. */
static rmq_producer* fresh;    /* created, not started */
static rmq_producer* started;  /* started on the cluster */
static rmq_producer* stopped;  /* started, then shut down */
static rmq_message* msg;       /* a valid message to `topic` */
static rmq_message* scratch;   /* a message rows may change */
static rmq_batch* batch;       /* empty */
static rmq_pull_consumer* pull_fresh;
static rmq_pull_consumer* pull_stopped;
static rmq_push_consumer* push_fresh;
static rmq_push_consumer* push_stopped;
static rmq_send_result result;
static rmq_message_queue queue;
static const rmq_message_ext* views[4];
static size_t n;
static int64_t offset;
static char buf[64];


static enum rmq_status send_topic(const char* t, const uint8_t* body, size_t len) {
  enum rmq_status s = rmq_message_set_topic(scratch, t);
  if (s != RMQ_STATUS_OK) return s;
  s = rmq_message_set_body(scratch, body, len);
  if (s != RMQ_STATUS_OK) return s;
  return rmq_producer_send(started, scratch, &result);
}

static enum rmq_status send_batch_of(size_t count, size_t body) {
  rmq_batch* b = rmq_batch_new();
  rmq_message* m = rmq_message_new(topic);
  rmq_message_set_body(m, (const uint8_t*)big_body, body);
  for (size_t i = 0; i < count; i++) rmq_batch_add(b, m);
  enum rmq_status s = rmq_producer_send_batch(started, b, &result);
  rmq_batch_free(b);
  rmq_message_free(m);
  return s;
}

static void on_send(void* user_data, const rmq_send_result* r, const rmq_error_info* e);
static int32_t on_consume(void* user_data, const rmq_message_ext* const* msgs, size_t count);

/* What the async-callback row saw from inside the callback. */
static volatile int in_callback_shutdown = -100;
static volatile int in_callback_free = -100;
static char in_callback_text[256];
static volatile int callback_done = 0;
static enum rmq_status inside_send_callback(void) {
  callback_done = 0;
  enum rmq_status s = rmq_producer_send_async(started, msg, on_send, (void*)1);
  if (s != RMQ_STATUS_OK) return s;
  for (int i = 0; i < 1000 && !callback_done; i++) usleep(10000);
  if (!callback_done) return RMQ_STATUS_TIMEOUT;
  if (in_callback_free != RMQ_STATUS_INVALID_STATE) return (enum rmq_status)in_callback_free;
  fprintf(stderr, "in callback: %s\n", in_callback_text);
  return (enum rmq_status)in_callback_shutdown;
}


#define ROWS(X)                                                                                     \
  /* Constructors: NULL and invalid UTF-8 for every string, empty groups. */                      \
  X(producer_new_null, CTOR(rmq_producer_new(NULL), rmq_producer_free), NEW_NULL, "group is NULL") \
  X(producer_new_bad_utf8, CTOR(rmq_producer_new(BAD_UTF8), rmq_producer_free), NEW_NULL, "not valid UTF-8") \
  X(producer_new_empty, CTOR(rmq_producer_new(""), rmq_producer_free), NEW_NULL, "must not be empty") \
  X(pull_new_null, CTOR(rmq_pull_consumer_new(NULL), rmq_pull_consumer_free), NEW_NULL, "group is NULL") \
  X(pull_new_bad_utf8, CTOR(rmq_pull_consumer_new(BAD_UTF8), rmq_pull_consumer_free), NEW_NULL, "not valid UTF-8") \
  X(pull_new_empty, CTOR(rmq_pull_consumer_new(""), rmq_pull_consumer_free), NEW_NULL, "must not be empty") \
  X(push_new_null, CTOR(rmq_push_consumer_new(NULL), rmq_push_consumer_free), NEW_NULL, "group is NULL") \
  X(push_new_bad_utf8, CTOR(rmq_push_consumer_new(BAD_UTF8), rmq_push_consumer_free), NEW_NULL, "not valid UTF-8") \
  X(push_new_empty, CTOR(rmq_push_consumer_new(""), rmq_push_consumer_free), NEW_NULL, "must not be empty") \
  X(message_new_null, CTOR(rmq_message_new(NULL), rmq_message_free), NEW_NULL, "topic is NULL") \
  X(message_new_bad_utf8, CTOR(rmq_message_new(BAD_UTF8), rmq_message_free), NEW_NULL, "not valid UTF-8") \
  /* Producer configuration. */                                                                   \
  X(set_null_producer, rmq_producer_set(NULL, "sendMsgTimeout", "1"), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(set_null_key, rmq_producer_set(fresh, NULL, "1"), RMQ_STATUS_INVALID_ARGUMENT, "key is NULL") \
  X(set_null_value, rmq_producer_set(fresh, "sendMsgTimeout", NULL), RMQ_STATUS_INVALID_ARGUMENT, "value is NULL") \
  X(set_bad_utf8_key, rmq_producer_set(fresh, BAD_UTF8, "1"), RMQ_STATUS_INVALID_ARGUMENT, "key is not valid UTF-8") \
  X(set_bad_utf8_value, rmq_producer_set(fresh, "namesrvAddr", BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "value is not valid UTF-8") \
  X(set_unknown_key, rmq_producer_set(fresh, "noSuchKey", "1"), RMQ_STATUS_UNKNOWN_CONFIG_KEY, "noSuchKey") \
  X(set_empty_key, rmq_producer_set(fresh, "", "1"), RMQ_STATUS_UNKNOWN_CONFIG_KEY, NULL) \
  X(set_timeout_negative, rmq_producer_set(fresh, "sendMsgTimeout", "-1"), RMQ_STATUS_INVALID_ARGUMENT, "sendMsgTimeout") \
  X(set_timeout_not_a_number, rmq_producer_set(fresh, "sendMsgTimeout", "soon"), RMQ_STATUS_INVALID_ARGUMENT, "sendMsgTimeout") \
  X(set_compress_brotli, rmq_producer_set(fresh, "compressType", "brotli"), RMQ_STATUS_INVALID_ARGUMENT, "brotli") \
  X(set_compress_level_negative, rmq_producer_set(fresh, "compressLevel", "-2"), RMQ_STATUS_INVALID_ARGUMENT, "compressLevel") \
  X(set_compress_level_10, rmq_producer_set(fresh, "compressLevel", "10"), RMQ_STATUS_INVALID_ARGUMENT, "compressLevel") /* zlib 0..=9 */ \
  X(set_namesrv_colon, rmq_producer_set(fresh, "namesrvAddr", ":"), RMQ_STATUS_INVALID_ARGUMENT, "is not host:port") \
  X(set_namesrv_no_port, rmq_producer_set(fresh, "namesrvAddr", "127.0.0.1:1;host"), RMQ_STATUS_INVALID_ARGUMENT, "is not host:port") \
  X(set_max_size_negative, rmq_producer_set(fresh, "maxMessageSize", "-5"), RMQ_STATUS_INVALID_ARGUMENT, "maxMessageSize") \
  X(set_retries_huge, rmq_producer_set(fresh, "retryTimesWhenSendFailed", "99999999999999999999"), RMQ_STATUS_INVALID_ARGUMENT, "retryTimesWhenSendFailed") \
  X(set_bool_garbage, rmq_producer_set(fresh, "vipChannelEnabled", "maybe"), RMQ_STATUS_INVALID_ARGUMENT, "vipChannelEnabled") \
  X(set_after_start, rmq_producer_set(started, "sendMsgTimeout", "1000"), RMQ_STATUS_INVALID_STATE, NULL) \
  X(set_after_shutdown, rmq_producer_set(stopped, "sendMsgTimeout", "1000"), RMQ_STATUS_INVALID_STATE, NULL) \
  /* Lifecycle in the wrong state. */                                                             \
  X(start_null, rmq_producer_start(NULL), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(start_twice, rmq_producer_start(started), RMQ_STATUS_INVALID_STATE, NULL) \
  X(start_after_shutdown, rmq_producer_start(stopped), RMQ_STATUS_INVALID_STATE, NULL) \
  X(shutdown_null, rmq_producer_shutdown(NULL), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(shutdown_twice, rmq_producer_shutdown(stopped), RMQ_STATUS_OK, NULL) \
  X(free_null, rmq_producer_free(NULL), RMQ_STATUS_OK, NULL) \
  /* Sends: NULL for every pointer, wrong states. */                                              \
  X(send_null_producer, rmq_producer_send(NULL, msg, &result), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(send_null_msg, rmq_producer_send(started, NULL, &result), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(send_null_result, rmq_producer_send(started, msg, NULL), RMQ_STATUS_INVALID_ARGUMENT, "result is NULL") \
  X(send_before_start, rmq_producer_send(fresh, msg, &result), RMQ_STATUS_INVALID_STATE, NULL) \
  X(send_after_shutdown, rmq_producer_send(stopped, msg, &result), RMQ_STATUS_SHUTDOWN, "shut down") \
  X(send_async_null_callback, rmq_producer_send_async(started, msg, NULL, NULL), RMQ_STATUS_INVALID_ARGUMENT, "callback is NULL") \
  X(send_async_null_msg, rmq_producer_send_async(started, NULL, on_send, NULL), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(send_async_before_start, rmq_producer_send_async(fresh, msg, on_send, NULL), RMQ_STATUS_INVALID_STATE, NULL) \
  X(send_async_after_shutdown, rmq_producer_send_async(stopped, msg, on_send, NULL), RMQ_STATUS_SHUTDOWN, "shut down") \
  X(send_oneway_null_producer, rmq_producer_send_oneway(NULL, msg), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(send_oneway_null_msg, rmq_producer_send_oneway(started, NULL), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(send_oneway_after_shutdown, rmq_producer_send_oneway(stopped, msg), RMQ_STATUS_SHUTDOWN, "shut down") \
  X(send_by_key_null_key, rmq_producer_send_orderly_by_key(started, msg, NULL, &result), RMQ_STATUS_INVALID_ARGUMENT, "key is NULL") \
  X(send_by_key_bad_utf8_key, rmq_producer_send_orderly_by_key(started, msg, BAD_UTF8, &result), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(send_to_queue_null_queue, rmq_producer_send_to_queue(started, msg, NULL, &result), RMQ_STATUS_INVALID_ARGUMENT, "mq is NULL") \
  X(flush_null, rmq_producer_flush(NULL, 10, &n), RMQ_STATUS_INVALID_ARGUMENT, "producer is NULL") \
  X(flush_before_start, rmq_producer_flush(fresh, 10, &n), RMQ_STATUS_INVALID_STATE, NULL) \
  X(stats_null_length, rmq_producer_stats(started, buf, sizeof buf, NULL), RMQ_STATUS_INVALID_ARGUMENT, "NULL") \
  X(stats_null_buf_with_capacity, rmq_producer_stats(started, NULL, 10, &n), RMQ_STATUS_INVALID_ARGUMENT, "NULL") \
  X(stats_too_small, rmq_producer_stats(started, buf, 4, &n), RMQ_STATUS_INVALID_ARGUMENT, "capacity") \
  X(queues_bad_utf8_topic, rmq_producer_queues(started, BAD_UTF8, &queue, 1, &n), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(hook_both_null, rmq_producer_add_send_hook(fresh, NULL, NULL, NULL), RMQ_STATUS_INVALID_ARGUMENT, "both hooks are NULL") \
  X(in_send_callback_shutdown_and_free, inside_send_callback(), RMQ_STATUS_INVALID_STATE, NULL) \
  /* Topics and bodies. */                                                                        \
  X(topic_empty, send_topic("", (const uint8_t*)"x", 1), RMQ_STATUS_INVALID_TOPIC, "empty") \
  X(topic_128_chars, send_topic(topic128, (const uint8_t*)"x", 1), RMQ_STATUS_INVALID_TOPIC, "at most 127") \
  X(topic_percent_only, send_topic("%%%", (const uint8_t*)"x", 1), RMQ_STATUS_OK, NULL) /* valid in Java too */ \
  X(topic_system_schedule, send_topic("SCHEDULE_TOPIC_XXXX", (const uint8_t*)"x", 1), RMQ_STATUS_INVALID_TOPIC, "system topic") \
  X(topic_system_trans_half, send_topic("RMQ_SYS_TRANS_HALF_TOPIC", (const uint8_t*)"x", 1), RMQ_STATUS_INVALID_TOPIC, "system topic") \
  X(topic_with_space, send_topic("a b", (const uint8_t*)"x", 1), RMQ_STATUS_INVALID_TOPIC, "only [%|a-zA-Z0-9_-]") \
  X(topic_set_bad_utf8, rmq_message_set_topic(scratch, BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(body_empty, send_topic(topic, NULL, 0), RMQ_STATUS_INVALID_MESSAGE, "body") \
  X(body_null_with_length, rmq_message_set_body(scratch, NULL, 5), RMQ_STATUS_INVALID_ARGUMENT, "body is NULL") \
  X(body_over_4_mib, send_topic(topic, (const uint8_t*)big_body, sizeof big_body), RMQ_STATUS_MESSAGE_TOO_LARGE, NULL) \
  X(body_size_negative, rmq_message_set_body(scratch, (const uint8_t*)"x", (size_t)-1), RMQ_STATUS_INVALID_ARGUMENT, "negative size") \
  /* Message setters. */                                                                          \
  X(msg_set_tags_null_msg, rmq_message_set_tags(NULL, "a"), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(msg_set_tags_null, rmq_message_set_tags(scratch, NULL), RMQ_STATUS_INVALID_ARGUMENT, "is NULL") \
  X(msg_set_tags_bad_utf8, rmq_message_set_tags(scratch, BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(msg_set_keys_bad_utf8, rmq_message_set_keys(scratch, BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(msg_set_property_null_name, rmq_message_set_property(scratch, NULL, "v"), RMQ_STATUS_INVALID_ARGUMENT, "is NULL") \
  X(msg_set_property_bad_utf8_value, rmq_message_set_property(scratch, "k", BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(msg_delay_level_negative, rmq_message_set_delay_level(scratch, -1), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(msg_delay_ms_negative, rmq_message_set_delay_ms(scratch, -1), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(msg_delivery_negative, rmq_message_set_delivery_timestamp(scratch, -1), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  /* Batches. */                                                                                  \
  X(batch_add_null_batch, rmq_batch_add(NULL, msg), RMQ_STATUS_INVALID_ARGUMENT, "batch is NULL") \
  X(batch_add_null_msg, rmq_batch_add(batch, NULL), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(batch_send_null_batch, rmq_producer_send_batch(started, NULL, &result), RMQ_STATUS_INVALID_ARGUMENT, "batch is NULL") \
  X(batch_send_empty, rmq_producer_send_batch(started, batch, &result), RMQ_STATUS_INVALID_MESSAGE, NULL) \
  X(batch_oversized, send_batch_of(64, 128 * 1024), RMQ_STATUS_MESSAGE_TOO_LARGE, NULL) \
  X(batch_msg_id_out_of_range, rmq_batch_msg_id(batch, 99) == NULL ? RMQ_STATUS_OK : -2, RMQ_STATUS_OK, NULL) \
  /* Pull consumer. */                                                                            \
  X(pull_set_null_consumer, rmq_pull_consumer_set(NULL, "pullBatchSize", "1"), RMQ_STATUS_INVALID_ARGUMENT, "consumer is NULL") \
  X(pull_set_unknown_key, rmq_pull_consumer_set(pull_fresh, "noSuchKey", "1"), RMQ_STATUS_UNKNOWN_CONFIG_KEY, "noSuchKey") \
  X(pull_set_batch_negative, rmq_pull_consumer_set(pull_fresh, "pullBatchSize", "-1"), RMQ_STATUS_INVALID_ARGUMENT, "pullBatchSize") \
  X(pull_set_bad_utf8_value, rmq_pull_consumer_set(pull_fresh, "namesrvAddr", BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(pull_subscribe_null_topic, rmq_pull_consumer_subscribe(pull_fresh, NULL, "*"), RMQ_STATUS_INVALID_ARGUMENT, "topic is NULL") \
  X(pull_subscribe_bad_utf8_expression, rmq_pull_consumer_subscribe(pull_fresh, topic, BAD_UTF8), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(pull_poll_before_start, rmq_pull_consumer_poll(pull_fresh, 0, views, 4, &n), RMQ_STATUS_INVALID_STATE, NULL) \
  X(pull_poll_null_msgs, rmq_pull_consumer_poll(pull_fresh, 0, NULL, 4, &n), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_poll_null_count, rmq_pull_consumer_poll(pull_fresh, 0, views, 4, NULL), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_poll_negative_timeout, rmq_pull_consumer_poll(pull_fresh, -5, views, 4, &n), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_poll_after_shutdown, rmq_pull_consumer_poll(pull_stopped, 0, views, 4, &n), RMQ_STATUS_SHUTDOWN, NULL) \
  X(pull_commit_before_start, rmq_pull_consumer_commit(pull_fresh), RMQ_STATUS_INVALID_STATE, NULL) \
  X(pull_seek_null_queue, rmq_pull_consumer_seek(pull_fresh, NULL, 0), RMQ_STATUS_INVALID_ARGUMENT, "mq is NULL") \
  X(pull_seek_negative, rmq_pull_consumer_seek(pull_fresh, &queue, -1), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_committed_null_out, rmq_pull_consumer_committed(pull_fresh, &queue, NULL), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_max_offset_before_start, rmq_pull_consumer_max_offset(pull_fresh, &queue, &offset), RMQ_STATUS_INVALID_STATE, NULL) \
  X(pull_assign_null_with_count, rmq_pull_consumer_assign(pull_fresh, NULL, 3), RMQ_STATUS_INVALID_ARGUMENT, NULL) \
  X(pull_start_after_shutdown, rmq_pull_consumer_start(pull_stopped), RMQ_STATUS_INVALID_STATE, "shut down") \
  X(pull_shutdown_null, rmq_pull_consumer_shutdown(NULL), RMQ_STATUS_INVALID_ARGUMENT, "consumer is NULL") \
  X(pull_free_null, rmq_pull_consumer_free(NULL), RMQ_STATUS_OK, NULL) \
  /* Push consumer. */                                                                            \
  X(push_set_null_consumer, rmq_push_consumer_set(NULL, "consumeThreadCount", "1"), RMQ_STATUS_INVALID_ARGUMENT, "consumer is NULL") \
  X(push_set_threads_zero, rmq_push_consumer_set(push_fresh, "consumeThreadCount", "0"), RMQ_STATUS_INVALID_ARGUMENT, "consumeThreadCount") \
  X(push_set_threads_negative, rmq_push_consumer_set(push_fresh, "consumeThreadCount", "-3"), RMQ_STATUS_INVALID_ARGUMENT, "consumeThreadCount") \
  X(push_set_unknown_key, rmq_push_consumer_set(push_fresh, "noSuchKey", "1"), RMQ_STATUS_UNKNOWN_CONFIG_KEY, "noSuchKey") \
  X(push_subscribe_null_expression, rmq_push_consumer_subscribe(push_fresh, topic, NULL), RMQ_STATUS_INVALID_ARGUMENT, "expression is NULL") \
  X(push_subscribe_bad_utf8_topic, rmq_push_consumer_subscribe(push_fresh, BAD_UTF8, "*"), RMQ_STATUS_INVALID_ARGUMENT, "not valid UTF-8") \
  X(push_listener_null, rmq_push_consumer_set_listener(push_fresh, NULL, NULL), RMQ_STATUS_INVALID_ARGUMENT, "callback is NULL") \
  X(push_start_without_listener, rmq_push_consumer_start(push_fresh), RMQ_STATUS_INVALID_STATE, NULL) \
  X(push_start_after_shutdown, rmq_push_consumer_start(push_stopped), RMQ_STATUS_SHUTDOWN, NULL) \
  X(push_shutdown_null, rmq_push_consumer_shutdown(NULL), RMQ_STATUS_INVALID_ARGUMENT, "consumer is NULL") \
  X(push_free_null, rmq_push_consumer_free(NULL), RMQ_STATUS_OK, NULL) \
  /* Views and names. */                                                                          \
  X(ext_body_null_msg, rmq_message_ext_body(NULL, NULL, NULL), RMQ_STATUS_INVALID_ARGUMENT, "msg is NULL") \
  X(ext_topic_null, rmq_message_ext_topic(NULL) == NULL ? RMQ_STATUS_OK : -2, RMQ_STATUS_OK, NULL) \
  X(status_name_out_of_enum, strcmp(rmq_status_name(-7), "UNKNOWN") == 0 ? RMQ_STATUS_OK : -2, RMQ_STATUS_OK, NULL) \
  X(log_level_out_of_range, rmq_set_log_callback(NULL, NULL, 9), RMQ_STATUS_INVALID_ARGUMENT, "max_level")

ROWS(ROW_DEFINE)
static const struct row rows[] = {ROWS(ROW_ENTRY)};

static void on_send(void* user_data, const rmq_send_result* r, const rmq_error_info* e) {
  (void)r;
  (void)e;
  if (user_data == (void*)1) {
    in_callback_free = rmq_producer_free(started);
    in_callback_shutdown = rmq_producer_shutdown(started);
    snprintf(in_callback_text, sizeof in_callback_text, "%s", rmq_last_error());
    callback_done = 1;
  }
}

/* The consume phase: the first delivery answers a value outside the enum
 * (a redelivery must follow), the second one SUCCESS. */
static volatile int shutdown_inside = -100;
static rmq_push_consumer* consumer;
static int32_t on_consume(void* user_data, const rmq_message_ext* const* msgs, size_t count) {
  (void)user_data;
  for (size_t i = 0; i < count; i++) {
    if (strcmp(rmq_message_ext_keys(msgs[i]), "after-table") != 0) continue;
    deliveries++;
    if (rmq_message_ext_reconsume_times(msgs[i]) > 0) redelivered = 1;
    if (deliveries == 1) {
      shutdown_inside = rmq_push_consumer_shutdown(consumer);
      return 42; /* outside rmq_consume_status: counts as RECONSUME_LATER */
    }
  }
  return RMQ_CONSUME_SUCCESS;
}

static rmq_producer* new_started(void) {
  rmq_producer* p = rmq_producer_new(group("producer"));
  rmq_producer_set(p, "namesrvAddr", ns);
  rmq_producer_set(p, "sendMsgTimeout", "5000");
  setup_ok(rmq_producer_start(p) == RMQ_STATUS_OK, "start");
  return p;
}

int main(int argc, char** argv) {
  table_args(argc, argv);

  fresh = rmq_producer_new(group("fresh"));
  started = new_started();
  stopped = new_started();
  rmq_producer_shutdown(stopped);
  msg = rmq_message_new(topic);
  rmq_message_set_body(msg, (const uint8_t*)"table", 5);
  scratch = rmq_message_new(topic);
  batch = rmq_batch_new();
  pull_fresh = rmq_pull_consumer_new(group("pull"));
  pull_stopped = rmq_pull_consumer_new(group("pull"));
  rmq_pull_consumer_set(pull_stopped, "namesrvAddr", ns);
  rmq_pull_consumer_subscribe(pull_stopped, topic, "*");
  rmq_pull_consumer_start(pull_stopped);
  rmq_pull_consumer_shutdown(pull_stopped);
  push_fresh = rmq_push_consumer_new(group("push"));
  push_stopped = rmq_push_consumer_new(group("push"));
  rmq_push_consumer_shutdown(push_stopped);
  snprintf(queue.topic, sizeof queue.topic, "%s", topic);
  snprintf(queue.broker_name, sizeof queue.broker_name, "broker-a");

  int failed = run_rows(rows, (int)(sizeof rows / sizeof rows[0]));

  /* After the table: a normal send and consume in the same process. */
  alarm(120);
  consumer = rmq_push_consumer_new(group("after"));
  rmq_push_consumer_set(consumer, "namesrvAddr", ns);
  rmq_push_consumer_set(consumer, "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET");
  rmq_push_consumer_subscribe(consumer, topic, "*");
  rmq_push_consumer_set_listener(consumer, on_consume, NULL);
  int consumer_started = rmq_push_consumer_start(consumer) == RMQ_STATUS_OK;
  rmq_producer* p = new_started();
  rmq_message* m = rmq_message_new(topic);
  rmq_message_set_keys(m, "after-table");
  rmq_message_set_body(m, (const uint8_t*)"after", 5);
  int sent = rmq_producer_send(p, m, &result) == RMQ_STATUS_OK;
  int after_ok = after_table(sent, consumer_started, &shutdown_inside, RMQ_STATUS_INVALID_STATE);
  rmq_message_free(m);
  rmq_producer_free(p);
  rmq_push_consumer_free(consumer);
  return failed == 0 && after_ok ? 0 : 1;
}
