/*
 * The legacy pull consumer used the way a rocketmq-client-cpp user did,
 * compiled against include/rocketmq/ only (tests/legacy_c.rs builds and
 * runs it after sending the messages):
 *
 *   legacy_pull_consumer <namesrv> <topic> <count>
 *
 * The topic holds <count> messages: message i has body "body-<i>", tag
 * TagA, TagB or TagC (i % 3), keys "key-<i>" and property prop=v<i>. The
 * program fetches the queues, pulls every queue from offset 0 until all
 * messages arrived, checks the CMessageExt getters, the end-of-queue
 * statuses, a tag filter and the release codes, and that destroying the
 * consumer leaves no thread behind. It prints "key=value ..." summary
 * lines and exits 0 when every check passed.
 */
#include <rocketmq/CPullConsumer.h>
#include <rocketmq/CErrorMessage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HARNESS_LAST_ERROR() GetLatestErrorMessage()
#include "harness.h"

#define MAX_QUEUES 64
#define MAX_MESSAGES 256

static int threads(void) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  int n = -1;
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
  fclose(f);
  return n;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Checks one pulled message against what the sender wrote; returns its
 * index, or -1. */
static int check_message(CMessageExt* m, const char* topic, const CMessageQueue* mq) {
  const char* body = GetMessageBody(m);
  int len = GetMessageBodyLength(m);
  int i = -1;
  char want[64];
  CHECK(body != NULL && len > 5 && body[len] == '\0');
  if (body == NULL || sscanf(body, "body-%d", &i) != 1 || i < 0 || i >= MAX_MESSAGES) return -1;
  CHECK(strcmp(GetMessageTopic(m), topic) == 0);
  snprintf(want, sizeof want, "Tag%c", "ABC"[i % 3]);
  CHECK(strcmp(GetMessageTags(m), want) == 0);
  snprintf(want, sizeof want, "key-%d", i);
  CHECK(strcmp(GetMessageKeys(m), want) == 0);
  snprintf(want, sizeof want, "v%d", i);
  CHECK(strcmp(GetMessageProperty(m, "prop"), want) == 0);
  CHECK(strcmp(GetMessageProperty(m, "absent"), "") == 0);
  CHECK(strlen(GetMessageId(m)) == 32);
  CHECK(strcmp(GetMessageId(m), GetMessageProperty(m, "UNIQ_KEY")) == 0);
  CHECK(GetMessageQueueId(m) == mq->queueId);
  CHECK(GetMessageQueueOffset(m) >= 0 && GetMessageCommitLogOffset(m) >= 0);
  CHECK(GetMessageStoreSize(m) > len);
  CHECK(GetMessageBornTimestamp(m) > 0 && GetMessageStoreTimestamp(m) > 0);
  CHECK(GetMessageReconsumeTimes(m) == 0 && GetMessageDelayTimeLevel(m) == 0);
  CHECK(GetMessagePreparedTransactionOffset(m) == 0);
  CHECK(strchr(GetMessageStoreHost(m), ':') != NULL && strchr(GetMessageBornHost(m), ':') != NULL);
  return i;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s namesrv topic count\n", argv[0]);
    return 2;
  }
  const char* ns = argv[1];
  const char* topic = argv[2];
  int count = atoi(argv[3]);
  char group[128];
  setvbuf(stdout, NULL, _IOLBF, 0);
  snprintf(group, sizeof group, "legacy_c_pull_%ld_%ld", (long)time(NULL), (long)clock());
  int threads_before = threads();

  CPullConsumer* consumer = CreatePullConsumer(group);
  CHECK(consumer != NULL);
  CHECK(strcmp(GetPullConsumerGroupID(consumer), group) == 0);
  CHECK(ShowPullConsumerVersion(consumer) != NULL);
  CHECK(SetPullConsumerNameServerAddress(consumer, ns) == OK);
  CHECK(SetPullConsumerLogLevel(consumer, E_LOG_LEVEL_ERROR) == OK);
  CHECK(SetPullConsumerSessionCredentials(consumer, "", "", "ALIYUN") == OK);
  CHECK(StartPullConsumer(consumer) == OK);

  CMessageQueue* mqs = NULL;
  int size = 0;
  CHECK(FetchSubscriptionMessageQueues(consumer, topic, &mqs, &size) == OK);
  CHECK(mqs != NULL && size > 0 && size <= MAX_QUEUES);
  if (mqs == NULL || size <= 0 || size > MAX_QUEUES) {
    printf("failures=%d\n", failures + 1);
    return 1;
  }
  int sorted = 1;
  for (int q = 0; q < size; q++) {
    CHECK(strcmp(mqs[q].topic, topic) == 0 && strlen(mqs[q].brokerName) > 0);
    if (mqs[q].queueId != q) sorted = 0;
  }

  /* Pull every queue until all messages arrived (the broker dispatches
   * stored messages to the queues asynchronously). */
  long long next[MAX_QUEUES] = {0};
  int seen[MAX_MESSAGES] = {0};
  int found = 0, good = 0, releases_ok = 1;
  double deadline = now() + 30;
  while (found < count && now() < deadline) {
    int before = found;
    for (int q = 0; q < size; q++) {
      CPullResult r = Pull(consumer, &mqs[q], "*", next[q], 32);
      switch (r.pullStatus) {
        case E_FOUND:
          for (int k = 0; k < r.size; k++) {
            int i = check_message(r.msgFoundList[k], topic, &mqs[q]);
            found++;
            if (i >= 0 && !seen[i]) {
              seen[i] = 1;
              good++;
            }
          }
          if (ReleasePullResult(r) != (r.size > 0 ? OK : NULL_POINTER)) releases_ok = 0;
          break;
        case E_NO_NEW_MSG:
        case E_NO_MATCHED_MSG:
          if (ReleasePullResult(r) != NULL_POINTER) releases_ok = 0;
          break;
        default:
          printf("pull status %d: %s\n", (int)r.pullStatus, GetLatestErrorMessage());
          failures++;
          break;
      }
      if (r.pullStatus != E_BROKER_TIMEOUT) next[q] = r.nextBeginOffset;
    }
    if (found == before) pause_ms(50);
  }
  printf("pull found=%d distinct=%d sorted=%d releases_ok=%d\n", found, good, sorted, releases_ok);

  /* The end of every queue: E_NO_NEW_MSG; far beyond it: E_OFFSET_ILLEGAL. */
  int at_end = 0, illegal = 0;
  for (int q = 0; q < size; q++) {
    CPullResult r = Pull(consumer, &mqs[q], "*", next[q], 32);
    if (r.pullStatus == E_NO_NEW_MSG && r.nextBeginOffset == next[q] && r.maxOffset == next[q]) at_end++;
    ReleasePullResult(r);
    r = Pull(consumer, &mqs[q], "*", next[q] + 1000, 32);
    if (r.pullStatus == E_OFFSET_ILLEGAL && r.nextBeginOffset == next[q]) illegal++;
    ReleasePullResult(r);
  }
  printf("end no_new=%d offset_illegal=%d of %d\n", at_end, illegal, size);

  /* A tag filter with blanks, as users wrote them. */
  int tagged = 0, wrong_tag = 0;
  for (int q = 0; q < size; q++) {
    CPullResult r = Pull(consumer, &mqs[q], "TagA || TagB", 0, 32);
    if (r.pullStatus == E_FOUND) {
      for (int k = 0; k < r.size; k++) {
        const char* tag = GetMessageTags(r.msgFoundList[k]);
        if (strcmp(tag, "TagA") == 0 || strcmp(tag, "TagB") == 0)
          tagged++;
        else
          wrong_tag++;
      }
      ReleasePullResult(r);
    }
  }
  printf("filter tagged=%d wrong=%d\n", tagged, wrong_tag);

  /* Errors keep the legacy codes. */
  CPullResult bad = Pull(consumer, &mqs[0], "*", 0, 0);
  CHECK(bad.pullStatus == E_BROKER_TIMEOUT && strlen(GetLatestErrorMessage()) > 0);
  CHECK(ReleasePullResult(bad) == NULL_POINTER);
  bad = Pull(consumer, NULL, "*", 0, 32);
  CHECK(bad.pullStatus == E_BROKER_TIMEOUT);
  CMessageQueue* no_mqs = NULL;
  int no_size = 0;
  CHECK(FetchSubscriptionMessageQueues(consumer, NULL, &no_mqs, &no_size) == NULL_POINTER);

  CHECK(ReleaseSubscriptionMessageQueue(mqs) == OK);
  CHECK(ShutdownPullConsumer(consumer) == OK);
  CHECK(DestroyPullConsumer(consumer) == OK);
  int threads_after = threads();
  printf("threads before=%d after=%d\n", threads_before, threads_after);
  CHECK(threads_after == threads_before);

  /* Destroy without Shutdown (legacy leaked the threads): none are left. */
  CPullConsumer* leaky = CreatePullConsumer(group);
  CHECK(SetPullConsumerNameServerAddress(leaky, ns) == OK);
  CHECK(StartPullConsumer(leaky) == OK);
  CHECK(threads() > threads_before);
  CHECK(DestroyPullConsumer(leaky) == OK);
  CHECK(threads() == threads_before);

  printf("failures=%d\n", failures);
  return failures == 0 ? 0 : 1;
}
