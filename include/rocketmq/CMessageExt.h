/*
 * CMessageExt.h - read-only view of a message that came from a broker
 * (legacy rocketmq-client-cpp C API): consumer callbacks, pull results and
 * the transaction check-back callback.
 *
 * The handle and every string returned from it are only valid while the
 * callback (or pull result) that produced the handle is alive.
 */
#ifndef __C_MESSAGE_EXT_H__
#define __C_MESSAGE_EXT_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque received-message handle. */
typedef struct CMessageExt CMessageExt;

/* Returns the topic. */
ROCKETMQCLIENT_API const char* GetMessageTopic(CMessageExt* msgExt);
/* Returns the tag ("" when unset). */
ROCKETMQCLIENT_API const char* GetMessageTags(CMessageExt* msgExt);
/* Returns the keys ("" when unset). */
ROCKETMQCLIENT_API const char* GetMessageKeys(CMessageExt* msgExt);
/* Returns the body; always followed by a NUL byte. */
ROCKETMQCLIENT_API const char* GetMessageBody(CMessageExt* msgExt);
/* Returns the body length in bytes (added after 2.2.0). */
ROCKETMQCLIENT_API int GetMessageBodyLength(CMessageExt* msgExt);
/* Returns a property value ("" when absent). */
ROCKETMQCLIENT_API const char* GetMessageProperty(CMessageExt* msgExt, const char* key);
/* Returns the message id. */
ROCKETMQCLIENT_API const char* GetMessageId(CMessageExt* msgExt);
/* Returns the delay level. */
ROCKETMQCLIENT_API int GetMessageDelayTimeLevel(CMessageExt* msgExt);
/* Returns the queue id the message was stored in. */
ROCKETMQCLIENT_API int GetMessageQueueId(CMessageExt* msgExt);
/* Returns how many times the message has been redelivered. */
ROCKETMQCLIENT_API int GetMessageReconsumeTimes(CMessageExt* msgExt);
/* Returns the stored size of the message in bytes. */
ROCKETMQCLIENT_API int GetMessageStoreSize(CMessageExt* msgExt);
/* Returns the producer-side creation time, ms since the epoch. */
ROCKETMQCLIENT_API long long GetMessageBornTimestamp(CMessageExt* msgExt);
/* Returns the broker-side store time, ms since the epoch. */
ROCKETMQCLIENT_API long long GetMessageStoreTimestamp(CMessageExt* msgExt);
/* Returns the offset of the message in its queue. */
ROCKETMQCLIENT_API long long GetMessageQueueOffset(CMessageExt* msgExt);
/* Returns the offset of the message in the broker commit log. */
ROCKETMQCLIENT_API long long GetMessageCommitLogOffset(CMessageExt* msgExt);
/* Returns the commit-log offset of the prepared (half) transaction message. */
ROCKETMQCLIENT_API long long GetMessagePreparedTransactionOffset(CMessageExt* msgExt);
/* Returns the storing broker's address as "ip:port" (added after 2.2.0). */
ROCKETMQCLIENT_API const char* GetMessageStoreHost(CMessageExt* msg);
/* Returns the producing client's address as "ip:port" (added after 2.2.0). */
ROCKETMQCLIENT_API const char* GetMessageBornHost(CMessageExt* msg);

#ifdef __cplusplus
}
#endif
#endif /* __C_MESSAGE_EXT_H__ */
