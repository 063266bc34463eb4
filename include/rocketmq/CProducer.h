/*
 * CProducer.h - producer API of the legacy rocketmq-client-cpp C interface.
 *
 * Functions returning int return a CStatus value (see CCommon.h); on the
 * failure codes other than NULL_POINTER a description is usually available
 * from GetLatestErrorMessage() (CErrorMessage.h). docs/legacy-api.md lists
 * the exact codes of each function.
 */
#ifndef __C_PRODUCER_H__
#define __C_PRODUCER_H__

#include "CBatchMessage.h"
#include "CMQException.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CSendResult.h"
#include "CTransactionStatus.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque producer handle. */
typedef struct CProducer CProducer;

/* Picks the queue for an orderly send: returns an index in [0, size). `msg`
 * is the caller's message handle and `arg` the caller's pointer. */
typedef int (*QueueSelectorCallback)(int size, CMessage* msg, void* arg);
/* Async success notification of SendMessageAsync/SendMessageOrderlyAsync. */
typedef void (*CSendSuccessCallback)(CSendResult result);
/* Async failure notification of SendMessageAsync/SendMessageOrderlyAsync. */
typedef void (*CSendExceptionCallback)(CMQException e);
/* Async success notification of SendAsync; `msg` is the handle given to
 * SendAsync and `userData` its last argument. */
typedef void (*COnSendSuccessCallback)(CSendResult result, CMessage* msg, void* userData);
/* Async failure notification of SendAsync. */
typedef void (*COnSendExceptionCallback)(CMQException e, CMessage* msg, void* userData);
/* Broker check-back of an undecided transaction; `producer` is the handle
 * returned by CreateTransactionProducer and `data` its userData. */
typedef CTransactionStatus (*CLocalTransactionCheckerCallback)(CProducer* producer, CMessageExt* msg, void* data);
/* Runs the local transaction after the half message was stored; `msg` is the
 * handle given to SendMessageTransaction and `data` its userData. */
typedef CTransactionStatus (*CLocalTransactionExecutorCallback)(CProducer* producer, CMessage* msg, void* data);

/* ---- lifecycle ---------------------------------------------------------- */

/* Creates a normal producer for group `groupId`; NULL if groupId is NULL. */
ROCKETMQCLIENT_API CProducer* CreateProducer(const char* groupId);
/* Creates a producer intended for orderly sends; NULL if groupId is NULL. */
ROCKETMQCLIENT_API CProducer* CreateOrderlyProducer(const char* groupId);
/* Creates a transactional producer whose check-backs go to `callback`
 * with `userData`; NULL if groupId is NULL. */
ROCKETMQCLIENT_API CProducer* CreateTransactionProducer(const char* groupId,
                                                        CLocalTransactionCheckerCallback callback,
                                                        void* userData);
/* Frees the producer handle. */
ROCKETMQCLIENT_API int DestroyProducer(CProducer* producer);
/* Connects and starts the producer. */
ROCKETMQCLIENT_API int StartProducer(CProducer* producer);
/* Stops the producer and releases its threads and connections. */
ROCKETMQCLIENT_API int ShutdownProducer(CProducer* producer);
/* Returns the library version text (owned by the producer). */
ROCKETMQCLIENT_API const char* ShowProducerVersion(CProducer* producer);

/* ---- configuration (call before StartProducer) -------------------------- */

/* Sets the NameServer list, "host:port" entries separated by ';'. */
ROCKETMQCLIENT_API int SetProducerNameServerAddress(CProducer* producer, const char* namesrv);
/* Sets the HTTP domain used to discover the NameServer list. */
ROCKETMQCLIENT_API int SetProducerNameServerDomain(CProducer* producer, const char* domain);
/* Replaces the producer group name. */
ROCKETMQCLIENT_API int SetProducerGroupName(CProducer* producer, const char* groupName);
/* Sets the instance name (part of the client id). */
ROCKETMQCLIENT_API int SetProducerInstanceName(CProducer* producer, const char* instanceName);
/* Sets ACL / ONS credentials used to sign requests. */
ROCKETMQCLIENT_API int SetProducerSessionCredentials(CProducer* producer,
                                                     const char* accessKey,
                                                     const char* secretKey,
                                                     const char* onsChannel);
