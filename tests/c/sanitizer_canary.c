/* Planted faults that the sanitizer tests (tests/sanitizers.rs) expect their
 * tool to report, so that a sanitizer run that checks nothing fails:
 *   sanitizer_canary leak      a message the library allocated, never freed
 *   sanitizer_canary overflow  a heap read one past the end (in C)
 *   sanitizer_canary clean     nothing wrong (exit 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rocketmq.h"

/* Drops the handles (out of line: no stale copy left in main's frame). */
__attribute__((noinline)) static void leak_messages(void) {
    for (int i = 0; i < 16; i++) {
        rmq_message *m = rmq_message_new("CanaryTopic");
        if (m == NULL || rmq_message_set_keys(m, "canary") != RMQ_STATUS_OK) {
            exit(2);
        }
    }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "clean";
    if (strcmp(mode, "leak") == 0) {
        leak_messages();
        puts("leaked 16 messages");
        return 0;
    }
    if (strcmp(mode, "overflow") == 0) {
        volatile char *p = calloc(8, 1);
        int c = p[8];
        free((void *)p);
        return c == 0x7f ? 3 : 0;
    }
    rmq_message *m = rmq_message_new("CanaryTopic");
    rmq_message_free(m);
    return 0;
}
