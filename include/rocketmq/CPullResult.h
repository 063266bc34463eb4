/*
 * CPullResult.h - result of Pull() (legacy rocketmq-client-cpp C API,
 * pull consumer).
 */
#ifndef __C_PULL_RESULT_H__
#define __C_PULL_RESULT_H__

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values 0..4 in declaration order. */
typedef enum E_CPullStatus {
  E_FOUND,
  E_NO_NEW_MSG,
  E_NO_MATCHED_MSG,
  E_OFFSET_ILLEGAL,
  E_BROKER_TIMEOUT /* request timed out or got no response */
} CPullStatus;

/* 56 bytes on LP64: pullStatus 0, nextBeginOffset 8, minOffset 16,
 * maxOffset 24, msgFoundList 32, size 40, pData 48. Release with
 * ReleasePullResult(). */
typedef struct _CPullResult_ {
  CPullStatus pullStatus;
  long long nextBeginOffset;
  long long minOffset;
  long long maxOffset;
  CMessageExt** msgFoundList; /* `size` message handles */
  int size;
  void* pData; /* library-private */
} CPullResult;

#ifdef __cplusplus
}
#endif
#endif /* __C_PULL_RESULT_H__ */
