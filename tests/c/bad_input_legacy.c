/*
 * The bad-input table of the legacy rocketmq-client-cpp C API (a file of
 * its own: the legacy headers and include/rocketmq.h are not meant for one
 * translation unit). tests/bad_input.rs builds and runs it:
 *
 *   bad_input_legacy <namesrv> <topic>
 *
 * One row per case: the legacy code the call must return and a fragment of
 * GetLatestErrorMessage() (NULL: not checked). A constructor row expects
 * NULL (-1). No row may crash or hang (alarm()). After the table a normal
 * send and a normal consume (push) must still work in the same process.
 */
#include <rocketmq/CBatchMessage.h>
#include <rocketmq/CErrorMessage.h>
#include <rocketmq/CMessage.h>
#include <rocketmq/CMessageExt.h>
#include <rocketmq/CProducer.h>
#include <rocketmq/CPullConsumer.h>
#include <rocketmq/CPushConsumer.h>

#define HARNESS_LAST_ERROR() GetLatestErrorMessage()
#define HARNESS_GROUP_PREFIX "badl"
#include "harness.h"

static CProducer* fresh;
static CProducer* started;
static CMessage* msg;
static CMessage* scratch;
static CBatchMessage* batch;
static CPullConsumer* pull_fresh;
static CPushConsumer* push_fresh;
static CSendResult result;
static CMessageQueue queue;
static CMessageQueue* mqs;
static int size;

static int send_topic(const char* t, const char* body) {
  int rc = SetMessageTopic(scratch, t);
  if (rc != OK) return rc;
  rc = SetByteMessageBody(scratch, body, (int)strlen(body));
  if (rc != OK) return rc;
  return SendMessageSync(started, scratch, &result);
}

static int send_big(void) {
  SetMessageTopic(scratch, topic);
  SetByteMessageBody(scratch, big_body, 200 * 1024); /* over the legacy 128 KiB */
  return SendMessageSync(started, scratch, &result);
}

static int send_batch_of(int count) {
  CBatchMessage* b = CreateBatchMessage();
  CMessage* m = CreateMessage(topic);
  SetByteMessageBody(m, big_body, 64 * 1024);
  for (int i = 0; i < count; i++) AddMessage(b, m);
  int rc = SendBatchMessage(started, b, &result);
  DestroyBatchMessage(b);
  DestroyMessage(m);
  return rc;
}

static int start_with_namesrv(const char* addr) {
  CProducer* p = CreateProducer("badl_namesrv");
  SetProducerNameServerAddress(p, addr); /* stored as given, checked at start */
  int rc = StartProducer(p);
  DestroyProducer(p);
  return rc;
}

static int null_selector(int n, CMessage* m, void* arg) {
  (void)n;
  (void)m;
  (void)arg;
  return 0;
}
static int bad_selector(int n, CMessage* m, void* arg) {
  (void)m;
  (void)arg;
  return n + 5; /* out of range */
}
static void on_success(CSendResult r) { (void)r; }
static void on_exception(CMQException e) { (void)e; }
static int on_message(CPushConsumer* c, CMessageExt* m);



