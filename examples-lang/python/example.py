"""example.py NAMESRV TOPIC GROUP: the Python example of the rmq_* API (ctypes).

Sends one message synchronously and one asynchronously (callback), consumes
both with a push consumer of consumer group GROUP (from the first offset),
and shuts down. Prints

    sync SEND_OK <msgId>
    async SEND_OK <msgId>
    received <msgId> <body>     (once per message, in arrival order)
    shutdown

and exits 0; 1 on an error (on stderr) or when the messages do not arrive
within 30 s; 2 on bad usage. Loads librocketmq.so.0 through the dynamic
loader (install it, or set LD_LIBRARY_PATH to its directory). Standard
library only.

ctypes takes the GIL for a callback that the library calls on its own
threads, and releases it during every call into the library, so a blocking
call (a send, a shutdown) lets callbacks run meanwhile.
"""

import ctypes
import queue
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p,
                    c_int32, c_int64, c_size_t, c_uint8, c_void_p)

ID_CAPACITY = 64  # RMQ_ID_CAPACITY
NAME_CAPACITY = 256  # RMQ_NAME_CAPACITY
STATUS_OK = 0
CONSUME_SUCCESS = 0
RECONSUME_LATER = 1


class SendResult(Structure):
    """rmq_send_result"""
    _fields_ = [
        ("status", c_int32),
        ("queue_id", c_int32),
        ("queue_offset", c_int64),
        ("msg_id", c_char * ID_CAPACITY),
        ("offset_msg_id", c_char * ID_CAPACITY),
        ("transaction_id", c_char * ID_CAPACITY),
        ("topic", c_char * NAME_CAPACITY),
        ("broker_name", c_char * NAME_CAPACITY),
    ]


class ErrorInfo(Structure):
    """rmq_error_info"""
    _fields_ = [("status", c_int32), ("response_code", c_int32), ("message", c_char_p)]


SEND_CALLBACK = CFUNCTYPE(None, c_void_p, POINTER(SendResult), POINTER(ErrorInfo))
CONSUME_CALLBACK = CFUNCTYPE(c_int32, c_void_p, POINTER(c_void_p), c_size_t)

lib = ctypes.CDLL("librocketmq.so.0")
_signatures = {
    "rmq_last_error": (c_char_p, []),
    "rmq_status_name": (c_char_p, [c_int32]),
    "rmq_send_status_name": (c_char_p, [c_int32]),
    "rmq_message_new": (c_void_p, [c_char_p]),
    "rmq_message_free": (None, [c_void_p]),
    "rmq_message_set_tags": (c_int32, [c_void_p, c_char_p]),
    "rmq_message_set_body": (c_int32, [c_void_p, POINTER(c_uint8), c_size_t]),
    "rmq_producer_new": (c_void_p, [c_char_p]),
    "rmq_producer_set": (c_int32, [c_void_p, c_char_p, c_char_p]),
    "rmq_producer_start": (c_int32, [c_void_p]),
    "rmq_producer_send": (c_int32, [c_void_p, c_void_p, POINTER(SendResult)]),
    "rmq_producer_send_async": (c_int32, [c_void_p, c_void_p, SEND_CALLBACK, c_void_p]),
    "rmq_producer_shutdown": (c_int32, [c_void_p]),
    "rmq_producer_free": (c_int32, [c_void_p]),
    "rmq_push_consumer_new": (c_void_p, [c_char_p]),
    "rmq_push_consumer_set": (c_int32, [c_void_p, c_char_p, c_char_p]),
    "rmq_push_consumer_subscribe": (c_int32, [c_void_p, c_char_p, c_char_p]),
    "rmq_push_consumer_set_listener": (c_int32, [c_void_p, CONSUME_CALLBACK, c_void_p]),
    "rmq_push_consumer_start": (c_int32, [c_void_p]),
    "rmq_push_consumer_shutdown": (c_int32, [c_void_p]),
    "rmq_push_consumer_free": (c_int32, [c_void_p]),
    "rmq_message_ext_msg_id": (c_char_p, [c_void_p]),
    "rmq_message_ext_body": (c_int32, [c_void_p, POINTER(POINTER(c_uint8)), POINTER(c_size_t)]),
}
for _name, (_restype, _argtypes) in _signatures.items():
    _f = getattr(lib, _name)
    _f.restype, _f.argtypes = _restype, _argtypes


class RocketMQError(Exception):
    """A failed rmq_* call: the status name and the library's error text."""


def check(status, what):
    if status != STATUS_OK:
        raise RocketMQError("%s: %s: %s" % (what, lib.rmq_status_name(status).decode(),
                                            lib.rmq_last_error().decode()))


