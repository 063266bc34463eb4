/*
 * Compile-time checks of the legacy rocketmq-client-cpp C headers shipped in
 * include/rocketmq/: struct sizes and field offsets, enum sizes and values,
 * macro values and the exact type of every legacy function.
 *
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude -c tests/c/legacy_layout.c
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude/rocketmq -DLEGACY_FLAT_INCLUDE \
 *      -c tests/c/legacy_layout.c
 *
 * With -DLEGACY_LINK_CHECK the file also defines a table holding the address
 * of every legacy function and an empty main(), so linking it against
 * librocketmq proves that each symbol is exported:
 *
 *   cc -std=c11 -DLEGACY_LINK_CHECK -Iinclude tests/c/legacy_layout.c \
 *      -Ltarget/release -lrocketmq -Wl,-z,now -o /tmp/legacy_link_check
 *   LD_LIBRARY_PATH=target/release /tmp/legacy_link_check
 *
 * The program prints nothing.
 */
#include <stddef.h>

#ifdef LEGACY_FLAT_INCLUDE
/* -Iinclude/rocketmq, as code written for the original install layout does. */
#include "CCommon.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CBatchMessage.h"
#include "CSendResult.h"
#include "CMQException.h"
#include "CErrorMessage.h"
#include "CMessageQueue.h"
#include "CTransactionStatus.h"
#include "CProducer.h"
#include "CPushConsumer.h"
#include "CPullConsumer.h"
#include "CPullResult.h"
#else
/* -Iinclude, as the Go binding does (#include <rocketmq/CProducer.h>). */
#include <rocketmq/CCommon.h>
#include <rocketmq/CMessage.h>
#include <rocketmq/CMessageExt.h>
#include <rocketmq/CBatchMessage.h>
#include <rocketmq/CSendResult.h>
#include <rocketmq/CMQException.h>
#include <rocketmq/CErrorMessage.h>
#include <rocketmq/CMessageQueue.h>
#include <rocketmq/CTransactionStatus.h>
#include <rocketmq/CProducer.h>
#include <rocketmq/CPushConsumer.h>
#include <rocketmq/CPullConsumer.h>
#include <rocketmq/CPullResult.h>
#endif

/* ------------------------------------------------------------------------- */
/* Macros                                                                    */
/* ------------------------------------------------------------------------- */

_Static_assert(MAX_MESSAGE_ID_LENGTH == 256, "MAX_MESSAGE_ID_LENGTH");
_Static_assert(MAX_TOPIC_LENGTH == 512, "MAX_TOPIC_LENGTH");
_Static_assert(MAX_BROKER_NAME_ID_LENGTH == 256, "MAX_BROKER_NAME_ID_LENGTH");
_Static_assert(MAX_SDK_VERSION_LENGTH == 256, "MAX_SDK_VERSION_LENGTH");
_Static_assert(MAX_EXEPTION_MSG_LENGTH == 512, "MAX_EXEPTION_MSG_LENGTH");
_Static_assert(MAX_EXEPTION_FILE_LENGTH == 256, "MAX_EXEPTION_FILE_LENGTH");
_Static_assert(MAX_EXEPTION_TYPE_LENGTH == 128, "MAX_EXEPTION_TYPE_LENGTH");
_Static_assert(sizeof(DEFAULT_SDK_VERSION) == sizeof("DefaultVersion"), "DEFAULT_SDK_VERSION");

/* ROCKETMQCLIENT_API must exist and expand to nothing outside Windows. */
#ifndef ROCKETMQCLIENT_API
#error "ROCKETMQCLIENT_API is not defined"
#endif
#ifndef WIN32
#define LEGACY_STR2(x) #x
#define LEGACY_STR(x) LEGACY_STR2(x)
_Static_assert(sizeof(LEGACY_STR(ROCKETMQCLIENT_API)) == 1, "ROCKETMQCLIENT_API expands to nothing");
#endif

