/*
 * CTransactionStatus.h - verdict returned by the local-transaction
 * callbacks (legacy rocketmq-client-cpp C API).
 */
#ifndef __C_TRANSACTION_STATUS_H__
#define __C_TRANSACTION_STATUS_H__

#ifdef __cplusplus
extern "C" {
#endif

typedef enum E_CTransactionStatus {
  E_COMMIT_TRANSACTION = 0,   /* deliver the half message */
  E_ROLLBACK_TRANSACTION = 1, /* discard the half message */
  E_UNKNOWN_TRANSACTION = 2   /* undecided; the broker will check back later */
} CTransactionStatus;

#ifdef __cplusplus
}
#endif
#endif /* __C_TRANSACTION_STATUS_H__ */
