/*
 * CBatchMessage.h - a list of messages sent together with SendBatchMessage
 * (legacy rocketmq-client-cpp C API).
 */
#ifndef __C_BATCHMESSAGE_H__
#define __C_BATCHMESSAGE_H__
#include "CCommon.h"
#include "CMessage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque batch handle. */
typedef struct CBatchMessage CBatchMessage;

/* Creates an empty batch. (The original header wrote "()"; "(void)" is the
 * same function type and keeps -Wstrict-prototypes quiet.) */
ROCKETMQCLIENT_API CBatchMessage* CreateBatchMessage(void);
/* Appends a copy of `msg`; the caller still owns and must destroy `msg`. */
ROCKETMQCLIENT_API int AddMessage(CBatchMessage* batchMsg, CMessage* msg);
/* Frees the batch and the copies it holds. */
ROCKETMQCLIENT_API int DestroyBatchMessage(CBatchMessage* batchMsg);

#ifdef __cplusplus
}
#endif
#endif /* __C_BATCHMESSAGE_H__ */