/* Sets the log directory. */
ROCKETMQCLIENT_API int SetProducerLogPath(CProducer* producer, const char* logPath);
/* Sets how many log files are kept and the size of each (in MB). */
ROCKETMQCLIENT_API int SetProducerLogFileNumAndSize(CProducer* producer, int fileNum, long fileSize);
/* Sets the log level. */
ROCKETMQCLIENT_API int SetProducerLogLevel(CProducer* producer, CLogLevel level);
/* Sets the send timeout in milliseconds. */
ROCKETMQCLIENT_API int SetProducerSendMsgTimeout(CProducer* producer, int timeout);
/* Sets the zlib level (0..9, or -1) used for bodies above the threshold. */
ROCKETMQCLIENT_API int SetProducerCompressLevel(CProducer* producer, int level);
/* Sets the largest body, in bytes, that a send accepts. */
ROCKETMQCLIENT_API int SetProducerMaxMessageSize(CProducer* producer, int size);
/* Turns message tracing on (OPEN) or off (CLOSE). */
ROCKETMQCLIENT_API int SetProducerMessageTrace(CProducer* producer, CTraceModel openTrace);
/* Turns TLS on (non-zero) or off (added after 2.2.0). */
ROCKETMQCLIENT_API int SetProducerSsl(CProducer* producer, int enableSsl);
/* Sets the TLS property file path (added after 2.2.0). */
ROCKETMQCLIENT_API int SetProducerSslPropertyFile(CProducer* producer, const char* sslPropertyFile);
/* Sets the body size in bytes from which bodies are compressed. The original
 * library exported this function without declaring it in any header. */
ROCKETMQCLIENT_API int SetProducerCompressMsgBodyOverHowmuch(CProducer* producer, int howmuch);

/* ---- sending ------------------------------------------------------------- */

/* Sends and waits for the broker; fills *result on success. */
ROCKETMQCLIENT_API int SendMessageSync(CProducer* producer, CMessage* msg, CSendResult* result);
/* Sends all messages of a batch (same topic) in one request and waits. */
ROCKETMQCLIENT_API int SendBatchMessage(CProducer* producer, CBatchMessage* msg, CSendResult* result);
/* Sends without waiting; exactly one of the two callbacks is called later. */
ROCKETMQCLIENT_API int SendMessageAsync(CProducer* producer,
                                        CMessage* msg,
                                        CSendSuccessCallback cSendSuccessCallback,
                                        CSendExceptionCallback cSendExceptionCallback);
/* Like SendMessageAsync, but the callbacks also get `msg` and `userData`. */
ROCKETMQCLIENT_API int SendAsync(CProducer* producer,
                                 CMessage* msg,
                                 COnSendSuccessCallback cSendSuccessCallback,
                                 COnSendExceptionCallback cSendExceptionCallback,
                                 void* userData);
/* Sends without waiting for or reporting any broker answer. */
ROCKETMQCLIENT_API int SendMessageOneway(CProducer* producer, CMessage* msg);
/* Oneway send to the queue chosen by `selector(size, msg, arg)`. */
ROCKETMQCLIENT_API int SendMessageOnewayOrderly(CProducer* producer,
                                                CMessage* msg,
                                                QueueSelectorCallback selector,
                                                void* arg);
/* Synchronous send to the queue chosen by `callback(size, msg, arg)`,
 * with up to `autoRetryTimes` further attempts. */
ROCKETMQCLIENT_API int SendMessageOrderly(CProducer* producer,
                                          CMessage* msg,
                                          QueueSelectorCallback callback,
                                          void* arg,
                                          int autoRetryTimes,
                                          CSendResult* result);

/* Asynchronous send to the queue chosen by `callback(size, msg, arg)`. */
ROCKETMQCLIENT_API int SendMessageOrderlyAsync(CProducer* producer,
                                               CMessage* msg,
                                               QueueSelectorCallback callback,
                                               void* arg,
                                               CSendSuccessCallback cSendSuccessCallback,
                                               CSendExceptionCallback cSendExceptionCallback);
/* Synchronous send to the queue picked by hashing `shardingKey`. */
ROCKETMQCLIENT_API int SendMessageOrderlyByShardingKey(CProducer* producer,
                                                       CMessage* msg,
                                                       const char* shardingKey,
                                                       CSendResult* result);
/* Sends a half message, runs `callback(producer, msg, userData)` and ends
 * the transaction with its verdict (transactional producers only). */
ROCKETMQCLIENT_API int SendMessageTransaction(CProducer* producer,
                                              CMessage* msg,
                                              CLocalTransactionExecutorCallback callback,
                                              void* userData,
                                              CSendResult* result);
#ifdef __cplusplus
}
#endif
#endif /* __C_PRODUCER_H__ */
