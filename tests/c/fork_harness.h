/*
 * What tests/c/fork.c and tests/c/fork_legacy.c share: the clock, the
 * child's ids through a pipe, waiting for the child with a deadline (then
 * SIGKILL), and the duplicate count. Header-only: each program includes it
 * once.
 */
#ifndef FORK_HARNESS_H
#define FORK_HARNESS_H

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORKED "used in a forked child; create a new handle"
#define IDS 64
#define ID_LEN 64

struct ids {
  char id[IDS][ID_LEN];
  int n;
};

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void add_id(struct ids* ids, const char* id) {
  if (ids->n < IDS) snprintf(ids->id[ids->n++], ID_LEN, "%s", id);
}

/* The child's side: its ids into `fd`. Returns 0 when all were written. */
static int write_ids(int fd, const struct ids* ids) {
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
static int collect_child(pid_t pid, int fd, double deadline, struct ids* kid) {
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
static int duplicates(const struct ids* parent, const struct ids* kid) {
  int dups = 0;
  for (int i = 0; i < kid->n; i++) {
    for (int j = 0; j < parent->n; j++) dups += strcmp(kid->id[i], parent->id[j]) == 0;
    for (int j = 0; j < i; j++) dups += strcmp(kid->id[i], kid->id[j]) == 0;
  }
  return dups;
}

#endif
