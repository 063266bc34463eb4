/*
 * CPullConsumer.h - pull consumer API of the legacy rocketmq-client-cpp C
 * interface. Declared so that bindings which resolve these symbols at load
 * time keep working; see docs/legacy-api.md for what librocketmq does.
 */
#ifndef __C_PULL_CONSUMER_H__
#define __C_PULL_CONSUMER_H__

#include "CCommon.h"
#include "CMessageExt.h"
#include "CMessageQueue.h"
#include "CPullResult.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque pull consumer handle. */
typedef struct CPullConsumer CPullConsumer;

/* Creates a pull consumer for group `groupId`; NULL if groupId is NULL. */
ROCKETMQCLIENT_API CPullConsumer* CreatePullConsumer(const char* groupId);
/* Frees the consumer handle. */
ROCKETMQCLIENT_API int DestroyPullConsumer(CPullConsumer* consumer);
/* Starts the consumer. */
ROCKETMQCLIENT_API int StartPullConsumer(CPullConsumer* consumer);
/* Stops the consumer. */
ROCKETMQCLIENT_API int ShutdownPullConsumer(CPullConsumer* consumer);
/* Returns the library version text. */
ROCKETMQCLIENT_API const char* ShowPullConsumerVersion(CPullConsumer* consumer);

/* Replaces the consumer group name. */
ROCKETMQCLIENT_API int SetPullConsumerGroupID(CPullConsumer* consumer, const char* groupId);
/* Returns the consumer group name. */
ROCKETMQCLIENT_API const char* GetPullConsumerGroupID(CPullConsumer* consumer);
/* Sets the NameServer list. */
ROCKETMQCLIENT_API int SetPullConsumerNameServerAddress(CPullConsumer* consumer, const char* namesrv);
/* Sets the HTTP domain used to discover the NameServer list. */
ROCKETMQCLIENT_API int SetPullConsumerNameServerDomain(CPullConsumer* consumer, const char* domain);
/* Sets ACL / ONS credentials. */
ROCKETMQCLIENT_API int SetPullConsumerSessionCredentials(CPullConsumer* consumer,
                                                         const char* accessKey,
                                                         const char* secretKey,
                                                         const char* channel);
/* Sets the log directory. */
ROCKETMQCLIENT_API int SetPullConsumerLogPath(CPullConsumer* consumer, const char* logPath);
/* Sets how many log files are kept and the size of each (in MB). */
ROCKETMQCLIENT_API int SetPullConsumerLogFileNumAndSize(CPullConsumer* consumer, int fileNum, long fileSize);
/* Sets the log level. */
ROCKETMQCLIENT_API int SetPullConsumerLogLevel(CPullConsumer* consumer, CLogLevel level);
/* Turns TLS on (non-zero) or off (added after 2.2.0). */
ROCKETMQCLIENT_API int SetPullConsumerSsl(CPullConsumer* consumer, int enableSsl);
/* Sets the TLS property file path (added after 2.2.0). */
ROCKETMQCLIENT_API int SetPullConsumerSslPropertyFile(CPullConsumer* consumer, const char* sslPropertyFile);

/* Lists the queues of `topic` into a malloc'ed array of *size entries
 * stored in *mqs; free it with ReleaseSubscriptionMessageQueue. */
ROCKETMQCLIENT_API int FetchSubscriptionMessageQueues(CPullConsumer* consumer,
                                                      const char* topic,
                                                      CMessageQueue** mqs,
                                                      int* size);
/* Frees an array returned by FetchSubscriptionMessageQueues. */
ROCKETMQCLIENT_API int ReleaseSubscriptionMessageQueue(CMessageQueue* mqs);

/* Pulls up to `maxNums` messages matching `subExpression` from `mq`
 * starting at `offset`; the result is returned by value. */
ROCKETMQCLIENT_API CPullResult
Pull(CPullConsumer* consumer, const CMessageQueue* mq, const char* subExpression, long long offset, int maxNums);
/* Frees the messages and the list held by a CPullResult. */
ROCKETMQCLIENT_API int ReleasePullResult(CPullResult pullResult);

#ifdef __cplusplus
}
#endif
#endif /* __C_PULL_CONSUMER_H__ */
