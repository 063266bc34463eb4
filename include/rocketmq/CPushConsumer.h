/*
 * CPushConsumer.h - push consumer API of the legacy rocketmq-client-cpp C
 * interface. Declared so that bindings which resolve these symbols at load
 * time keep working; see docs/legacy-api.md for what librocketmq does.
 */
#ifndef __C_PUSH_CONSUMER_H__
#define __C_PUSH_CONSUMER_H__

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque push consumer handle. */
typedef struct CPushConsumer CPushConsumer;

/* Value a MessageCallBack returns. */
typedef enum E_CConsumeStatus { E_CONSUME_SUCCESS = 0, E_RECONSUME_LATER = 1 } CConsumeStatus;

/* Called once per delivered message, on a consume thread, with the consumer handle and a
 * message valid only during the call; returns a CConsumeStatus value (any non-zero value
 * means E_RECONSUME_LATER for the message's whole batch). */
typedef int (*MessageCallBack)(CPushConsumer*, CMessageExt*);

/* Creates a push consumer for group `groupId`; NULL if groupId is NULL. */
ROCKETMQCLIENT_API CPushConsumer* CreatePushConsumer(const char* groupId);
/* Frees the consumer handle. */
ROCKETMQCLIENT_API int DestroyPushConsumer(CPushConsumer* consumer);
/* Starts consuming. */
ROCKETMQCLIENT_API int StartPushConsumer(CPushConsumer* consumer);
/* Stops consuming. */
ROCKETMQCLIENT_API int ShutdownPushConsumer(CPushConsumer* consumer);
/* Returns the library version text. */
ROCKETMQCLIENT_API const char* ShowPushConsumerVersion(CPushConsumer* consumer);
/* Replaces the consumer group name. */
ROCKETMQCLIENT_API int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId);
/* Returns the consumer group name. */
ROCKETMQCLIENT_API const char* GetPushConsumerGroupID(CPushConsumer* consumer);
/* Sets the NameServer list. */
ROCKETMQCLIENT_API int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv);
/* Sets the HTTP domain used to discover the NameServer list. */
ROCKETMQCLIENT_API int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain);
/* Subscribes to `topic` with a tag expression such as "*" or "a || b". */
ROCKETMQCLIENT_API int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression);
/* Registers the callback for orderly consumption (one call at a time per queue, in offset order). */
ROCKETMQCLIENT_API int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback);
/* Registers the callback for concurrent consumption. */
ROCKETMQCLIENT_API int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback);
/* Drops the orderly callback registration. */
ROCKETMQCLIENT_API int UnregisterMessageCallbackOrderly(CPushConsumer* consumer);
/* Drops the concurrent callback registration. */
ROCKETMQCLIENT_API int UnregisterMessageCallback(CPushConsumer* consumer);
/* Sets the number of consuming threads. */
ROCKETMQCLIENT_API int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount);
/* Sets how many messages one callback round may cover. */
ROCKETMQCLIENT_API int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize);
/* Sets the instance name (part of the client id). */
ROCKETMQCLIENT_API int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName);
/* Sets ACL / ONS credentials. */
ROCKETMQCLIENT_API int SetPushConsumerSessionCredentials(CPushConsumer* consumer,
                                                         const char* accessKey,
                                                         const char* secretKey,
                                                         const char* channel);
/* Sets the log directory. */
ROCKETMQCLIENT_API int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath);
/* Sets how many log files are kept and the size of each (in MB). */
ROCKETMQCLIENT_API int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int fileNum, long fileSize);
/* Sets the log level. */
ROCKETMQCLIENT_API int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level);
/* Chooses clustering or broadcasting consumption. */
ROCKETMQCLIENT_API int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel);
/* Sets how many messages are cached per queue. */
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int maxCacheSize);
/* Sets the per-queue cache limit in MB (legacy: never implemented, returned Not_Support;
 * librocketmq: implemented, returns OK). */
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int maxCacheSizeInMb);
/* Turns message tracing on (OPEN) or off (CLOSE). */
ROCKETMQCLIENT_API int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel openTrace);
/* Turns TLS on (non-zero) or off (added after 2.2.0). */
ROCKETMQCLIENT_API int SetPushConsumerSsl(CPushConsumer* consumer, int enableSsl);
/* Sets the TLS property file path (added after 2.2.0). */
ROCKETMQCLIENT_API int SetPushConsumerSslPropertyFile(CPushConsumer* consumer, const char* sslPropertyFile);

#ifdef __cplusplus
}
#endif
#endif /* __C_PUSH_CONSUMER_H__ */