/* ------------------------------------------------------------------------- */
/* Enum values                                                               */
/* ------------------------------------------------------------------------- */

_Static_assert(OK == 0, "OK");
_Static_assert(NULL_POINTER == 1, "NULL_POINTER");
_Static_assert(MALLOC_FAILED == 2, "MALLOC_FAILED");
_Static_assert(PRODUCER_ERROR_CODE_START == 10, "PRODUCER_ERROR_CODE_START");
_Static_assert(PRODUCER_START_FAILED == 10, "PRODUCER_START_FAILED");
_Static_assert(PRODUCER_SEND_SYNC_FAILED == 11, "PRODUCER_SEND_SYNC_FAILED");
_Static_assert(PRODUCER_SEND_ONEWAY_FAILED == 12, "PRODUCER_SEND_ONEWAY_FAILED");
_Static_assert(PRODUCER_SEND_ORDERLY_FAILED == 13, "PRODUCER_SEND_ORDERLY_FAILED");
_Static_assert(PRODUCER_SEND_ASYNC_FAILED == 14, "PRODUCER_SEND_ASYNC_FAILED");
_Static_assert(PRODUCER_SEND_ORDERLYASYNC_FAILED == 15, "PRODUCER_SEND_ORDERLYASYNC_FAILED");
_Static_assert(PRODUCER_SEND_TRANSACTION_FAILED == 16, "PRODUCER_SEND_TRANSACTION_FAILED");
_Static_assert(PUSHCONSUMER_ERROR_CODE_START == 20, "PUSHCONSUMER_ERROR_CODE_START");
_Static_assert(PUSHCONSUMER_START_FAILED == 20, "PUSHCONSUMER_START_FAILED");
_Static_assert(PULLCONSUMER_ERROR_CODE_START == 30, "PULLCONSUMER_ERROR_CODE_START");
_Static_assert(PULLCONSUMER_START_FAILED == 30, "PULLCONSUMER_START_FAILED");
_Static_assert(PULLCONSUMER_FETCH_MQ_FAILED == 31, "PULLCONSUMER_FETCH_MQ_FAILED");
_Static_assert(PULLCONSUMER_FETCH_MESSAGE_FAILED == 32, "PULLCONSUMER_FETCH_MESSAGE_FAILED");
_Static_assert(Not_Support == 500, "Not_Support");
_Static_assert(NOT_SUPPORT_NOW == -1, "NOT_SUPPORT_NOW");

_Static_assert(E_LOG_LEVEL_FATAL == 1, "E_LOG_LEVEL_FATAL");
_Static_assert(E_LOG_LEVEL_ERROR == 2, "E_LOG_LEVEL_ERROR");
_Static_assert(E_LOG_LEVEL_WARN == 3, "E_LOG_LEVEL_WARN");
_Static_assert(E_LOG_LEVEL_INFO == 4, "E_LOG_LEVEL_INFO");
_Static_assert(E_LOG_LEVEL_DEBUG == 5, "E_LOG_LEVEL_DEBUG");
_Static_assert(E_LOG_LEVEL_TRACE == 6, "E_LOG_LEVEL_TRACE");
_Static_assert(E_LOG_LEVEL_LEVEL_NUM == 7, "E_LOG_LEVEL_LEVEL_NUM");

_Static_assert(BROADCASTING == 0, "BROADCASTING");
_Static_assert(CLUSTERING == 1, "CLUSTERING");
_Static_assert(OPEN == 0, "OPEN");
_Static_assert(CLOSE == 1, "CLOSE");

_Static_assert(E_SEND_OK == 0, "E_SEND_OK");
_Static_assert(E_SEND_FLUSH_DISK_TIMEOUT == 1, "E_SEND_FLUSH_DISK_TIMEOUT");
_Static_assert(E_SEND_FLUSH_SLAVE_TIMEOUT == 2, "E_SEND_FLUSH_SLAVE_TIMEOUT");
_Static_assert(E_SEND_SLAVE_NOT_AVAILABLE == 3, "E_SEND_SLAVE_NOT_AVAILABLE");

