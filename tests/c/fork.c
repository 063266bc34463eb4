/*
 * Fork safety of the modern C API (tests/fork.rs builds and runs it):
 *
 *   fork <namesrv> <topic>
 *
 * The parent starts a producer, a pull consumer and a push consumer and
 * sends; then it forks. The child finds every inherited handle inert (each
 * call fails fast with RMQ_STATUS_INVALID_STATE and "used in a forked
 * child", free and shutdown included), creates a producer of its own that
 * sends, writes its message ids into a pipe and exits. Meanwhile the parent
 * keeps sending, bounds the child with a timeout (SIGKILL when exceeded),
 * then checks that no child id repeats a parent id. Prints "key=value"
 * lines and exits 0 when every check passed.
 */
#include <rocketmq.h>

#define HARNESS_LAST_ERROR() rmq_last_error()
#define HARNESS_CODE_NAME(code) rmq_status_name(code)
#define HARNESS_GROUP_PREFIX "fork"
#include "harness.h"

/* An inherited-handle call: INVALID_STATE with the fork text, quickly. */
#define INERT(call) INERT_AS(call, RMQ_STATUS_INVALID_STATE)

static rmq_producer* producer(void) {
  rmq_producer* p = rmq_producer_new(group("producer"));
  CHECK(p != NULL);
  CHECK(rmq_producer_set(p, "namesrvAddr", ns) == RMQ_STATUS_OK);
  CHECK(rmq_producer_set(p, "sendMsgTimeout", "5000") == RMQ_STATUS_OK);
  CHECK(rmq_producer_start(p) == RMQ_STATUS_OK);
  return p;
}

/* Sends `count` messages; records their ids. */
static void send_some(rmq_producer* p, int count, struct ids* ids, const char* who) {
  rmq_message* m = rmq_message_new(topic);
  CHECK(m != NULL);
  for (int i = 0; i < count; i++) {
    char body[64];
    snprintf(body, sizeof body, "%s %d", who, i);
    CHECK(rmq_message_set_body(m, (const uint8_t*)body, strlen(body)) == RMQ_STATUS_OK);
    rmq_send_result r;
    enum rmq_status s = rmq_producer_send(p, m, &r);
    CHECK(s == RMQ_STATUS_OK);
    if (s == RMQ_STATUS_OK) add_id(ids, r.msg_id);
  }
  rmq_message_free(m);
}

static int32_t on_message(void* user_data, const rmq_message_ext* const* msgs, size_t count) {
  (void)user_data;
  (void)msgs;
  (void)count;
  return RMQ_CONSUME_SUCCESS;
}

static void noop_callback(void* user_data, const rmq_send_result* result, const rmq_error_info* error) {
  (void)user_data;
  (void)result;
  (void)error;
}

/* The child: inherited handles are inert, a new producer works. */
static int child(rmq_producer* p, rmq_pull_consumer* pull, rmq_push_consumer* push, int out) {
  alarm(60); /* a last resort: the parent kills after 30 s */
  rmq_message* m = rmq_message_new(topic); /* plain data works in any process */
  CHECK(m != NULL);
  CHECK(rmq_message_set_body(m, (const uint8_t*)"x", 1) == RMQ_STATUS_OK);
  rmq_send_result r;
  size_t n = 0;
  char buf[256];

  INERT(rmq_producer_send(p, m, &r));
  INERT(rmq_producer_send_async(p, m, noop_callback, NULL));
  INERT(rmq_producer_send_oneway(p, m));
  INERT(rmq_producer_send_orderly_by_key(p, m, "k", &r));
  INERT(rmq_producer_set(p, "sendMsgTimeout", "1000"));
  INERT(rmq_producer_start(p));
  INERT(rmq_producer_flush(p, 1000, &n));
  INERT(rmq_producer_stats(p, buf, sizeof buf, &n));
  INERT(rmq_producer_shutdown(p));
  INERT(rmq_producer_free(p));
  INERT(rmq_producer_free(p)); /* still inert, nothing was freed */

  const rmq_message_ext* msgs[4];
  INERT(rmq_pull_consumer_poll(pull, 0, msgs, 4, &n));
  INERT(rmq_pull_consumer_commit(pull));
  INERT(rmq_pull_consumer_subscribe(pull, topic, "*"));
  INERT(rmq_pull_consumer_set(pull, "pullBatchSize", "8"));
  rmq_pull_consumer_release(pull); /* void: must return */
  INERT(rmq_pull_consumer_shutdown(pull));
  INERT(rmq_pull_consumer_free(pull));

  INERT(rmq_push_consumer_set(push, "consumeThreadCount", "2"));
  INERT(rmq_push_consumer_subscribe(push, topic, "*"));
  INERT(rmq_push_consumer_set_listener(push, on_message, NULL));
  INERT(rmq_push_consumer_start(push));
  INERT(rmq_push_consumer_shutdown(push));
  INERT(rmq_push_consumer_free(push));
  printf("child inert=%d\n", inert);

  /* A producer of the child's own works. */
  struct ids ids = {.n = 0};
  double t0 = now_ms();
  rmq_producer* mine = producer();
  send_some(mine, 20, &ids, "child");
  CHECK(rmq_producer_free(mine) == RMQ_STATUS_OK);
  printf("child sent=%d in %.0f ms\n", ids.n, now_ms() - t0);
  failures += write_ids(out, &ids);
  rmq_message_free(m);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  harness_args(argc, argv, 2);

  rmq_producer* p = producer();
  struct ids parent = {.n = 0};
  send_some(p, 20, &parent, "parent");

  rmq_pull_consumer* pull = rmq_pull_consumer_new(group("pull"));
  CHECK(pull != NULL);
  CHECK(rmq_pull_consumer_set(pull, "namesrvAddr", ns) == RMQ_STATUS_OK);
  CHECK(rmq_pull_consumer_subscribe(pull, topic, "*") == RMQ_STATUS_OK);
  CHECK(rmq_pull_consumer_start(pull) == RMQ_STATUS_OK);

  rmq_push_consumer* push = rmq_push_consumer_new(group("push"));
  CHECK(push != NULL);
  CHECK(rmq_push_consumer_set(push, "namesrvAddr", ns) == RMQ_STATUS_OK);
  CHECK(rmq_push_consumer_subscribe(push, topic, "*") == RMQ_STATUS_OK);
  CHECK(rmq_push_consumer_set_listener(push, on_message, NULL) == RMQ_STATUS_OK);
  CHECK(rmq_push_consumer_start(push) == RMQ_STATUS_OK);

  int fd = -1;
  pid_t pid = fork_piped(&fd);
  if (pid == 0) exit(child(p, pull, push, fd));

  /* The parent keeps sending while the child runs. */
  send_some(p, 20, &parent, "parent");
  const rmq_message_ext* msgs[8];
  size_t n = 0;
  CHECK(rmq_pull_consumer_poll(pull, 100, msgs, 8, &n) == RMQ_STATUS_OK);

  check_child(pid, fd, &parent);

  /* The parent's handles still work after the child is gone. */
  send_some(p, 1, &parent, "parent");
  CHECK(rmq_push_consumer_free(push) == RMQ_STATUS_OK);
  CHECK(rmq_pull_consumer_free(pull) == RMQ_STATUS_OK);
  CHECK(rmq_producer_free(p) == RMQ_STATUS_OK);
  printf("failures=%d\n", failures);
  return failures == 0 ? 0 : 1;
}
