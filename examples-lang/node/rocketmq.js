'use strict';
// A small Node.js wrapper of the rmq_* C API over koffi (npm).
//
// The library calls its callbacks on its own threads (an async send's on the
// producer's callback thread, a listener on the consume threads). koffi
// queues such a call onto the JS thread and holds the library's thread until
// the JS function has returned, so:
//  * callbacks run on the JS thread, between other JS code, only while the
//    event loop runs (await something);
//  * a call that waits for those threads (a shutdown) must not block the JS
//    thread: it runs on koffi's worker threads (`.async`) and returns a
//    promise.
// koffi's queued calls do not keep Node's event loop alive, so a started
// producer or consumer holds a timer (as a listening server holds its
// socket) until close(): the process does not exit under a pending send.
// One registered callback serves every async send of a producer: user_data
// carries the id of the pending send's promise, never a JS object. Every
// registered callback is unregistered once the library can no longer call it
// (after free), so nothing is left to run at process exit.

const koffi = require('koffi');
const { promisify } = require('util');

const lib = koffi.load('librocketmq.so.0');

const ID_CAPACITY = 64; // RMQ_ID_CAPACITY
const NAME_CAPACITY = 256; // RMQ_NAME_CAPACITY

koffi.opaque('rmq_producer');
koffi.opaque('rmq_push_consumer');
koffi.opaque('rmq_message');
const SendResultType = koffi.struct('rmq_send_result', {
  status: 'int32_t',
  queue_id: 'int32_t',
  queue_offset: 'int64_t',
  msg_id: koffi.array('char', ID_CAPACITY),
  offset_msg_id: koffi.array('char', ID_CAPACITY),
  transaction_id: koffi.array('char', ID_CAPACITY),
  topic: koffi.array('char', NAME_CAPACITY),
  broker_name: koffi.array('char', NAME_CAPACITY),
});
const ErrorInfoType = koffi.struct('rmq_error_info', {
  status: 'int32_t',
  response_code: 'int32_t',
  message: 'const char *',
});
const SendCallback = koffi.proto(
  'void rmq_send_callback(void *user_data, const rmq_send_result *result, const rmq_error_info *error)');
const ConsumeCallback = koffi.proto(
  'int32_t rmq_consume_callback(void *user_data, void **msgs, size_t count)');

const c = {
  lastError: lib.func('const char *rmq_last_error()'),
  statusName: lib.func('const char *rmq_status_name(int32_t status)'),
  sendStatusName: lib.func('const char *rmq_send_status_name(int32_t status)'),
  messageNew: lib.func('rmq_message *rmq_message_new(const char *topic)'),
  messageFree: lib.func('void rmq_message_free(rmq_message *msg)'),
  messageSetTags: lib.func('int32_t rmq_message_set_tags(rmq_message *msg, const char *tags)'),
  messageSetKeys: lib.func('int32_t rmq_message_set_keys(rmq_message *msg, const char *keys)'),
  messageSetBody: lib.func('int32_t rmq_message_set_body(rmq_message *msg, const uint8_t *body, size_t len)'),
  producerNew: lib.func('rmq_producer *rmq_producer_new(const char *group)'),
  producerSet: lib.func('int32_t rmq_producer_set(rmq_producer *p, const char *key, const char *value)'),
  producerStart: lib.func('int32_t rmq_producer_start(rmq_producer *p)'),
  producerSend: lib.func('int32_t rmq_producer_send(rmq_producer *p, const rmq_message *msg, _Out_ rmq_send_result *result)'),
  producerSendAsync: lib.func('int32_t rmq_producer_send_async(rmq_producer *p, const rmq_message *msg, rmq_send_callback *cb, void *user_data)'),
  producerShutdown: lib.func('int32_t rmq_producer_shutdown(rmq_producer *p)'),
  producerFree: lib.func('int32_t rmq_producer_free(rmq_producer *p)'),
  consumerNew: lib.func('rmq_push_consumer *rmq_push_consumer_new(const char *group)'),
  consumerSet: lib.func('int32_t rmq_push_consumer_set(rmq_push_consumer *c, const char *key, const char *value)'),
  consumerSubscribe: lib.func('int32_t rmq_push_consumer_subscribe(rmq_push_consumer *c, const char *topic, const char *expression)'),
  consumerSetListener: lib.func('int32_t rmq_push_consumer_set_listener(rmq_push_consumer *c, rmq_consume_callback *cb, void *user_data)'),
  consumerStart: lib.func('int32_t rmq_push_consumer_start(rmq_push_consumer *c)'),
  consumerShutdown: lib.func('int32_t rmq_push_consumer_shutdown(rmq_push_consumer *c)'),
  consumerFree: lib.func('int32_t rmq_push_consumer_free(rmq_push_consumer *c)'),
  extMsgId: lib.func('const char *rmq_message_ext_msg_id(void *msg)'),
  extTopic: lib.func('const char *rmq_message_ext_topic(void *msg)'),
  extTags: lib.func('const char *rmq_message_ext_tags(void *msg)'),
  extQueueId: lib.func('int32_t rmq_message_ext_queue_id(void *msg)'),
  extQueueOffset: lib.func('int64_t rmq_message_ext_queue_offset(void *msg)'),
  extBody: lib.func('int32_t rmq_message_ext_body(void *msg, _Out_ void **data, _Out_ size_t *len)'),
};