_Static_assert(E_COMMIT_TRANSACTION == 0, "E_COMMIT_TRANSACTION");
_Static_assert(E_ROLLBACK_TRANSACTION == 1, "E_ROLLBACK_TRANSACTION");
_Static_assert(E_UNKNOWN_TRANSACTION == 2, "E_UNKNOWN_TRANSACTION");

_Static_assert(E_CONSUME_SUCCESS == 0, "E_CONSUME_SUCCESS");
_Static_assert(E_RECONSUME_LATER == 1, "E_RECONSUME_LATER");

_Static_assert(E_FOUND == 0, "E_FOUND");
_Static_assert(E_NO_NEW_MSG == 1, "E_NO_NEW_MSG");
_Static_assert(E_NO_MATCHED_MSG == 2, "E_NO_MATCHED_MSG");
_Static_assert(E_OFFSET_ILLEGAL == 3, "E_OFFSET_ILLEGAL");
_Static_assert(E_BROKER_TIMEOUT == 4, "E_BROKER_TIMEOUT");

/* ------------------------------------------------------------------------- */
/* Enum sizes: every enum is passed as a 4-byte int                          */
/* ------------------------------------------------------------------------- */

_Static_assert(sizeof(CStatus) == 4, "sizeof(CStatus)");
_Static_assert(sizeof(CLogLevel) == 4, "sizeof(CLogLevel)");
_Static_assert(sizeof(CMessageModel) == 4, "sizeof(CMessageModel)");
_Static_assert(sizeof(CTraceModel) == 4, "sizeof(CTraceModel)");
_Static_assert(sizeof(CSendStatus) == 4, "sizeof(CSendStatus)");
_Static_assert(sizeof(CTransactionStatus) == 4, "sizeof(CTransactionStatus)");
_Static_assert(sizeof(CConsumeStatus) == 4, "sizeof(CConsumeStatus)");
_Static_assert(sizeof(CPullStatus) == 4, "sizeof(CPullStatus)");

/* ------------------------------------------------------------------------- */
/* Struct layout (LP64: x86-64 and aarch64 Linux)                            */
/* ------------------------------------------------------------------------- */

#if defined(__LP64__) || defined(_LP64)
_Static_assert(sizeof(long) == 8, "LP64 long (SetProducerLogFileNumAndSize)");
_Static_assert(sizeof(long long) == 8, "long long");
_Static_assert(sizeof(void*) == 8, "pointer size");

/* CSendResult */
_Static_assert(sizeof(CSendResult) == 272, "sizeof(CSendResult)");
_Static_assert(_Alignof(CSendResult) == 8, "_Alignof(CSendResult)");
_Static_assert(offsetof(CSendResult, sendStatus) == 0, "CSendResult.sendStatus");
_Static_assert(offsetof(CSendResult, msgId) == 4, "CSendResult.msgId");
_Static_assert(sizeof(((CSendResult*)0)->msgId) == 256, "CSendResult.msgId size");
_Static_assert(offsetof(CSendResult, offset) == 264, "CSendResult.offset");
_Static_assert(sizeof(((CSendResult*)0)->offset) == 8, "CSendResult.offset size");

/* CMQException */
_Static_assert(sizeof(CMQException) == 904, "sizeof(CMQException)");
_Static_assert(_Alignof(CMQException) == 4, "_Alignof(CMQException)");
_Static_assert(offsetof(CMQException, error) == 0, "CMQException.error");
_Static_assert(offsetof(CMQException, line) == 4, "CMQException.line");
_Static_assert(offsetof(CMQException, file) == 8, "CMQException.file");
_Static_assert(sizeof(((CMQException*)0)->file) == 256, "CMQException.file size");
_Static_assert(offsetof(CMQException, msg) == 264, "CMQException.msg");
_Static_assert(sizeof(((CMQException*)0)->msg) == 512, "CMQException.msg size");
_Static_assert(offsetof(CMQException, type) == 776, "CMQException.type");
_Static_assert(sizeof(((CMQException*)0)->type) == 128, "CMQException.type size");

