/*
 * Exercises the legacy rocketmq-client-cpp C API of librocketmq, one send
 * mode per run (tests/legacy_c.rs builds and runs it):
 *
 *   legacy_producer <namesrv> <topic> <mode>
 *
 * mode: sync, concurrent, oneway, async, sendasync, orderly, sharding, batch,
 * transaction, errors (also the pull consumer's failures before start; the
 * pull consumer itself is run by legacy_pull_consumer.c). Prints one
 * "key=value ..." summary line per check and
 * exits 0 when every check passed.
 */
#include <rocketmq/CProducer.h>
#include <rocketmq/CErrorMessage.h>
#include <rocketmq/CPushConsumer.h>
#include <rocketmq/CPullConsumer.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HARNESS_LAST_ERROR() GetLatestErrorMessage()
#define HARNESS_GROUP_PREFIX "legacy"
#include "harness.h"


static CProducer* started(CProducer* p) {
  CHECK(p != NULL);
  CHECK(SetProducerNameServerAddress(p, ns) == OK);
  CHECK(SetProducerSendMsgTimeout(p, 5000) == OK);
  CHECK(SetProducerInstanceName(p, "legacy-test") == OK);
  CHECK(StartProducer(p) == OK);
  CHECK(StartProducer(p) == OK); /* idempotent */
  return p;
}


static CMessage* message(int i) {
  char body[64];
  CMessage* m = CreateMessage(topic);
  CHECK(m != NULL);
  snprintf(body, sizeof body, "hello %d", i);
  CHECK(SetMessageTags(m, "TagA") == OK);
  CHECK(SetMessageKeys(m, "key1 key2") == OK);
  CHECK(SetMessageBody(m, body) == OK);
  CHECK(SetMessageProperty(m, "color", "red") == OK);
  CHECK(strcmp(GetOriginMessageBody(m), body) == 0);
  CHECK(GetOriginMessageBodyLength(m) == (int)strlen(body));
  CHECK(strcmp(GetOriginMessageTags(m), "TagA") == 0);
  CHECK(strcmp(GetOriginMessageProperty(m, "color"), "red") == 0);
  CHECK(strcmp(GetOriginMessageProperty(m, "absent"), "") == 0);
  return m;
}

static int valid_result(const CSendResult* r) {
  return r->sendStatus == E_SEND_OK && strlen(r->msgId) == 32 && r->offset >= 0;
}

/* ---- sync ---- */
static void mode_sync(void) {
  CProducer* p = started(CreateProducer(group("sync")));
  int ok = 0;
  for (int i = 0; i < 5; i++) {
    CMessage* m = message(i);
    CSendResult r;
    memset(&r, 0, sizeof r);
    int rc = SendMessageSync(p, m, &r);
    CHECK(rc == OK);
    if (rc == OK && valid_result(&r)) ok++;
    CHECK(DestroyMessage(m) == OK);
  }
  printf("sync ok=%d\n", ok);
  CHECK(ShutdownProducer(p) == OK);
  CHECK(ShutdownProducer(p) == OK);
  {
    /* A send after shutdown: the send's legacy failure code, not a crash. */
    CMessage* late = message(0);
    CSendResult r;
    CHECK(SendMessageSync(p, late, &r) == PRODUCER_SEND_SYNC_FAILED);
    CHECK(strlen(GetLatestErrorMessage()) > 0);
    CHECK(SendMessageOneway(p, late) == PRODUCER_SEND_ONEWAY_FAILED);
    CHECK(DestroyMessage(late) == OK);
  }
  CHECK(DestroyProducer(p) == OK);
}

/* ---- concurrent sync sends on one producer ---- */
static CProducer* shared_producer;
static void* sync_worker(void* arg) {
  long ok = 0;
  (void)arg;
  for (int i = 0; i < 10; i++) {
    CMessage* m = message(i);
    CSendResult r;
    if (SendMessageSync(shared_producer, m, &r) == OK && valid_result(&r)) ok++;
    DestroyMessage(m);
  }
  return (void*)ok;
}

