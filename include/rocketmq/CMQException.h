/*
 * CMQException.h - error details passed by value to the asynchronous send
 * exception callbacks (legacy rocketmq-client-cpp C API).
 */
#ifndef __C_MQEXCPTION_H__
#define __C_MQEXCPTION_H__
#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Field capacities, bytes including the NUL (the spelling "EXEPTION" is
 * the original one and is kept). */
#define MAX_EXEPTION_MSG_LENGTH 512
#define MAX_EXEPTION_FILE_LENGTH 256
#define MAX_EXEPTION_TYPE_LENGTH 128

/* 904 bytes: error 0, line 4, file 8, msg 264, type 776. */
typedef struct _CMQException_ {
  int error;                           /* error code */
  int line;                            /* source line that raised the error */
  char file[MAX_EXEPTION_FILE_LENGTH]; /* source file that raised the error */
  char msg[MAX_EXEPTION_MSG_LENGTH];   /* human-readable description */
  char type[MAX_EXEPTION_TYPE_LENGTH]; /* error class name */
} CMQException;

#ifdef __cplusplus
}
#endif
#endif /* __C_MQEXCPTION_H__ */