#define ROWS(X)                                                                                   \
  X(create_producer_null, CTOR(CreateProducer(NULL), DestroyProducer), NEW_NULL, NULL)           \
  X(create_pull_null, CTOR(CreatePullConsumer(NULL), DestroyPullConsumer), NEW_NULL, NULL)       \
  X(create_push_null, CTOR(CreatePushConsumer(NULL), DestroyPushConsumer), NEW_NULL, NULL)       \
  X(create_message_null, CTOR(CreateMessage(NULL), DestroyMessage), OK, NULL) /* legacy */              \
  X(create_producer_bad_utf8, CTOR(CreateProducer(BAD_UTF8), DestroyProducer), OK, NULL)         \
  X(destroy_producer_null, DestroyProducer(NULL), NULL_POINTER, "is NULL")                       \
  X(start_producer_null, StartProducer(NULL), NULL_POINTER, "is NULL")                           \
  X(shutdown_producer_null, ShutdownProducer(NULL), NULL_POINTER, "is NULL")                     \
  X(set_namesrv_null_producer, SetProducerNameServerAddress(NULL, "x:1"), NULL_POINTER, NULL)    \
  X(set_namesrv_null, SetProducerNameServerAddress(fresh, NULL), PRODUCER_START_FAILED, "is NULL") \
  X(set_timeout_negative, SetProducerSendMsgTimeout(fresh, -1), OK, NULL)     \
  X(set_compress_level_negative, SetProducerCompressLevel(fresh, -3), OK, NULL) \
  X(set_max_size_negative, SetProducerMaxMessageSize(fresh, -1), OK, NULL)    \
  X(start_namesrv_colon, start_with_namesrv(":"), PRODUCER_START_FAILED, "\":\" is not host:port") \
  X(set_log_size_negative, SetProducerLogFileNumAndSize(fresh, -1, -1), OK, NULL)               \
  X(set_log_level_out_of_enum, SetProducerLogLevel(fresh, (CLogLevel)99), OK, NULL)             \
  X(set_ssl_file_null, SetProducerSslPropertyFile(fresh, NULL), PRODUCER_START_FAILED, "is NULL") \
  X(set_after_start, SetProducerSendMsgTimeout(started, 1000), PRODUCER_START_FAILED, "before StartProducer") \
  X(send_sync_null_producer, SendMessageSync(NULL, msg, &result), NULL_POINTER, "is NULL")       \
  X(send_sync_null_msg, SendMessageSync(started, NULL, &result), NULL_POINTER, "is NULL")        \
  X(send_sync_null_result, SendMessageSync(started, msg, NULL), NULL_POINTER, "is NULL")         \
  X(send_sync_before_start, SendMessageSync(fresh, msg, &result), PRODUCER_SEND_SYNC_FAILED, NULL) \
  X(send_oneway_null_msg, SendMessageOneway(started, NULL), NULL_POINTER, "is NULL")             \
  X(send_async_null_callbacks, SendMessageAsync(started, msg, NULL, NULL), NULL_POINTER, NULL)   \
  X(send_async_before_start, SendMessageAsync(fresh, msg, on_success, on_exception), PRODUCER_SEND_ASYNC_FAILED, NULL) \
  X(send_orderly_null_selector, SendMessageOrderly(started, msg, NULL, NULL, 1, &result), NULL_POINTER, NULL) \
  X(send_orderly_selector_out_of_range, SendMessageOrderly(started, msg, bad_selector, &size, 1, &result), PRODUCER_SEND_ORDERLY_FAILED, NULL) \
  X(send_orderly_negative_retries, SendMessageOrderly(started, msg, null_selector, &size, -4, &result), PRODUCER_SEND_ORDERLY_FAILED, "autoRetryTimes -4") \
  X(send_sharding_null_key, SendMessageOrderlyByShardingKey(started, msg, NULL, &result), NULL_POINTER, NULL) \
  X(send_oneway_orderly_out_of_range, SendMessageOnewayOrderly(started, msg, bad_selector, NULL), PRODUCER_SEND_ONEWAY_FAILED, NULL) \
  X(topic_empty, send_topic("", "x"), PRODUCER_SEND_SYNC_FAILED, "empty")                        \
  X(topic_128_chars, send_topic(topic128, "x"), PRODUCER_SEND_SYNC_FAILED, "at most 127")        \
  X(topic_percent_only, send_topic("%%%", "x"), OK, NULL)                 \
  X(topic_system, send_topic("SCHEDULE_TOPIC_XXXX", "x"), PRODUCER_SEND_SYNC_FAILED, "system topic") \
  X(topic_bad_utf8, send_topic(BAD_UTF8, "x"), PRODUCER_SEND_SYNC_FAILED, NULL)                  \
  X(body_empty, send_topic(topic, ""), PRODUCER_SEND_SYNC_FAILED, NULL)                          \
  X(body_over_128_kib, send_big(), PRODUCER_SEND_SYNC_FAILED, NULL)                              \
  X(byte_body_negative_length, SetByteMessageBody(scratch, "x", -1), NULL_POINTER, NULL)         \
  X(byte_body_null, SetByteMessageBody(scratch, NULL, 4), NULL_POINTER, NULL)                    \
  X(message_topic_null, SetMessageTopic(scratch, NULL), NULL_POINTER, NULL)                      \
  X(message_tags_null_msg, SetMessageTags(NULL, "a"), NULL_POINTER, NULL)                        \
  X(message_property_null_key, SetMessageProperty(scratch, NULL, "v"), NULL_POINTER, NULL)       \
  X(message_delay_negative, SetDelayTimeLevel(scratch, -9), OK, NULL)                            \
  X(message_get_body_null, GetOriginMessageBody(NULL) == NULL ? OK : -2, OK, NULL)               \
  X(message_ext_id_null, GetMessageId(NULL) == NULL ? OK : -2, OK, NULL)                         \
  X(batch_add_null_msg, AddMessage(batch, NULL), NULL_POINTER, NULL)                             \
  X(batch_add_null_batch, AddMessage(NULL, msg), NULL_POINTER, NULL)                             \
  X(batch_send_empty, SendBatchMessage(started, batch, &result), PRODUCER_SEND_SYNC_FAILED, NULL) \
  X(batch_send_null, SendBatchMessage(started, NULL, &result), NULL_POINTER, NULL)               \
  X(batch_oversized, send_batch_of(80), PRODUCER_SEND_SYNC_FAILED, NULL)                         \
  X(pull_start_null, StartPullConsumer(NULL), NULL_POINTER, "is NULL")                           \
  X(pull_start_no_namesrv_default_group, StartPullConsumer(pull_fresh), PULLCONSUMER_START_FAILED, NULL) \
  X(pull_fetch_before_start, FetchSubscriptionMessageQueues(pull_fresh, topic, &mqs, &size), PULLCONSUMER_FETCH_MQ_FAILED, NULL) \
  X(pull_fetch_null_out, FetchSubscriptionMessageQueues(pull_fresh, topic, NULL, &size), NULL_POINTER, NULL) \
  X(pull_fetch_null_topic, FetchSubscriptionMessageQueues(pull_fresh, NULL, &mqs, &size), NULL_POINTER, NULL) \
  X(pull_before_start, Pull(pull_fresh, &queue, "*", 0, 8).pullStatus, E_BROKER_TIMEOUT, NULL)  \
  X(pull_negative_max, Pull(pull_fresh, &queue, "*", 0, -1).pullStatus, E_BROKER_TIMEOUT, "maxNums") \
  X(pull_negative_offset, Pull(pull_fresh, &queue, "*", -5, 8).pullStatus, E_BROKER_TIMEOUT, "negative") \
  X(pull_null_queue, Pull(pull_fresh, NULL, "*", 0, 8).pullStatus, E_BROKER_TIMEOUT, "is NULL")  \
  X(pull_release_queues_null, ReleaseSubscriptionMessageQueue(NULL), NULL_POINTER, NULL)         \
  X(pull_set_group_null, SetPullConsumerGroupID(pull_fresh, NULL), NULL_POINTER, NULL)           \
  X(push_start_null, StartPushConsumer(NULL), NULL_POINTER, "is NULL")                           \
  X(push_start_without_callback, StartPushConsumer(push_fresh), PUSHCONSUMER_START_FAILED, NULL) \
  X(push_subscribe_null_topic, Subscribe(push_fresh, NULL, "*"), NULL_POINTER, NULL)             \
  X(push_register_null_callback, RegisterMessageCallback(push_fresh, NULL), NULL_POINTER, NULL)  \
  X(push_threads_negative, SetPushConsumerThreadCount(push_fresh, -2), OK, "ignored")       \
  X(push_batch_zero, SetPushConsumerMessageBatchMaxSize(push_fresh, 0), NULL_POINTER, NULL)      \
  X(push_model_out_of_enum, SetPushConsumerMessageModel(push_fresh, (CMessageModel)7), OK, "will fail") \
  X(push_cache_negative, SetPushConsumerMaxCacheMessageSize(push_fresh, -1), NULL_POINTER, NULL) \
  X(push_shutdown_null, ShutdownPushConsumer(NULL), NULL_POINTER, "is NULL")                     \
  X(push_destroy_null, DestroyPushConsumer(NULL), NULL_POINTER, "is NULL")