static void mode_concurrent(void) {
  pthread_t t[4];
  long total = 0;
  shared_producer = started(CreateProducer(group("concurrent")));
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, sync_worker, NULL);
  for (int i = 0; i < 4; i++) {
    void* v;
    pthread_join(t[i], &v);
    total += (long)v;
  }
  printf("concurrent ok=%ld\n", total);
  /* Python never calls DestroyProducer: Shutdown must release everything. */
  CHECK(ShutdownProducer(shared_producer) == OK);
  CHECK(DestroyProducer(shared_producer) == OK);
}

/* ---- oneway ---- */
static void mode_oneway(void) {
  CProducer* p = started(CreateProducer(group("oneway")));
  int ok = 0;
  for (int i = 0; i < 5; i++) {
    CMessage* m = message(i);
    if (SendMessageOneway(p, m) == OK) ok++;
    DestroyMessage(m);
  }
  /* oneway to a topic without route fails with 12 */
  CMessage* bad = CreateMessage("");
  SetMessageBody(bad, "x");
  CHECK(SendMessageOneway(p, bad) == PRODUCER_SEND_ONEWAY_FAILED);
  CHECK(strlen(GetLatestErrorMessage()) > 0);
  DestroyMessage(bad);
  printf("oneway ok=%d\n", ok);
  CHECK(ShutdownProducer(p) == OK);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- async without user data ---- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int successes = 0, exceptions = 0, identity = 0;

static void on_success(CSendResult r) {
  pthread_mutex_lock(&lock);
  if (valid_result(&r)) successes++;
  pthread_mutex_unlock(&lock);
}
static void on_exception(CMQException e) {
  pthread_mutex_lock(&lock);
  exceptions++;
  printf("exception error=%d type=%s msg=%s\n", e.error, e.type, e.msg);
  pthread_mutex_unlock(&lock);
}

static void mode_async(void) {
  CProducer* p = started(CreateProducer(group("async")));
  int accepted = 0;
  for (int i = 0; i < 10; i++) {
    CMessage* m = message(i);
    if (SendMessageAsync(p, m, on_success, on_exception) == OK) accepted++;
    DestroyMessage(m); /* the library took a copy */
  }
  CHECK(SendMessageAsync(p, NULL, on_success, on_exception) == NULL_POINTER);
  /* Shutdown settles every accepted send before it returns. */
  CHECK(ShutdownProducer(p) == OK);
  pthread_mutex_lock(&lock);
  printf("async accepted=%d success=%d exception=%d\n", accepted, successes, exceptions);
  pthread_mutex_unlock(&lock);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- SendAsync: user data and the caller's CMessage* back ---- */
struct slot {
  CMessage* msg;
  int done;
};

static void on_success2(CSendResult r, CMessage* msg, void* user) {
  struct slot* s = (struct slot*)user;
  pthread_mutex_lock(&lock);
  if (valid_result(&r)) successes++;
  if (s->msg == msg) identity++;
  s->done++;
  pthread_mutex_unlock(&lock);
}
static void on_exception2(CMQException e, CMessage* msg, void* user) {
  struct slot* s = (struct slot*)user;
  pthread_mutex_lock(&lock);
  exceptions++;
  if (s->msg == msg) identity++;
  s->done++;
  printf("exception error=%d type=%s msg=%s\n", e.error, e.type, e.msg);
  pthread_mutex_unlock(&lock);
}

static void mode_sendasync(void) {
  struct slot slots[10];
  CMessage* msgs[10];
  CProducer* p = started(CreateProducer(group("sendasync")));
  int accepted = 0;
  for (int i = 0; i < 10; i++) {
    msgs[i] = message(i);
    slots[i].msg = msgs[i];
    slots[i].done = 0;
    if (SendAsync(p, msgs[i], on_success2, on_exception2, &slots[i]) == OK) accepted++;
  }
  CHECK(ShutdownProducer(p) == OK);
  int once = 0;
  for (int i = 0; i < 10; i++) {
    if (slots[i].done == 1) once++;
    DestroyMessage(msgs[i]);
  }
  printf("sendasync accepted=%d success=%d exception=%d identity=%d once=%d\n", accepted, successes,
         exceptions, identity, once);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- orderly with a selector ---- */
static int selector_calls = 0, selector_identity = 0, last_size = 0;
static CMessage* expected_msg;

static int select_by_arg(int size, CMessage* msg, void* arg) {
  selector_calls++;
  last_size = size;
  if (msg == expected_msg) selector_identity++;
  return *(int*)arg % size;
}
static int select_out_of_range(int size, CMessage* msg, void* arg) {
  (void)msg;
  (void)arg;
  return size + 3;
}

static void mode_orderly(void) {
  CProducer* p = started(CreateOrderlyProducer(group("orderly")));
  int ok = 0;
  for (int i = 0; i < 5; i++) {
    int key = 7;
    CSendResult r;
    CMessage* m = message(i);
    expected_msg = m;
    int rc = SendMessageOrderly(p, m, select_by_arg, &key, 1, &r);
    CHECK(rc == OK);
    if (rc == OK && valid_result(&r)) ok++;
    DestroyMessage(m);
  }
  int key = 1;
  CSendResult r;
  CMessage* m = message(0);
  CHECK(SendMessageOrderly(p, m, select_out_of_range, &key, 0, &r) == PRODUCER_SEND_ORDERLY_FAILED);
  int out_of_range = strstr(GetLatestErrorMessage(), "out of range") != NULL;
  CHECK(SendMessageOrderly(p, m, select_by_arg, NULL, 0, &r) == NULL_POINTER);
  CHECK(SendMessageOrderly(p, m, NULL, &key, 0, &r) == NULL_POINTER);
  CHECK(SendMessageOrderly(p, m, select_by_arg, &key, -1, &r) == PRODUCER_SEND_ORDERLY_FAILED);
  CHECK(SendMessageOnewayOrderly(p, m, select_out_of_range, &key) == PRODUCER_SEND_ONEWAY_FAILED);
  expected_msg = m;
  CHECK(SendMessageOnewayOrderly(p, m, select_by_arg, &key) == OK);
  DestroyMessage(m);
  printf("orderly ok=%d selector_calls=%d identity=%d size_positive=%d out_of_range=%d\n", ok,
         selector_calls, selector_identity, last_size > 0, out_of_range);
  CHECK(ShutdownProducer(p) == OK);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- sharding key ---- */
static void mode_sharding(void) {
  CProducer* p = started(CreateOrderlyProducer(group("sharding")));
  int ok = 0;
  for (int i = 0; i < 5; i++) {
    CSendResult r;
    CMessage* m = message(i);
    int rc = SendMessageOrderlyByShardingKey(p, m, "order-42", &r);
    CHECK(rc == OK);
    if (rc == OK && valid_result(&r)) ok++;
    CHECK(strcmp(GetOriginMessageProperty(m, "__SHARDINGKEY"), "order-42") == 0);
    DestroyMessage(m);
  }
  CSendResult r;
  CMessage* m = message(0);
  CHECK(SendMessageOrderlyByShardingKey(p, m, NULL, &r) == NULL_POINTER);
  DestroyMessage(m);
  printf("sharding ok=%d\n", ok);
  CHECK(ShutdownProducer(p) == OK);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- batch ---- */
static void mode_batch(void) {
  CProducer* p = started(CreateProducer(group("batch")));
  CBatchMessage* b = CreateBatchMessage();
  CSendResult r;
  CHECK(SendBatchMessage(p, b, &r) == PRODUCER_SEND_SYNC_FAILED);
  for (int i = 0; i < 3; i++) {
    CMessage* m = message(i);
    CHECK(AddMessage(b, m) == OK);
    DestroyMessage(m); /* the batch holds copies */
  }
  CHECK(AddMessage(b, NULL) == NULL_POINTER);
  memset(&r, 0, sizeof r);
  int rc = SendBatchMessage(p, b, &r);
  CHECK(rc == OK);
  int commas = 0;
  for (const char* c = r.msgId; *c; c++) commas += *c == ',';
  printf("batch rc=%d status=%d ids=%d offset_ok=%d\n", rc, (int)r.sendStatus, commas + 1,
         r.offset >= 0);
  CHECK(DestroyBatchMessage(b) == OK);
  CHECK(ShutdownProducer(p) == OK);
  CHECK(DestroyProducer(p) == OK);
}

/* ---- transaction (commit) ---- */
static CProducer* tx_producer;
static int tx_user_data = 99, executor_calls = 0, executor_identity = 0;
static CMessage* tx_msg;
static char tx_uniq[64];

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static int checks = 0, check_ok = 0;
static char unknown_id[MAX_MESSAGE_ID_LENGTH];

static CTransactionStatus checker(CProducer* producer, CMessageExt* msg, void* data) {
  int ok = producer == tx_producer && data == &tx_user_data && strcmp(GetMessageTopic(msg), topic) == 0 &&
           strcmp(GetMessageBody(msg), "hello 7") == 0 && GetMessageBodyLength(msg) == 7 &&
           strcmp(GetMessageTags(msg), "TagA") == 0 && strcmp(GetMessageKeys(msg), "key1 key2") == 0 &&
           strcmp(GetMessageProperty(msg, "color"), "red") == 0 &&
           strcmp(GetOriginMessageProperty((CMessage*)msg, "color"), "red") == 0 &&
           GetMessageBornTimestamp(msg) > 0 && GetMessageStoreSize(msg) > 0 &&
           strlen(GetMessageStoreHost(msg)) > 0 && strlen(GetMessageBornHost(msg)) > 0;
  pthread_mutex_lock(&check_lock);
  checks++;
  if (ok && strcmp(GetMessageId(msg), unknown_id) == 0 &&
      strcmp(GetMessageProperty(msg, "UNIQ_KEY"), unknown_id) == 0)
    check_ok++;
  pthread_mutex_unlock(&check_lock);
  return E_COMMIT_TRANSACTION;
}

static CTransactionStatus unknown_executor(CProducer* producer, CMessage* msg, void* data) {
  (void)producer;
  (void)msg;
  (void)data;
  return E_UNKNOWN_TRANSACTION;
}

/* ---- transaction left unknown: the broker checks back ---- */
static void mode_check(void) {
  tx_producer = CreateTransactionProducer(group("txcheck"), checker, &tx_user_data);
  started(tx_producer);
  CSendResult r;
  CMessage* m = message(7);
  int rc = SendMessageTransaction(tx_producer, m, unknown_executor, NULL, &r);
  CHECK(rc == OK);
  snprintf(unknown_id, sizeof unknown_id, "%s", r.msgId);
  DestroyMessage(m);
  for (int i = 0; i < 300; i++) {
    pthread_mutex_lock(&check_lock);
    int done = check_ok;
    pthread_mutex_unlock(&check_lock);
    if (done > 0) break;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  CHECK(ShutdownProducer(tx_producer) == OK);
  printf("check rc=%d checked=%d\n", rc, check_ok > 0);
  CHECK(DestroyProducer(tx_producer) == OK);
}

static CTransactionStatus executor(CProducer* producer, CMessage* msg, void* data) {
  executor_calls++;
  if (producer == tx_producer && msg == tx_msg && data == &tx_user_data) executor_identity++;
  /* CMessageExt getters on a plain CMessage* (Python does this). */
  snprintf(tx_uniq, sizeof tx_uniq, "%s", GetMessageProperty((CMessageExt*)msg, "UNIQ_KEY"));
  if (strcmp(GetMessageTopic((CMessageExt*)msg), topic) != 0) executor_identity = -100;
  if (GetMessageQueueOffset((CMessageExt*)msg) != 0) executor_identity = -100;
  return E_COMMIT_TRANSACTION;
}

static void mode_transaction(void) {
  tx_producer = CreateTransactionProducer(group("tx"), checker, &tx_user_data);
  started(tx_producer);
  CSendResult r;
  memset(&r, 0, sizeof r);
  tx_msg = message(0);
  int rc = SendMessageTransaction(tx_producer, tx_msg, executor, &tx_user_data, &r);
  CHECK(rc == OK);
  int uniq_matches = strcmp(tx_uniq, r.msgId) == 0;
  CHECK(strcmp(GetOriginMessageProperty(tx_msg, "TRAN_MSG"), "true") == 0);
  CHECK(SendMessageTransaction(tx_producer, tx_msg, NULL, NULL, &r) == NULL_POINTER);
  /* normal sends work on a transaction producer */
  CSendResult r2;
  CHECK(SendMessageSync(tx_producer, tx_msg, &r2) == OK);
  printf("transaction rc=%d status=%d valid=%d executor=%d identity=%d uniq=%d\n", rc,
         (int)r.sendStatus, valid_result(&r), executor_calls, executor_identity, uniq_matches);
  DestroyMessage(tx_msg);
  CHECK(ShutdownProducer(tx_producer) == OK);
  CHECK(DestroyProducer(tx_producer) == OK);

  /* a transaction on a normal producer fails with 16 */
  CProducer* p = started(CreateProducer(group("notx")));
  CMessage* m = message(1);
  CHECK(SendMessageTransaction(p, m, executor, NULL, &r) == PRODUCER_SEND_TRANSACTION_FAILED);
  DestroyMessage(m);
  DestroyProducer(p); /* implicit shutdown */
}

/* ---- errors, NULLs and stubs (no cluster needed) ---- */
static void mode_errors(void) {
  CSendResult r;
  CHECK(strcmp(GetLatestErrorMessage(), "") == 0);
  CHECK(CreateProducer(NULL) == NULL);
  CHECK(DestroyProducer(NULL) == NULL_POINTER);
  CHECK(StartProducer(NULL) == NULL_POINTER);
  CHECK(strcmp(ShowProducerVersion(NULL), "DefaultVersion") == 0);
  CProducer* p = CreateProducer("");
  CHECK(strlen(ShowProducerVersion(p)) > 0);
  CHECK(SetProducerNameServerAddress(p, NULL) == PRODUCER_START_FAILED);
  CHECK(strlen(GetLatestErrorMessage()) > 0);
  CHECK(SetProducerNameServerDomain(p, "https://example.com") == PRODUCER_START_FAILED);
  CHECK(strstr(GetLatestErrorMessage(), "https") != NULL);
  CHECK(SetProducerNameServerDomain(p, "example.com") == OK);
  CHECK(SetProducerNameServerDomain(p, "") == OK);
  /* TLS is supported: on and off again before start. */
  CHECK(SetProducerSsl(p, 1) == OK);
  CHECK(SetProducerSsl(p, 0) == OK);
  CHECK(SetProducerLogLevel(p, E_LOG_LEVEL_ERROR) == OK);
  CHECK(SetProducerLogPath(p, "/tmp/legacy-logs") == OK);
  CHECK(SetProducerLogPath(p, NULL) == NULL_POINTER);
  CHECK(SetProducerLogFileNumAndSize(p, 3, 100) == OK);
  CHECK(SetProducerSessionCredentials(p, "ak", "sk", "ALIYUN") == OK);
  CHECK(SetProducerMessageTrace(p, OPEN) == OK);
  CHECK(SetProducerCompressLevel(p, 42) == OK);
  CHECK(SetProducerMaxMessageSize(p, 1024) == OK);
  CHECK(SetProducerCompressMsgBodyOverHowmuch(p, 2048) == OK);
  CHECK(SetProducerGroupName(p, NULL) == PRODUCER_START_FAILED);
  CMessage* m = CreateMessage(NULL);
  CHECK(m != NULL);
  CHECK(strcmp(GetOriginMessageTopic(m), "") == 0);
  CHECK(SendMessageSync(p, m, &r) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(strstr(GetLatestErrorMessage(), "not started") != NULL);
  CHECK(SendMessageSync(NULL, m, &r) == NULL_POINTER);
  CHECK(SetMessageBody(m, NULL) == NULL_POINTER);
  CHECK(SetByteMessageBody(m, NULL, 4) == NULL_POINTER);
  CHECK(SetByteMessageBody(m, "ab\0cd", 5) == OK);
  CHECK(GetOriginMessageBodyLength(m) == 5 && GetOriginMessageBody(m)[5] == 0);
  CHECK(GetOriginMessageTopic(NULL) == NULL);
  CHECK(GetMessageQueueId(NULL) == 1 && GetMessageBornTimestamp(NULL) == 1);
  CHECK(GetOriginDelayTimeLevel(NULL) == -1);
  CHECK(SetDelayTimeLevel(m, 3) == OK && GetOriginDelayTimeLevel(m) == 3);
  CHECK(DestroyMessage(m) == OK && DestroyMessage(NULL) == NULL_POINTER);
  CHECK(ShutdownProducer(p) == OK); /* never started */
  CHECK(DestroyProducer(p) == OK);

  CPushConsumer* pc = CreatePushConsumer("g");
  CHECK(pc != NULL && CreatePushConsumer(NULL) == NULL);
  CHECK(strcmp(GetPushConsumerGroupID(pc), "g") == 0);
  CHECK(Subscribe(pc, "T", "*") == OK);
  CHECK(SetPushConsumerThreadCount(pc, 0) == NULL_POINTER);
  CHECK(SetPushConsumerMaxCacheMessageSizeInMb(pc, 0) == NULL_POINTER);
  CHECK(SetPushConsumerMaxCacheMessageSizeInMb(pc, 10) == OK); /* legacy: Not_Support */
  CHECK(StartPushConsumer(pc) == PUSHCONSUMER_START_FAILED);     /* no callback */
  CHECK(strstr(GetLatestErrorMessage(), "no message callback") != NULL);
  CHECK(RegisterMessageCallbackOrderly(pc, NULL) == NULL_POINTER);
  CHECK(ShutdownPushConsumer(pc) == OK && DestroyPushConsumer(pc) == OK);
  /* The push consumer is real (tests/legacy_push_consumer.rs runs it). */
  /* The pull consumer is real (tests/c/legacy_pull_consumer.c runs it);
   * here: its failures before start. */
  CPullConsumer* lc = CreatePullConsumer("g");
  CMessageQueue* mqs = (CMessageQueue*)1;
  int size = 5;
  CHECK(FetchSubscriptionMessageQueues(lc, "T", &mqs, &size) == PULLCONSUMER_FETCH_MQ_FAILED);
  CHECK(mqs == NULL && size == 0);
  CHECK(strstr(GetLatestErrorMessage(), "not started") != NULL);
  CPullResult pr = Pull(lc, NULL, "*", 0, 32);
  CHECK(pr.pullStatus == E_BROKER_TIMEOUT && pr.size == 0);
  CHECK(ReleasePullResult(pr) == NULL_POINTER);
  CHECK(DestroyPullConsumer(lc) == OK);
  CPullConsumer* dc = CreatePullConsumer("");
  CHECK(strcmp(GetPullConsumerGroupID(dc), "DEFAULT_CONSUMER") == 0);
  CHECK(StartPullConsumer(dc) == PULLCONSUMER_START_FAILED);
  CHECK(strstr(GetLatestErrorMessage(), "DEFAULT_CONSUMER") != NULL);
  CHECK(DestroyPullConsumer(dc) == OK);
  printf("errors done\n");
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s namesrv topic mode\n", argv[0]);
    return 2;
  }
  ns = argv[1];
  topic = argv[2];
  const char* mode = argv[3];
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!strcmp(mode, "sync")) mode_sync();
  else if (!strcmp(mode, "concurrent")) mode_concurrent();
  else if (!strcmp(mode, "oneway")) mode_oneway();
  else if (!strcmp(mode, "async")) mode_async();
  else if (!strcmp(mode, "sendasync")) mode_sendasync();
  else if (!strcmp(mode, "orderly")) mode_orderly();
  else if (!strcmp(mode, "sharding")) mode_sharding();
  else if (!strcmp(mode, "batch")) mode_batch();
  else if (!strcmp(mode, "transaction")) mode_transaction();
  else if (!strcmp(mode, "check")) mode_check();
  else if (!strcmp(mode, "errors")) mode_errors();
  else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  printf("failures=%d\n", failures);
  return failures == 0 ? 0 : 1;
}
