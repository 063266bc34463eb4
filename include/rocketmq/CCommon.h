/*
 * CCommon.h - shared constants, status codes and enums of the legacy
 * rocketmq-client-cpp C API, re-declared for librocketmq (Rust).
 *
 * Every name, value and layout in the rocketmq/C*.h headers is kept
 * identical to apache/rocketmq-client-cpp 2.2.0 plus the additions made on
 * its master branch afterwards, so that code written against the old
 * headers compiles and links unchanged.
 */
#ifndef __C_COMMON_H__
#define __C_COMMON_H__

#ifdef __cplusplus
extern "C" {
#endif

/* Buffer sizes (bytes, including the terminating NUL) of the fixed-size
 * string fields in the public structs. */
#define MAX_MESSAGE_ID_LENGTH 256
#define MAX_TOPIC_LENGTH 512
#define MAX_BROKER_NAME_ID_LENGTH 256
#define MAX_SDK_VERSION_LENGTH 256

/* What ShowProducerVersion() reports when it is given a NULL handle. */
#define DEFAULT_SDK_VERSION "DefaultVersion"

/* Return codes of the int-returning functions. Several names share a value
 * on purpose (the *_ERROR_CODE_START aliases). */
typedef enum _CStatus_ {
  OK = 0,            /* success */
  NULL_POINTER = 1,  /* a required argument was NULL (or otherwise invalid) */
  MALLOC_FAILED = 2, /* an allocation failed */

  PRODUCER_ERROR_CODE_START = 10,
  PRODUCER_START_FAILED = 10, /* also used by every producer setter */
  PRODUCER_SEND_SYNC_FAILED = 11,
  PRODUCER_SEND_ONEWAY_FAILED = 12,
  PRODUCER_SEND_ORDERLY_FAILED = 13,
  PRODUCER_SEND_ASYNC_FAILED = 14,
  PRODUCER_SEND_ORDERLYASYNC_FAILED = 15,
  PRODUCER_SEND_TRANSACTION_FAILED = 16,

  PUSHCONSUMER_ERROR_CODE_START = 20,
  PUSHCONSUMER_START_FAILED = 20,

  PULLCONSUMER_ERROR_CODE_START = 30,
  PULLCONSUMER_START_FAILED = 30,
  PULLCONSUMER_FETCH_MQ_FAILED = 31,
  PULLCONSUMER_FETCH_MESSAGE_FAILED = 32,

  Not_Support = 500,   /* the operation is not implemented */
  NOT_SUPPORT_NOW = -1 /* historical; not returned by any function */
} CStatus;

/* Log verbosity, most severe first. */
typedef enum _CLogLevel_ {
  E_LOG_LEVEL_FATAL = 1,
  E_LOG_LEVEL_ERROR = 2,
  E_LOG_LEVEL_WARN = 3,
  E_LOG_LEVEL_INFO = 4,
  E_LOG_LEVEL_DEBUG = 5,
  E_LOG_LEVEL_TRACE = 6,
  E_LOG_LEVEL_LEVEL_NUM = 7
} CLogLevel;

/* Symbol decoration for the API functions. Empty everywhere except on
 * Windows DLL builds, exactly as in the original client. */
#ifdef WIN32
#ifdef ROCKETMQCLIENT_EXPORTS
#ifdef _WINDLL
#define ROCKETMQCLIENT_API __declspec(dllexport)
#else
#define ROCKETMQCLIENT_API
#endif
#else
#ifdef ROCKETMQCLIENT_IMPORT
#define ROCKETMQCLIENT_API __declspec(dllimport)
#else
#define ROCKETMQCLIENT_API
#endif
#endif
#else
#define ROCKETMQCLIENT_API
#endif

/* How a push consumer group shares messages (BROADCASTING = 0, CLUSTERING = 1). */
typedef enum _CMessageModel_ { BROADCASTING, CLUSTERING } CMessageModel;

/* Message trace switch (OPEN = 0, CLOSE = 1). */
typedef enum _CTraceModel_ { OPEN, CLOSE } CTraceModel;

#ifdef __cplusplus
}
#endif
#endif /* __C_COMMON_H__ */
