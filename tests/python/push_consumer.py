"""Drives the unmodified rocketmq-client-python 2.0.0 binding's PushConsumer
(ctypes over librocketmq.so). Run by tests/python_binding.rs:
    python push_consumer.py clustering NAMESRV TOPIC GROUP COUNT
        A concurrent clustering consumer of GROUP takes the COUNT messages the
        test sent to TOPIC; the message whose body is "retry-me" is refused
        once (RECONSUME_LATER) and comes back. One line per delivery:
            msg <id> <topic> <tags> <keys> <reconsume times> <queue id> <queue offset> <body>
    python push_consumer.py broadcasting NAMESRV TOPIC GROUP COUNT
        Two broadcasting consumers of GROUP (instance names one, two); the
        script sends probes until both consume, then COUNT messages:
            sent <id>
            bcast <one|two> <id> <body>
    python push_consumer.py orderly NAMESRV TOPIC GROUP COUNT
        An orderly consumer (PushConsumer(orderly=True)) takes the COUNT
        messages the test sent; "msg" lines as for clustering.
Ends with "done" after shutting the consumers down; exits 1 on a timeout."""
import sys, threading, time
from rocketmq.client import PushConsumer, Producer, Message, ConsumeStatus
from rocketmq.ffi import MessageModel

mode, ns, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
lock = threading.Lock()


def text(b):
    return b.decode('utf-8') if isinstance(b, bytes) else str(b)


def wait_for(done, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with lock:
            if done():
                return True
        time.sleep(0.1)
    return False


if mode == 'orderly':
    seen = set()

    def on_message(msg):
        with lock:
            seen.add(msg.id)
            print('msg', msg.id, msg.topic, text(msg.tags), text(msg.keys), msg.reconsume_times,
                  msg.queue_id, msg.queue_offset, text(msg.body), flush=True)
        time.sleep(0.01)
        return ConsumeStatus.CONSUME_SUCCESS

    c = PushConsumer(group, orderly=True)
    c.set_name_server_address(ns)
    c.set_thread_count(4)
    c.subscribe(topic, on_message)
    c.start()
    ok = wait_for(lambda: len(seen) >= count, 60)
    c.shutdown()
    print('done' if ok else 'timeout', flush=True)
    sys.exit(0 if ok else 1)

elif mode == 'clustering':
    seen = []  # (id, reconsume times)

    def on_message(msg):
        with lock:
            seen.append((msg.id, msg.reconsume_times))
            print('msg', msg.id, msg.topic, text(msg.tags), text(msg.keys), msg.reconsume_times,
                  msg.queue_id, msg.queue_offset, text(msg.body), flush=True)
            if msg.body == b'retry-me' and msg.reconsume_times == 0:
                return ConsumeStatus.RECONSUME_LATER
            return ConsumeStatus.CONSUME_SUCCESS

    c = PushConsumer(group)  # concurrent, clustering
    c.set_name_server_address(ns)
    c.set_thread_count(2)
    c.set_message_batch_max_size(1)
    c.subscribe(topic, on_message)
    c.start()
    ok = wait_for(lambda: len(set(i for i, _ in seen)) >= count and any(r == 1 for _, r in seen), 60)
    c.shutdown()
    print('done' if ok else 'timeout', flush=True)
    sys.exit(0 if ok else 1)

elif mode == 'broadcasting':
    got = {'one': set(), 'two': set()}
    probes = {'one': 0, 'two': 0}
    consumers = []
    for name in ('one', 'two'):
        def on_message(msg, name=name):
            with lock:
                if msg.tags == b'Probe':
                    probes[name] += 1
                else:
                    got[name].add(msg.id)
                    print('bcast', name, msg.id, text(msg.body), flush=True)
            return ConsumeStatus.CONSUME_SUCCESS

        c = PushConsumer(group, message_model=MessageModel.BROADCASTING)
        c.set_name_server_address(ns)
        c.set_instance_name(name)
        c.set_thread_count(2)
        c.subscribe(topic, on_message)
        c.start()
        consumers.append(c)
    p = Producer(group + '_producer')
    p.set_name_server_address(ns)
    p.start()
    # A broadcasting consumer starts at the end of each queue: probe until
    # both consume.
    deadline = time.time() + 60
    while True:
        with lock:
            if all(probes.values()):
                break
        if time.time() > deadline:
            print('timeout (probes)', flush=True)
            sys.exit(1)
        m = Message(topic)
        m.set_tags('Probe')
        m.set_body('probe')
        p.send_sync(m)
        time.sleep(0.5)
    sent = set()
    for i in range(count):
        m = Message(topic)
        m.set_body('bcast-%d' % i)
        r = p.send_sync(m)
        with lock:  # print is not atomic: one line at a time
            sent.add(r.msg_id)
            print('sent', r.msg_id, flush=True)
    p.shutdown()
    ok = wait_for(lambda: all(sent <= g for g in got.values()), 60)
    for c in consumers:
        c.shutdown()
    print('done' if ok else 'timeout', flush=True)
    sys.exit(0 if ok else 1)