/* CMessageQueue */
_Static_assert(sizeof(CMessageQueue) == 772, "sizeof(CMessageQueue)");
_Static_assert(_Alignof(CMessageQueue) == 4, "_Alignof(CMessageQueue)");
_Static_assert(offsetof(CMessageQueue, topic) == 0, "CMessageQueue.topic");
_Static_assert(sizeof(((CMessageQueue*)0)->topic) == 512, "CMessageQueue.topic size");
_Static_assert(offsetof(CMessageQueue, brokerName) == 512, "CMessageQueue.brokerName");
_Static_assert(sizeof(((CMessageQueue*)0)->brokerName) == 256, "CMessageQueue.brokerName size");
_Static_assert(offsetof(CMessageQueue, queueId) == 768, "CMessageQueue.queueId");

/* CPullResult */
_Static_assert(sizeof(CPullResult) == 56, "sizeof(CPullResult)");
_Static_assert(_Alignof(CPullResult) == 8, "_Alignof(CPullResult)");
_Static_assert(offsetof(CPullResult, pullStatus) == 0, "CPullResult.pullStatus");
_Static_assert(offsetof(CPullResult, nextBeginOffset) == 8, "CPullResult.nextBeginOffset");
_Static_assert(offsetof(CPullResult, minOffset) == 16, "CPullResult.minOffset");
_Static_assert(offsetof(CPullResult, maxOffset) == 24, "CPullResult.maxOffset");
_Static_assert(offsetof(CPullResult, msgFoundList) == 32, "CPullResult.msgFoundList");
_Static_assert(offsetof(CPullResult, size) == 40, "CPullResult.size");
_Static_assert(offsetof(CPullResult, pData) == 48, "CPullResult.pData");
#endif /* LP64 */

/* ------------------------------------------------------------------------- */
/* Callback typedefs                                                         */
/* ------------------------------------------------------------------------- */

