/*
 * What the C test programs share (the programs in tests/c): CHECK, the program's
 * <namesrv> <topic> arguments and unique group names, the data-driven
 * bad-input table runner (bad_input.c, bad_input_legacy.c), and the fork
 * harness (fork.c, fork_legacy.c): the clock, inert-call checks, the
 * child's ids through a pipe, waiting for the child with a deadline (then
 * SIGKILL), and the duplicate count. Header-only: a program defines
 * HARNESS_LAST_ERROR() (rmq_last_error() or GetLatestErrorMessage()) and
 * optionally HARNESS_CODE_NAME(code), then includes it once.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef HARNESS_LAST_ERROR
#error "define HARNESS_LAST_ERROR() before including harness.h"
#endif
#ifndef HARNESS_CODE_NAME
#define HARNESS_CODE_NAME(code) "legacy code"
#endif
#ifndef HARNESS_GROUP_PREFIX
#define HARNESS_GROUP_PREFIX "test"
#endif

#define UNUSED __attribute__((unused))

/* Failed CHECKs so far. */
static UNUSED int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      printf("CHECK FAILED line %d: %s (last error: %s)\n", __LINE__, #cond,  \
             HARNESS_LAST_ERROR());                                            \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static UNUSED const char* ns;
static UNUSED const char* topic;

/* `<program> <namesrv> <topic> ...` with at least `min_args` arguments;
 * stdout unbuffered (a killed program still shows what it printed). */
static inline void harness_args(int argc, char** argv, int min_args) {
  if (argc < min_args + 1) {
    fprintf(stderr, "usage: %s namesrv topic ...\n", argv[0]);
    exit(2);
  }
  ns = argv[1];
  topic = argv[2];
  setvbuf(stdout, NULL, _IONBF, 0);
}

/* A group name unique to this process and moment (one buffer: use it
 * before the next call). */
static inline const char* group(const char* what) {
  static char buf[128];
  snprintf(buf, sizeof buf, HARNESS_GROUP_PREFIX "_%s_%ld_%ld", what, (long)getpid(), (long)clock());
  return buf;
}

/* ---- The bad-input table ---- */

#define NEW_NULL (-1) /* the row's constructor returned NULL */

static UNUSED const char BAD_UTF8[] = "bad\xff\xfeutf8";
static UNUSED char topic128[129];               /* 128 x 'T' */
static UNUSED char big_body[5 * 1024 * 1024];   /* 5 MiB of 'b' */

/* A fixture the table needs: without it the program stops (exit 2). */
static inline void setup_ok(int ok, const char* what) {
  if (!ok) {
    printf("setup: %s failed: %s\n", what, HARNESS_LAST_ERROR());
    exit(2);
  }
}

/* The consume after the table: deliveries of its message, and whether a
 * redelivery (reconsume times > 0) came. */
static UNUSED volatile int deliveries = 0;
static UNUSED volatile int redelivered = 0;

/* The end of the after-table phase: waits up to 90 s for the redelivery,
 * prints "after: ..." and "after_ok=0|1"; returns after_ok. `shutdown_seen`
 * is what the callback's shutdown call returned, `shutdown_want` its code. */
static inline int after_table(int sent, int consumer_started, const volatile int* shutdown_seen,
                              int shutdown_want) {
  for (int i = 0; i < 900 && !redelivered; i++) usleep(100000);
  int shutdown_inside = *shutdown_seen; /* set by the consume callback */
  printf("after: sent=%d consumer_started=%d deliveries=%d redelivered=%d shutdown_inside=%d (%s)\n", sent,
         consumer_started, deliveries, redelivered, shutdown_inside, HARNESS_CODE_NAME(shutdown_inside));
  int ok = sent && consumer_started && redelivered && shutdown_inside == shutdown_want;
  printf("after_ok=%d\n", ok);
  return ok;
}

/* A table program's start: its arguments, topic128 and big_body. */
static inline void table_args(int argc, char** argv) {
  harness_args(argc, argv, 2);
  memset(topic128, 'T', 128);
  memset(big_body, 'b', sizeof big_body);
}

/* A constructor's outcome as a row status: NULL, or freed and 0 (OK). */
#define CTOR(expr, free_fn)                                                    \
  ({                                                                           \
    __typeof__(expr) p_ = (expr);                                              \
    int s_ = p_ == NULL ? NEW_NULL : 0;                                        \
    if (p_) free_fn(p_);                                                       \
    s_;                                                                        \
  })

struct row {
  const char* name;
  int (*call)(void);
  int expect;
  const char* fragment; /* in the last error text; NULL: not checked */
};

/* X-macro adapters: ROWS(ROW_DEFINE) defines a function per row,
 * {ROWS(ROW_ENTRY)} the table. */
#define ROW_DEFINE(name, expr, expect, fragment) \
  static int row_##name(void) { return (int)(expr); }