/** A failed rmq_* call: `status` is its status name (e.g. "NO_ROUTE"). */
class RocketMQError extends Error {
  constructor(op, status, message) {
    super(`${op}: ${status}: ${message}`);
    this.status = status;
  }
}

function check(status, op) {
  if (status !== 0) throw new RocketMQError(op, c.statusName(status), c.lastError());
}

/** Keeps the event loop alive (a ref'd timer that never fires) until the returned function runs. */
function keepAlive() {
  const timer = setInterval(() => {}, 2 ** 31 - 1);
  return () => clearInterval(timer);
}

function toSendResult(r) {
  return {
    status: c.sendStatusName(r.status),
    msgId: r.msg_id,
    offsetMsgId: r.offset_msg_id,
    topic: r.topic,
    brokerName: r.broker_name,
    queueId: r.queue_id,
    queueOffset: r.queue_offset,
  };
}

/** Runs fn with a C message built from {topic, tags, keys, body}; frees it after. */
function withMessage({ topic, tags, keys, body }, fn) {
  const msg = c.messageNew(topic);
  if (!msg) check(1, 'rmq_message_new');
  try {
    if (tags) check(c.messageSetTags(msg, tags), 'rmq_message_set_tags');
    if (keys) check(c.messageSetKeys(msg, keys), 'rmq_message_set_keys');
    const bytes = Buffer.from(body);
    check(c.messageSetBody(msg, bytes, bytes.length), 'rmq_message_set_body');
    return fn(msg);
  } finally {
    c.messageFree(msg); // the library copies what it sends
  }
}

/** A RocketMQ producer (Java DefaultMQProducer). */
class Producer {
  constructor(group) {
    this.handle = c.producerNew(group);
    if (!this.handle) check(1, 'rmq_producer_new');
    this.pending = new Map(); // id -> {resolve, reject} of an async send
    this.nextId = 1;
    this.onSend = koffi.register((userData, result, error) => {
      const id = Number(userData);
      const { resolve, reject } = this.pending.get(id);
      this.pending.delete(id);
      if (result) {
        resolve(toSendResult(koffi.decode(result, SendResultType)));
      } else {
        const e = koffi.decode(error, ErrorInfoType);
        reject(new RocketMQError('async send', c.statusName(e.status), e.message));
      }
    }, koffi.pointer(SendCallback));
  }

  /** Sets a configuration key (Java property name, e.g. "namesrvAddr"), before start(). */
  set(key, value) {
    check(c.producerSet(this.handle, key, String(value)), 'rmq_producer_set');
  }