#define LEGACY_SAME_TYPE(T, expected) \
  _Static_assert(_Generic((T)0, expected: 1, default: 0), #T " has the legacy type")

LEGACY_SAME_TYPE(QueueSelectorCallback, int (*)(int, CMessage*, void*));
LEGACY_SAME_TYPE(CSendSuccessCallback, void (*)(CSendResult));
LEGACY_SAME_TYPE(CSendExceptionCallback, void (*)(CMQException));
LEGACY_SAME_TYPE(COnSendSuccessCallback, void (*)(CSendResult, CMessage*, void*));
LEGACY_SAME_TYPE(COnSendExceptionCallback, void (*)(CMQException, CMessage*, void*));
LEGACY_SAME_TYPE(CLocalTransactionCheckerCallback, CTransactionStatus (*)(CProducer*, CMessageExt*, void*));
LEGACY_SAME_TYPE(CLocalTransactionExecutorCallback, CTransactionStatus (*)(CProducer*, CMessage*, void*));
LEGACY_SAME_TYPE(MessageCallBack, int (*)(CPushConsumer*, CMessageExt*));

/* ------------------------------------------------------------------------- */
/* Every legacy function: X(return type, name, parameter list)               */
/* (116 = 115 declared by the original headers + the exported-but-undeclared */
/* SetProducerCompressMsgBodyOverHowmuch)                                    */
/* ------------------------------------------------------------------------- */

#define LEGACY_FUNCTIONS(X)                                                                              \
  /* CMessage.h (16) */                                                                                  \
  X(CMessage*, CreateMessage, (const char*))                                                             \
  X(int, DestroyMessage, (CMessage*))                                                                    \
  X(int, SetMessageTopic, (CMessage*, const char*))                                                      \
  X(int, SetMessageTags, (CMessage*, const char*))                                                       \
  X(int, SetMessageKeys, (CMessage*, const char*))                                                       \
  X(int, SetMessageBody, (CMessage*, const char*))                                                       \
  X(int, SetByteMessageBody, (CMessage*, const char*, int))                                              \
  X(int, SetMessageProperty, (CMessage*, const char*, const char*))                                      \
  X(int, SetDelayTimeLevel, (CMessage*, int))                                                            \
  X(const char*, GetOriginMessageTopic, (CMessage*))                                                     \
  X(const char*, GetOriginMessageTags, (CMessage*))                                                      \
  X(const char*, GetOriginMessageKeys, (CMessage*))                                                      \
  X(const char*, GetOriginMessageBody, (CMessage*))                                                      \
  X(int, GetOriginMessageBodyLength, (CMessage*))                                                        \
  X(const char*, GetOriginMessageProperty, (CMessage*, const char*))                                     \
  X(int, GetOriginDelayTimeLevel, (CMessage*))                                                           \
  /* CMessageExt.h (18) */                                                                               \
  X(const char*, GetMessageTopic, (CMessageExt*))                                                        \
  X(const char*, GetMessageTags, (CMessageExt*))                                                         \
  X(const char*, GetMessageKeys, (CMessageExt*))                                                         \
  X(const char*, GetMessageBody, (CMessageExt*))                                                         \
  X(int, GetMessageBodyLength, (CMessageExt*))                                                           \
  X(const char*, GetMessageProperty, (CMessageExt*, const char*))                                        \
  X(const char*, GetMessageId, (CMessageExt*))                                                           \
  X(int, GetMessageDelayTimeLevel, (CMessageExt*))                                                       \
  X(int, GetMessageQueueId, (CMessageExt*))                                                              \
  X(int, GetMessageReconsumeTimes, (CMessageExt*))                                                       \
  X(int, GetMessageStoreSize, (CMessageExt*))                                                            \
  X(long long, GetMessageBornTimestamp, (CMessageExt*))                                                  \
  X(long long, GetMessageStoreTimestamp, (CMessageExt*))                                                 \
  X(long long, GetMessageQueueOffset, (CMessageExt*))                                                    \
  X(long long, GetMessageCommitLogOffset, (CMessageExt*))                                                \
  X(long long, GetMessagePreparedTransactionOffset, (CMessageExt*))                                      \
  X(const char*, GetMessageStoreHost, (CMessageExt*))                                                    \
  X(const char*, GetMessageBornHost, (CMessageExt*))                                                     \
  /* CBatchMessage.h (3) */                                                                              \
  X(CBatchMessage*, CreateBatchMessage, (void))                                                          \
  X(int, AddMessage, (CBatchMessage*, CMessage*))                                                        \
  X(int, DestroyBatchMessage, (CBatchMessage*))                                                          \
  /* CErrorMessage.h (1) */                                                                              \
  X(const char*, GetLatestErrorMessage, (void))                                                          \
  /* CProducer.h (31 + 1 undeclared in the original) */                                                  \
  X(CProducer*, CreateProducer, (const char*))                                                           \
  X(CProducer*, CreateOrderlyProducer, (const char*))                                                    \
  X(CProducer*, CreateTransactionProducer, (const char*, CLocalTransactionCheckerCallback, void*))       \
  X(int, DestroyProducer, (CProducer*))                                                                  \
  X(int, StartProducer, (CProducer*))                                                                    \
  X(int, ShutdownProducer, (CProducer*))                                                                 \
  X(const char*, ShowProducerVersion, (CProducer*))                                                      \
  X(int, SetProducerNameServerAddress, (CProducer*, const char*))                                        \
  X(int, SetProducerNameServerDomain, (CProducer*, const char*))                                         \
  X(int, SetProducerGroupName, (CProducer*, const char*))                                                \
  X(int, SetProducerInstanceName, (CProducer*, const char*))                                             \
  X(int, SetProducerSessionCredentials, (CProducer*, const char*, const char*, const char*))             \
  X(int, SetProducerLogPath, (CProducer*, const char*))                                                  \
  X(int, SetProducerLogFileNumAndSize, (CProducer*, int, long))                                          \
  X(int, SetProducerLogLevel, (CProducer*, CLogLevel))                                                   \
  X(int, SetProducerSendMsgTimeout, (CProducer*, int))                                                   \
  X(int, SetProducerCompressLevel, (CProducer*, int))                                                    \
  X(int, SetProducerMaxMessageSize, (CProducer*, int))                                                   \
  X(int, SetProducerMessageTrace, (CProducer*, CTraceModel))                                             \
  X(int, SetProducerSsl, (CProducer*, int))                                                              \
  X(int, SetProducerSslPropertyFile, (CProducer*, const char*))                                          \
  X(int, SetProducerCompressMsgBodyOverHowmuch, (CProducer*, int))                                       \
  X(int, SendMessageSync, (CProducer*, CMessage*, CSendResult*))                                         \
  X(int, SendBatchMessage, (CProducer*, CBatchMessage*, CSendResult*))                                   \
  X(int, SendMessageAsync, (CProducer*, CMessage*, CSendSuccessCallback, CSendExceptionCallback))        \
  X(int, SendAsync, (CProducer*, CMessage*, COnSendSuccessCallback, COnSendExceptionCallback, void*))    \
  X(int, SendMessageOneway, (CProducer*, CMessage*))                                                     \
  X(int, SendMessageOnewayOrderly, (CProducer*, CMessage*, QueueSelectorCallback, void*))                \
  X(int, SendMessageOrderly, (CProducer*, CMessage*, QueueSelectorCallback, void*, int, CSendResult*))   \
  X(int, SendMessageOrderlyAsync,                                                                        \
    (CProducer*, CMessage*, QueueSelectorCallback, void*, CSendSuccessCallback, CSendExceptionCallback)) \
  X(int, SendMessageOrderlyByShardingKey, (CProducer*, CMessage*, const char*, CSendResult*))            \
  X(int, SendMessageTransaction,                                                                         \
    (CProducer*, CMessage*, CLocalTransactionExecutorCallback, void*, CSendResult*))                     \
  /* CPushConsumer.h (27) */                                                                             \
  X(CPushConsumer*, CreatePushConsumer, (const char*))                                                   \
  X(int, DestroyPushConsumer, (CPushConsumer*))                                                          \
  X(int, StartPushConsumer, (CPushConsumer*))                                                            \
  X(int, ShutdownPushConsumer, (CPushConsumer*))                                                         \
  X(const char*, ShowPushConsumerVersion, (CPushConsumer*))                                              \
  X(int, SetPushConsumerGroupID, (CPushConsumer*, const char*))                                          \
  X(const char*, GetPushConsumerGroupID, (CPushConsumer*))                                               \
  X(int, SetPushConsumerNameServerAddress, (CPushConsumer*, const char*))                                \
  X(int, SetPushConsumerNameServerDomain, (CPushConsumer*, const char*))                                 \
  X(int, Subscribe, (CPushConsumer*, const char*, const char*))                                          \
  X(int, RegisterMessageCallbackOrderly, (CPushConsumer*, MessageCallBack))                              \
  X(int, RegisterMessageCallback, (CPushConsumer*, MessageCallBack))                                     \
  X(int, UnregisterMessageCallbackOrderly, (CPushConsumer*))                                             \
  X(int, UnregisterMessageCallback, (CPushConsumer*))                                                    \
  X(int, SetPushConsumerThreadCount, (CPushConsumer*, int))                                              \
  X(int, SetPushConsumerMessageBatchMaxSize, (CPushConsumer*, int))                                      \
  X(int, SetPushConsumerInstanceName, (CPushConsumer*, const char*))                                     \
  X(int, SetPushConsumerSessionCredentials, (CPushConsumer*, const char*, const char*, const char*))     \
  X(int, SetPushConsumerLogPath, (CPushConsumer*, const char*))                                          \
  X(int, SetPushConsumerLogFileNumAndSize, (CPushConsumer*, int, long))                                  \
  X(int, SetPushConsumerLogLevel, (CPushConsumer*, CLogLevel))                                           \
  X(int, SetPushConsumerMessageModel, (CPushConsumer*, CMessageModel))                                   \
  X(int, SetPushConsumerMaxCacheMessageSize, (CPushConsumer*, int))                                      \
  X(int, SetPushConsumerMaxCacheMessageSizeInMb, (CPushConsumer*, int))                                  \
  X(int, SetPushConsumerMessageTrace, (CPushConsumer*, CTraceModel))                                     \
  X(int, SetPushConsumerSsl, (CPushConsumer*, int))                                                      \
  X(int, SetPushConsumerSslPropertyFile, (CPushConsumer*, const char*))                                  \
  /* CPullConsumer.h (19) */                                                                             \
  X(CPullConsumer*, CreatePullConsumer, (const char*))                                                   \
  X(int, DestroyPullConsumer, (CPullConsumer*))                                                          \
  X(int, StartPullConsumer, (CPullConsumer*))                                                            \
  X(int, ShutdownPullConsumer, (CPullConsumer*))                                                         \
  X(const char*, ShowPullConsumerVersion, (CPullConsumer*))                                              \
  X(int, SetPullConsumerGroupID, (CPullConsumer*, const char*))                                          \
  X(const char*, GetPullConsumerGroupID, (CPullConsumer*))                                               \
  X(int, SetPullConsumerNameServerAddress, (CPullConsumer*, const char*))                                \
  X(int, SetPullConsumerNameServerDomain, (CPullConsumer*, const char*))                                 \
  X(int, SetPullConsumerSessionCredentials, (CPullConsumer*, const char*, const char*, const char*))     \
  X(int, SetPullConsumerLogPath, (CPullConsumer*, const char*))                                          \
  X(int, SetPullConsumerLogFileNumAndSize, (CPullConsumer*, int, long))                                  \
  X(int, SetPullConsumerLogLevel, (CPullConsumer*, CLogLevel))                                           \
  X(int, SetPullConsumerSsl, (CPullConsumer*, int))                                                      \
  X(int, SetPullConsumerSslPropertyFile, (CPullConsumer*, const char*))                                  \
  X(int, FetchSubscriptionMessageQueues, (CPullConsumer*, const char*, CMessageQueue**, int*))           \
  X(int, ReleaseSubscriptionMessageQueue, (CMessageQueue*))                                              \
  X(CPullResult, Pull, (CPullConsumer*, const CMessageQueue*, const char*, long long, int))              \
  X(int, ReleasePullResult, (CPullResult))

/* The declared type of each function must be exactly the legacy one. The
 * _Generic operand is not evaluated, so this creates no symbol reference. */
#define LEGACY_CHECK_SIGNATURE(ret, name, params) \
  _Static_assert(_Generic(&name, ret(*) params: 1, default: 0), #name " has the legacy signature");
LEGACY_FUNCTIONS(LEGACY_CHECK_SIGNATURE)

#define LEGACY_COUNT_ONE(ret, name, params) +1
_Static_assert(0 LEGACY_FUNCTIONS(LEGACY_COUNT_ONE) == 116, "116 legacy functions");

#ifdef LEGACY_LINK_CHECK
/* void (*)(void) is the generic function pointer type: casting to it is
 * portable ISO C and exempt from -Wcast-function-type. */
typedef void (*legacy_fn)(void);
#define LEGACY_ADDRESS(ret, name, params) (legacy_fn)&name,
extern legacy_fn const legacy_symbols[];
legacy_fn const legacy_symbols[] = {LEGACY_FUNCTIONS(LEGACY_ADDRESS)};
extern const unsigned legacy_symbol_count;
const unsigned legacy_symbol_count = sizeof(legacy_symbols) / sizeof(legacy_symbols[0]);

int main(void) {
  return 0;
}
#endif /* LEGACY_LINK_CHECK */
