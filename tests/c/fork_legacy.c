/*
 * Fork safety of the legacy rocketmq-client-cpp C API (tests/fork.rs):
 *
 *   fork_legacy <namesrv> <topic>
 *
 * As tests/c/fork.c: the parent starts a producer, a pull consumer and a
 * push consumer and sends, then forks; in the child every inherited handle
 * answers its failure code with "used in a forked child" in
 * GetLatestErrorMessage(), quickly; a new producer of the SAME group starts
 * and sends there (the parent's started groups do not count in the child);
 * the parent keeps sending and checks that no id repeats.
 */
#include <rocketmq/CErrorMessage.h>
#include <rocketmq/CMessage.h>
#include <rocketmq/CProducer.h>
#include <rocketmq/CPullConsumer.h>
#include <rocketmq/CPushConsumer.h>

#define HARNESS_LAST_ERROR() GetLatestErrorMessage()
#include "harness.h"

/* An inherited-handle call: `code` with the fork text, quickly. */
#define INERT(call, code) INERT_AS(call, code)

static char producer_group[128];

static CProducer* producer(void) {
  CProducer* p = CreateProducer(producer_group);
  CHECK(p != NULL);
  CHECK(SetProducerNameServerAddress(p, ns) == OK);
  CHECK(SetProducerSendMsgTimeout(p, 5000) == OK);
  CHECK(StartProducer(p) == OK);
  return p;
}

static void send_some(CProducer* p, int count, struct ids* ids) {
  CMessage* m = CreateMessage(topic);
  CHECK(m != NULL);
  CHECK(SetMessageBody(m, "legacy fork") == OK);
  for (int i = 0; i < count; i++) {
    CSendResult r;
    memset(&r, 0, sizeof r);
    int rc = SendMessageSync(p, m, &r);
    CHECK(rc == OK);
    if (rc == OK) add_id(ids, r.msgId);
  }
  DestroyMessage(m);
}

static int on_message(CPushConsumer* c, CMessageExt* m) {
  (void)c;
  (void)m;
  return E_CONSUME_SUCCESS;
}

static void on_success(CSendResult r) { (void)r; }
static void on_exception(CMQException e) { (void)e; }

static int child(CProducer* p, CPullConsumer* pull, CPushConsumer* push, int out) {
  alarm(60);
  CMessage* m = CreateMessage(topic);
  CHECK(m != NULL);
  CHECK(SetMessageBody(m, "x") == OK);
  CSendResult r;

  INERT(SendMessageSync(p, m, &r), PRODUCER_SEND_SYNC_FAILED);
  INERT(SendMessageOneway(p, m), PRODUCER_SEND_ONEWAY_FAILED);
  INERT(SendMessageAsync(p, m, on_success, on_exception), PRODUCER_SEND_ASYNC_FAILED);
  INERT(SendMessageOrderlyByShardingKey(p, m, "k", &r), PRODUCER_SEND_ORDERLY_FAILED);
  INERT(SetProducerSendMsgTimeout(p, 1000), PRODUCER_START_FAILED);
  INERT(StartProducer(p), PRODUCER_START_FAILED);
  INERT(ShutdownProducer(p), PRODUCER_START_FAILED);
  INERT(DestroyProducer(p), NULL_POINTER);

  CMessageQueue* mqs = NULL;
  int size = 0;
  INERT(FetchSubscriptionMessageQueues(pull, topic, &mqs, &size), PULLCONSUMER_FETCH_MQ_FAILED);
  CMessageQueue mq;
  memset(&mq, 0, sizeof mq);
  snprintf(mq.topic, sizeof mq.topic, "%s", topic);
  CPullResult pr = Pull(pull, &mq, "*", 0, 8);
  CHECK(pr.pullStatus == E_BROKER_TIMEOUT && strstr(GetLatestErrorMessage(), FORKED));
  ReleasePullResult(pr);
  INERT(StartPullConsumer(pull), PULLCONSUMER_START_FAILED);
  INERT(SetPullConsumerNameServerAddress(pull, ns), NULL_POINTER);
  CHECK(GetPullConsumerGroupID(pull) == NULL && strstr(GetLatestErrorMessage(), FORKED));
  INERT(ShutdownPullConsumer(pull), NULL_POINTER);
  INERT(DestroyPullConsumer(pull), NULL_POINTER);

  INERT(Subscribe(push, topic, "*"), NULL_POINTER);
  INERT(RegisterMessageCallback(push, on_message), NULL_POINTER);
  INERT(SetPushConsumerThreadCount(push, 2), NULL_POINTER);
  CHECK(GetPushConsumerGroupID(push) == NULL && strstr(GetLatestErrorMessage(), FORKED));
  INERT(StartPushConsumer(push), PUSHCONSUMER_START_FAILED);
  INERT(ShutdownPushConsumer(push), NULL_POINTER);
  INERT(DestroyPushConsumer(push), NULL_POINTER);
  printf("child inert=%d\n", inert);

  struct ids ids = {.n = 0};
  CProducer* mine = producer(); /* same group as the parent's, which runs there only */
  send_some(mine, 20, &ids);
  CHECK(DestroyProducer(mine) == OK);
  printf("child sent=%d\n", ids.n);
  failures += write_ids(out, &ids);
  DestroyMessage(m);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  harness_args(argc, argv, 2);
  snprintf(producer_group, sizeof producer_group, "fork_legacy_%ld", (long)getpid());

  CProducer* p = producer();
  struct ids parent = {.n = 0};
  send_some(p, 20, &parent);

  char g[128];
  snprintf(g, sizeof g, "fork_legacy_pull_%ld", (long)getpid());
  CPullConsumer* pull = CreatePullConsumer(g);
  CHECK(pull != NULL);
  CHECK(SetPullConsumerNameServerAddress(pull, ns) == OK);
  CHECK(StartPullConsumer(pull) == OK);

  snprintf(g, sizeof g, "fork_legacy_push_%ld", (long)getpid());
  CPushConsumer* push = CreatePushConsumer(g);
  CHECK(push != NULL);
  CHECK(SetPushConsumerNameServerAddress(push, ns) == OK);
  CHECK(Subscribe(push, topic, "*") == OK);
  CHECK(RegisterMessageCallback(push, on_message) == OK);
  CHECK(StartPushConsumer(push) == OK);

  int fd = -1;
  pid_t pid = fork_piped(&fd);
  if (pid == 0) exit(child(p, pull, push, fd));

  send_some(p, 20, &parent);

  check_child(pid, fd, &parent);

  send_some(p, 1, &parent);
  CHECK(DestroyPushConsumer(push) == OK);
  CHECK(DestroyPullConsumer(pull) == OK);
  CHECK(DestroyProducer(p) == OK);
  printf("failures=%d\n", failures);
  return failures == 0 ? 0 : 1;
}