#define ROW_ENTRY(name, expr, expect, fragment) {#name, row_##name, expect, fragment},

/* Runs every row (each under alarm(30): a hanging row kills the program);
 * prints a line per failed row, then "rows=N failed=F". Returns F. */
static inline int run_rows(const struct row* rows, int count) {
  int failed = 0;
  for (int i = 0; i < count; i++) {
    alarm(30);
    int got = rows[i].call();
    const char* text = HARNESS_LAST_ERROR();
    int ok = got == rows[i].expect && (rows[i].fragment == NULL || strstr(text, rows[i].fragment));
    if (!ok) {
      failed++;
      printf("ROW FAILED %s: got %d (%s) want %d, last error \"%s\" (want \"%s\")\n", rows[i].name, got,
             HARNESS_CODE_NAME(got), rows[i].expect, text, rows[i].fragment ? rows[i].fragment : "");
    }
  }
  alarm(0);
  printf("rows=%d failed=%d\n", count, failed);
  return failed;
}

/* ---- The fork harness ---- */

#define FORKED "used in a forked child; create a new handle"
#define IDS 64
#define ID_LEN 64

struct ids {
  char id[IDS][ID_LEN];
  int n;
};

static inline double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void add_id(struct ids* ids, const char* id) {
  if (ids->n < IDS) snprintf(ids->id[ids->n++], ID_LEN, "%s", id);
}

/* The child's side: its ids into `fd`. Returns 0 when all were written. */
static inline int write_ids(int fd, const struct ids* ids) {
  int bad = 0;
  for (int i = 0; i < ids->n; i++) {
    if (write(fd, ids->id[i], ID_LEN) != ID_LEN) bad++;
  }
  close(fd);
  return bad;
}

/* The parent's side: the child's ids from `fd` until it closes or
 * `deadline` (now_ms) passes; then the child's exit code, after killing it
 * if it still runs at the deadline (-1: it hung). */
static inline int collect_child(pid_t pid, int fd, double deadline, struct ids* kid) {
  size_t got = 0;
  char* dst = (char*)kid->id;
  for (;;) {
    int left = (int)(deadline - now_ms());
    if (left <= 0) break;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, left) <= 0) break;
    ssize_t r = read(fd, dst + got, sizeof kid->id - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  kid->n = (int)(got / ID_LEN);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (now_ms() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(10000);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Ids of `kid` that repeat one of `parent` or of `kid` itself. */
static inline int duplicates(const struct ids* parent, const struct ids* kid) {
  int dups = 0;
  for (int i = 0; i < kid->n; i++) {
    for (int j = 0; j < parent->n; j++) dups += strcmp(kid->id[i], parent->id[j]) == 0;
    for (int j = 0; j < i; j++) dups += strcmp(kid->id[i], kid->id[j]) == 0;
  }
  return dups;
}

/* Inherited-handle calls checked so far. */
static UNUSED int inert = 0;

/* An inherited-handle call: `code` with the fork text, within 100 ms. */
#define INERT_AS(call, code)                                                   \
  do {                                                                         \
    double t0_ = now_ms();                                                     \
    int rc_ = (int)(call);                                                     \
    double took_ = now_ms() - t0_;                                             \
    if (rc_ != (code) || !strstr(HARNESS_LAST_ERROR(), FORKED) ||              \
        took_ > 100) {                                                         \
      printf("CHECK FAILED line %d: %s -> %d %s (want %d) in %.1f ms (%s)\n",  \
             __LINE__, #call, rc_, HARNESS_CODE_NAME(rc_), (code), took_,      \
             HARNESS_LAST_ERROR());                                            \
      failures++;                                                              \
    }                                                                          \
    inert++;                                                                   \
  } while (0)

/* Forks with a pipe from the child to the parent; `*fd` is its write end
 * in the child (0 returned), its read end in the parent. */
static inline pid_t fork_piped(int* fd) {
  int fds[2];
  CHECK(pipe(fds) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  close(fds[pid == 0 ? 0 : 1]);
  *fd = fds[pid == 0 ? 1 : 0];
  return pid;
}

/* The parent's end: the child's 20 ids within 30 s, its exit 0, the
 * parent's 40 ids, and no id twice. */
static inline void check_child(pid_t pid, int fd, const struct ids* parent) {
  struct ids kid = {.n = 0};
  int code = collect_child(pid, fd, now_ms() + 30000, &kid);
  printf("child exit=%d ids=%d\n", code, kid.n);
  CHECK(code == 0); /* -1: it hung and was killed */
  CHECK(kid.n == 20);
  int dups = duplicates(parent, &kid);
  printf("parent sent=%d duplicates=%d\n", parent->n, dups);
  CHECK(parent->n == 40);
  CHECK(dups == 0);
}

#endif
