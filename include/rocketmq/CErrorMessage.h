/*
 * CErrorMessage.h - last error text of the calling thread (legacy
 * rocketmq-client-cpp C API).
 */
#ifndef __CERROR_MESSAGE_H__
#define __CERROR_MESSAGE_H__

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returns the description of the most recent failure recorded on this
 * thread, or "" if none. Never NULL. The text is owned by the library and
 * stays valid until the next failure on the same thread. (The original
 * header wrote "()"; "(void)" is the same function type.) */
ROCKETMQCLIENT_API const char* GetLatestErrorMessage(void);

#ifdef __cplusplus
}
#endif
#endif /* __CERROR_MESSAGE_H__ */
