/*
 * CMessage.h - outgoing message handle (legacy rocketmq-client-cpp C API).
 *
 * Strings returned by the GetOrigin* functions point into the message and
 * stay valid until the same field is changed or the message is destroyed.
 */
#ifndef __C_MESSAGE_H__
#define __C_MESSAGE_H__
#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque message handle. */
typedef struct CMessage CMessage;

/* Creates a message for `topic` (NULL leaves the topic empty). */
ROCKETMQCLIENT_API CMessage* CreateMessage(const char* topic);
/* Frees a message created by CreateMessage. */
ROCKETMQCLIENT_API int DestroyMessage(CMessage* msg);
/* Replaces the topic. */
ROCKETMQCLIENT_API int SetMessageTopic(CMessage* msg, const char* topic);
/* Sets the tag (the TAGS property). */
ROCKETMQCLIENT_API int SetMessageTags(CMessage* msg, const char* tags);
/* Sets the keys (the KEYS property; several keys are space separated). */
ROCKETMQCLIENT_API int SetMessageKeys(CMessage* msg, const char* keys);
/* Sets the body from a NUL-terminated string (length = strlen(body)). */
ROCKETMQCLIENT_API int SetMessageBody(CMessage* msg, const char* body);
/* Sets the body from `len` bytes, which may contain NULs. */
ROCKETMQCLIENT_API int SetByteMessageBody(CMessage* msg, const char* body, int len);
/* Sets or replaces a user property. */
ROCKETMQCLIENT_API int SetMessageProperty(CMessage* msg, const char* key, const char* value);
/* Sets the delay level (the DELAY property; 0 = no delay). */
ROCKETMQCLIENT_API int SetDelayTimeLevel(CMessage* msg, int level);
/* Returns the topic ("" when unset). */
ROCKETMQCLIENT_API const char* GetOriginMessageTopic(CMessage* msg);
/* Returns the tag ("" when unset). */
ROCKETMQCLIENT_API const char* GetOriginMessageTags(CMessage* msg);
/* Returns the keys ("" when unset). */
ROCKETMQCLIENT_API const char* GetOriginMessageKeys(CMessage* msg);
/* Returns the body; always followed by a NUL byte. */
ROCKETMQCLIENT_API const char* GetOriginMessageBody(CMessage* msg);
/* Returns the body length in bytes (added after 2.2.0). */
ROCKETMQCLIENT_API int GetOriginMessageBodyLength(CMessage* msg);
/* Returns a property value ("" when absent). */
ROCKETMQCLIENT_API const char* GetOriginMessageProperty(CMessage* msg, const char* key);
/* Returns the delay level (0 when unset, -1 for a NULL message). */
ROCKETMQCLIENT_API int GetOriginDelayTimeLevel(CMessage* msg);

#ifdef __cplusplus
}
#endif
#endif /* __C_MESSAGE_H__ */