ROWS(ROW_DEFINE)
static const struct row rows[] = {ROWS(ROW_ENTRY)};

/* The consume phase: the first delivery answers 42 (outside
 * CConsumeStatus: reconsume later) and calls ShutdownPushConsumer (refused
 * from a callback); a redelivery must follow. */
static volatile int shutdown_inside = -100;
static int on_message(CPushConsumer* c, CMessageExt* m) {
  const char* keys = GetMessageKeys(m);
  if (keys == NULL || strcmp(keys, "after-table") != 0) return E_CONSUME_SUCCESS;
  deliveries++;
  if (GetMessageReconsumeTimes(m) > 0) redelivered = 1;
  if (deliveries == 1) {
    shutdown_inside = ShutdownPushConsumer(c);
    return 42;
  }
  return E_CONSUME_SUCCESS;
}

static CProducer* new_started(const char* g) {
  CProducer* p = CreateProducer(g);
  SetProducerNameServerAddress(p, ns);
  SetProducerSendMsgTimeout(p, 5000);
  setup_ok(StartProducer(p) == OK, "start");
  return p;
}

int main(int argc, char** argv) {
  table_args(argc, argv);

  fresh = CreateProducer(group("fresh"));
  started = new_started(group("started"));
  msg = CreateMessage(topic);
  SetMessageBody(msg, "table");
  scratch = CreateMessage(topic);
  batch = CreateBatchMessage();
  pull_fresh = CreatePullConsumer("");
  push_fresh = CreatePushConsumer(group("push"));
  snprintf(queue.topic, sizeof queue.topic, "%s", topic);
  snprintf(queue.brokerName, sizeof queue.brokerName, "broker-a");

  int failed = run_rows(rows, (int)(sizeof rows / sizeof rows[0]));

  alarm(120);
  CPushConsumer* c = CreatePushConsumer(group("after"));
  SetPushConsumerNameServerAddress(c, ns);
  Subscribe(c, topic, "*");
  RegisterMessageCallback(c, on_message);
  int consumer_started = StartPushConsumer(c) == OK;
  sleep(5); /* the first rebalance: a new group starts at the last offset */
  CProducer* p = new_started(group("after_producer"));
  CMessage* m = CreateMessage(topic);
  SetMessageKeys(m, "after-table");
  SetMessageBody(m, "after");
  int sent = 0;
  for (int i = 0; i < 20 && !sent; i++) sent = SendMessageSync(p, m, &result) == OK;
  int after_ok = after_table(sent, consumer_started, &shutdown_inside, NULL_POINTER);
  DestroyMessage(m);
  DestroyProducer(p);
  DestroyPushConsumer(c);
  return failed == 0 && after_ok ? 0 : 1;
}