  start() {
    check(c.producerStart(this.handle), 'rmq_producer_start');
    this.release = keepAlive();
  }

  /** Sends and waits for the broker (blocks the JS thread: use sendAsync in servers). */
  send(message) {
    const r = {};
    withMessage(message, (msg) => check(c.producerSend(this.handle, msg, r), 'rmq_producer_send'));
    return toSendResult(r);
  }

  /** Sends without blocking; the promise settles in the library's callback, on the JS thread. */
  sendAsync(message) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      try {
        withMessage(message, (msg) => check(
          c.producerSendAsync(this.handle, msg, this.onSend, BigInt(id)), 'rmq_producer_send_async'));
      } catch (e) {
        this.pending.delete(id); // not accepted: no callback will come
        reject(e);
      }
    });
  }

  /** Waits for accepted sends (their callbacks run meanwhile), then stops; frees the producer. */
  async close() {
    if (!this.handle) return;
    check(await promisify(c.producerShutdown.async)(this.handle), 'rmq_producer_shutdown');
    check(c.producerFree(this.handle), 'rmq_producer_free');
    this.handle = null;
    koffi.unregister(this.onSend);
    if (this.release) this.release();
  }
}

/** A RocketMQ push consumer (Java DefaultMQPushConsumer, concurrent listener). */
class PushConsumer {
  constructor(group) {
    this.handle = c.consumerNew(group);
    if (!this.handle) check(1, 'rmq_push_consumer_new');
    this.listener = null;
  }

  set(key, value) {
    check(c.consumerSet(this.handle, key, String(value)), 'rmq_push_consumer_set');
  }

  subscribe(topic, expression = '*') {
    check(c.consumerSubscribe(this.handle, topic, expression), 'rmq_push_consumer_subscribe');
  }

  /**
   * Sets the listener, before start(): listener(message) gets
   * {topic, msgId, tags, queueId, queueOffset, body (a string)} on the JS
   * thread and returns true when consumed, false (or throws) to have the
   * message delivered again later.
   */
  setListener(listener) {
    const registered = koffi.register((userData, msgs, count) => {
      try {
        for (const m of koffi.decode(msgs, koffi.array('void *', Number(count)))) {
          const data = [null];
          const len = [0];
          check(c.extBody(m, data, len), 'rmq_message_ext_body');
          const ok = listener({
            topic: c.extTopic(m),
            msgId: c.extMsgId(m),
            tags: c.extTags(m),
            queueId: c.extQueueId(m),
            queueOffset: c.extQueueOffset(m),
            body: len[0] ? koffi.decode(data[0], 'char', Number(len[0])) : '',
          });
          if (!ok) return 1; // RMQ_RECONSUME_LATER
        }
        return 0; // RMQ_CONSUME_SUCCESS
      } catch (e) {
        console.error('listener failed:', e);
        return 1;
      }
    }, koffi.pointer(ConsumeCallback));
    try {
      check(c.consumerSetListener(this.handle, registered, null), 'rmq_push_consumer_set_listener');
    } catch (e) {
      koffi.unregister(registered);
      throw e;
    }
    if (this.listener) koffi.unregister(this.listener);
    this.listener = registered;
  }

  start() {
    check(c.consumerStart(this.handle), 'rmq_push_consumer_start');
    this.release = keepAlive();
  }

  /** Stops consuming (running listener calls finish on the JS thread meanwhile); frees the consumer. */
  async close() {
    if (!this.handle) return;
    check(await promisify(c.consumerShutdown.async)(this.handle), 'rmq_push_consumer_shutdown');
    check(c.consumerFree(this.handle), 'rmq_push_consumer_free');
    this.handle = null;
    if (this.listener) koffi.unregister(this.listener);
    this.listener = null;
    if (this.release) this.release();
  }
}

module.exports = { Producer, PushConsumer, RocketMQError };
