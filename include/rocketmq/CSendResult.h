/*
 * CSendResult.h - outcome of a successful send (legacy rocketmq-client-cpp
 * C API). Passed by pointer to the synchronous sends and by value to the
 * asynchronous success callbacks.
 */
#ifndef __C_SEND_RESULT_H__
#define __C_SEND_RESULT_H__

#include "CCommon.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Broker-side storage status of a sent message. */
typedef enum E_CSendStatus_ {
  E_SEND_OK = 0,
  E_SEND_FLUSH_DISK_TIMEOUT = 1,
  E_SEND_FLUSH_SLAVE_TIMEOUT = 2,
  E_SEND_SLAVE_NOT_AVAILABLE = 3
} CSendStatus;

/* 272 bytes on LP64: status at 0, msgId at 4, offset at 264. */
typedef struct _SendResult_ {
  CSendStatus sendStatus;
  char msgId[MAX_MESSAGE_ID_LENGTH]; /* client message id, NUL-terminated */
  long long offset;                  /* offset in the message queue */
} CSendResult;

#ifdef __cplusplus
}
#endif
#endif /* __C_SEND_RESULT_H__ */