def new_message(topic, tags, body):
    """A new rmq_message (the caller frees it with rmq_message_free)."""
    msg = lib.rmq_message_new(topic.encode())
    if not msg:
        check(1, "rmq_message_new")
    data = body.encode()
    check(lib.rmq_message_set_tags(msg, tags.encode()), "rmq_message_set_tags")
    check(lib.rmq_message_set_body(msg, (c_uint8 * len(data)).from_buffer_copy(data), len(data)),
          "rmq_message_set_body")
    return msg


def main(namesrv, topic, group):
    producer = lib.rmq_producer_new(b"example_python_producer")
    check(lib.rmq_producer_set(producer, b"namesrvAddr", namesrv.encode()), "rmq_producer_set")
    check(lib.rmq_producer_start(producer), "rmq_producer_start")
    try:
        msg = new_message(topic, "TagPython", "hello sync python")
        result = SendResult()
        try:
            check(lib.rmq_producer_send(producer, msg, ctypes.byref(result)), "rmq_producer_send")
        finally:
            lib.rmq_message_free(msg)
        sync_id = result.msg_id.decode()
        print("sync", lib.rmq_send_status_name(result.status).decode(), sync_id, flush=True)

        # Runs on the producer's callback thread; a queue hands the outcome
        # to the main thread. The CFUNCTYPE object must stay alive until the
        # library has called it.
        outcomes = queue.Queue()

        def on_send(_user_data, result, error):
            if result:
                r = result.contents
                outcomes.put((lib.rmq_send_status_name(r.status).decode(), r.msg_id.decode()))
            else:
                e = error.contents
                outcomes.put(RocketMQError("async send: %s: %s" % (
                    lib.rmq_status_name(e.status).decode(), e.message.decode())))

        send_callback = SEND_CALLBACK(on_send)
        msg = new_message(topic, "TagPython", "hello async python")
        try:
            check(lib.rmq_producer_send_async(producer, msg, send_callback, None),
                  "rmq_producer_send_async")
        finally:
            lib.rmq_message_free(msg)  # the library copied it
        outcome = outcomes.get(timeout=30)
        if isinstance(outcome, Exception):
            raise outcome
        status, async_id = outcome
        print("async", status, async_id, flush=True)
        check(lib.rmq_producer_shutdown(producer), "rmq_producer_shutdown")
    finally:
        lib.rmq_producer_free(producer)

    received = queue.Queue()

    # Runs on the consumer's consume threads, several at once.
    def on_messages(_user_data, msgs, count):
        for i in range(count):
            data = POINTER(c_uint8)()
            size = c_size_t()
            if lib.rmq_message_ext_body(msgs[i], ctypes.byref(data), ctypes.byref(size)) != STATUS_OK:
                return RECONSUME_LATER
            body = ctypes.string_at(data, size.value).decode()
            received.put((lib.rmq_message_ext_msg_id(msgs[i]).decode(), body))
        return CONSUME_SUCCESS

    listener = CONSUME_CALLBACK(on_messages)  # alive until the consumer is freed
    consumer = lib.rmq_push_consumer_new(group.encode())
    try:
        check(lib.rmq_push_consumer_set(consumer, b"namesrvAddr", namesrv.encode()),
              "rmq_push_consumer_set")
        check(lib.rmq_push_consumer_set(consumer, b"consumeFromWhere",
                                        b"CONSUME_FROM_FIRST_OFFSET"), "rmq_push_consumer_set")
        check(lib.rmq_push_consumer_subscribe(consumer, topic.encode(), b"*"),
              "rmq_push_consumer_subscribe")
        check(lib.rmq_push_consumer_set_listener(consumer, listener, None),
              "rmq_push_consumer_set_listener")
        check(lib.rmq_push_consumer_start(consumer), "rmq_push_consumer_start")
        pending = {sync_id, async_id}
        while pending:
            try:
                msg_id, body = received.get(timeout=30)
            except queue.Empty:
                raise RocketMQError("%d message(s) did not arrive within 30 s" % len(pending))
            if msg_id in pending:
                pending.discard(msg_id)
                print("received", msg_id, body, flush=True)
        check(lib.rmq_push_consumer_shutdown(consumer), "rmq_push_consumer_shutdown")
    finally:
        lib.rmq_push_consumer_free(consumer)
    print("shutdown", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: example.py NAMESRV TOPIC GROUP", file=sys.stderr)
        sys.exit(2)
    try:
        main(*sys.argv[1:])
    except RocketMQError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
