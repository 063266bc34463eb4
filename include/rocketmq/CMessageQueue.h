/*
 * CMessageQueue.h - one queue of a topic on one broker (legacy
 * rocketmq-client-cpp C API, pull consumer).
 */
#ifndef __C_MESSAGE_QUEUE_H__
#define __C_MESSAGE_QUEUE_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 772 bytes: topic 0, brokerName 512, queueId 768. */
typedef struct _CMessageQueue_ {
  char topic[MAX_TOPIC_LENGTH];
  char brokerName[MAX_BROKER_NAME_ID_LENGTH];
  int queueId;
} CMessageQueue;

#ifdef __cplusplus
}
#endif
#endif /* __C_MESSAGE_QUEUE_H__ */
