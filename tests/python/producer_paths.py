"""Drives the unmodified rocketmq-client-python 2.0.0 binding (ctypes over
librocketmq.so) through its producer paths. Run by tests/python_binding.rs:
    python producer_paths.py NAMESRV TOPIC
Prints one line per send: <path> <status> <msg id> <offset>."""
import sys, time
from rocketmq.client import Producer, Message, TransactionMQProducer, TransactionStatus, SendStatus
ns, topic = sys.argv[1], sys.argv[2]
p = Producer('py_group_%d' % int(time.time()*1000))
p.set_name_server_address(ns)
p.start()
m = Message(topic); m.set_keys('k1'); m.set_tags('TagPy'); m.set_body('hello from python'); m.set_property('color', 'blue')
r = p.send_sync(m)
print('sync', r.status, r.msg_id, r.offset)
p.send_oneway(m)
print('oneway ok')
r = p.send_orderly_with_sharding_key(m, 'order-7')
print('orderly', r.status, r.msg_id, r.offset)
p.shutdown()

def check(msg):
    return TransactionStatus.COMMIT
tp = TransactionMQProducer('py_tx_%d' % int(time.time()*1000), check)
tp.set_name_server_address(ns)
tp.start()
m = Message(topic); m.set_body('tx commit')
r = tp.send_message_in_transaction(m, lambda msg, args: TransactionStatus.COMMIT)
print('tx-commit', r.status, r.msg_id, r.offset)
m = Message(topic); m.set_body('tx rollback')
r = tp.send_message_in_transaction(m, lambda msg, args: TransactionStatus.ROLLBACK)
print('tx-rollback', r.status, r.msg_id, r.offset)
tp.shutdown()
