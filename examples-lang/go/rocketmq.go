package main

// A small Go wrapper of the rmq_* C API (cgo, standard library only).
//
// Callbacks cross into C as runtime/cgo handles: C keeps an integer in its
// user_data, never a Go pointer, and bridge.c hands it back to the
// functions exported below, which look the Go function up by it. An async
// send's handle is deleted in its callback (the library calls it exactly
// once); a listener's when its consumer is closed.

/*
#cgo pkg-config: rocketmq
#include <stdint.h>
#include <stdlib.h>
#include <rocketmq.h>

// bridge.c
enum rmq_status bridge_send_async(rmq_producer *producer, const rmq_message *msg, uintptr_t handle);
enum rmq_status bridge_set_listener(rmq_push_consumer *consumer, uintptr_t handle);
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"unsafe"
)

// Error is a failed rmq_* call: its status name and the library's error text.
type Error struct {
	Op      string // the C function, or "send callback"
	Status  string // e.g. "NO_ROUTE"
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s: %s", e.Op, e.Status, e.Message) }

func check(status uint32, op string) error {
	if status == C.RMQ_STATUS_OK {
		return nil
	}
	return &Error{Op: op, Status: C.GoString(C.rmq_status_name(C.int32_t(status))), Message: C.GoString(C.rmq_last_error())}
}

// Message is a message to send.
type Message struct {
	Topic string
	Tags  string
	Keys  string
	Body  []byte
}

// SendResult is the outcome of a successful send.
type SendResult struct {
	Status      string // "SEND_OK", ...
	MsgID       string
	OffsetMsgID string
	Topic       string
	BrokerName  string
	QueueID     int32
	QueueOffset int64
}

func sendResult(r *C.rmq_send_result) SendResult {
	return SendResult{
		Status:      C.GoString(C.rmq_send_status_name(C.int32_t(r.status))),
		MsgID:       C.GoString(&r.msg_id[0]),
		OffsetMsgID: C.GoString(&r.offset_msg_id[0]),
		Topic:       C.GoString(&r.topic[0]),
		BrokerName:  C.GoString(&r.broker_name[0]),
		QueueID:     int32(r.queue_id),
		QueueOffset: int64(r.queue_offset),
	}
}

// withMessage builds the C message of m for the duration of f (the library
// copies what it sends).
func withMessage(m Message, f func(*C.rmq_message) error) error {
	topic := C.CString(m.Topic)
	defer C.free(unsafe.Pointer(topic))
	msg := C.rmq_message_new(topic)
	if msg == nil {
		return check(C.RMQ_STATUS_INVALID_ARGUMENT, "rmq_message_new")
	}
	defer C.rmq_message_free(msg)
	for _, s := range []struct {
		value string
		set   func(*C.char) uint32
		op    string
	}{
		{m.Tags, func(v *C.char) uint32 { return C.rmq_message_set_tags(msg, v) }, "rmq_message_set_tags"},
		{m.Keys, func(v *C.char) uint32 { return C.rmq_message_set_keys(msg, v) }, "rmq_message_set_keys"},
	} {
		if s.value == "" {
			continue
		}
		v := C.CString(s.value)
		err := check(s.set(v), s.op)
		C.free(unsafe.Pointer(v))
		if err != nil {
			return err
		}
	}
	var body *C.uint8_t
	if len(m.Body) > 0 {
		body = (*C.uint8_t)(unsafe.Pointer(&m.Body[0])) // copied during the call
	}
	if err := check(C.rmq_message_set_body(msg, body, C.size_t(len(m.Body))), "rmq_message_set_body"); err != nil {
		return err
	}
	return f(msg)
}

// Producer is a RocketMQ producer (Java DefaultMQProducer).
type Producer struct {
	p *C.rmq_producer
}

// NewProducer creates a producer of producer group group.
func NewProducer(group string) (*Producer, error) {
	g := C.CString(group)
	defer C.free(unsafe.Pointer(g))
	p := C.rmq_producer_new(g)
	if p == nil {
		return nil, check(C.RMQ_STATUS_INVALID_ARGUMENT, "rmq_producer_new")
	}
	return &Producer{p: p}, nil
}

// Set sets a configuration key (Java property name, e.g. "namesrvAddr"), before Start.
func (p *Producer) Set(key, value string) error {
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	return check(C.rmq_producer_set(p.p, k, v), "rmq_producer_set")
}

// Start starts the producer's threads.
func (p *Producer) Start() error { return check(C.rmq_producer_start(p.p), "rmq_producer_start") }

// Send sends m and waits for the broker's answer.
func (p *Producer) Send(m Message) (SendResult, error) {
	var r C.rmq_send_result
	err := withMessage(m, func(msg *C.rmq_message) error {
		return check(C.rmq_producer_send(p.p, msg, &r), "rmq_producer_send")
	})
	if err != nil {
		return SendResult{}, err
	}
	return sendResult(&r), nil
}

// SendAsync sends m without waiting; callback gets the outcome once, on the
// producer's callback thread (not a goroutine of the caller's).
func (p *Producer) SendAsync(m Message, callback func(SendResult, error)) error {
	h := cgo.NewHandle(callback)
	err := withMessage(m, func(msg *C.rmq_message) error {
		return check(C.bridge_send_async(p.p, msg, C.uintptr_t(h)), "rmq_producer_send_async")
	})
	if err != nil {
		h.Delete() // not accepted: no callback will come
	}
	return err
}

//export goSendDone
func goSendDone(handle C.uintptr_t, result *C.rmq_send_result, failure *C.rmq_error_info) {
	h := cgo.Handle(handle)
	callback := h.Value().(func(SendResult, error))
	h.Delete()
	// A panic must not unwind into the library's thread.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintln(os.Stderr, "rocketmq: panic in a send callback:", p)
		}
	}()
	if result != nil {
		callback(sendResult(result), nil)
	} else {
		callback(SendResult{}, &Error{
			Op:      "send callback",
			Status:  C.GoString(C.rmq_status_name(C.int32_t(failure.status))),
			Message: C.GoString(failure.message),
		})
	}
}

// Shutdown waits for accepted sends (up to shutdownTimeout) and stops the threads.
func (p *Producer) Shutdown() error {
	return check(C.rmq_producer_shutdown(p.p), "rmq_producer_shutdown")
}

// Close shuts down if needed and frees the producer.
func (p *Producer) Close() error {
	err := check(C.rmq_producer_free(p.p), "rmq_producer_free")
	p.p = nil
	return err
}

// ReceivedMessage is a message a consumer received, copied out of the library's view.
type ReceivedMessage struct {
	Topic          string
	MsgID          string
	Tags           string
	Keys           string
	Body           []byte
	QueueID        int32
	QueueOffset    int64
	ReconsumeTimes int32
}

// Listener gets each received message; it returns true when the message is
// consumed, false to have it delivered again later. It runs on the
// consumer's consume threads, several at once.
type Listener func(ReceivedMessage) bool

// PushConsumer is a RocketMQ push consumer (Java DefaultMQPushConsumer).
type PushConsumer struct {
	c        *C.rmq_push_consumer
	listener cgo.Handle
}

// NewPushConsumer creates a push consumer of consumer group group.
func NewPushConsumer(group string) (*PushConsumer, error) {
	g := C.CString(group)
	defer C.free(unsafe.Pointer(g))
	c := C.rmq_push_consumer_new(g)
	if c == nil {
		return nil, check(C.RMQ_STATUS_INVALID_ARGUMENT, "rmq_push_consumer_new")
	}
	return &PushConsumer{c: c}, nil
}

// Set sets a configuration key, before Start.
func (c *PushConsumer) Set(key, value string) error {
	k, v := C.CString(key), C.CString(value)
	defer C.free(unsafe.Pointer(k))
	defer C.free(unsafe.Pointer(v))
	return check(C.rmq_push_consumer_set(c.c, k, v), "rmq_push_consumer_set")
}

// Subscribe subscribes to topic with a tag expression ("*" for all), before Start.
func (c *PushConsumer) Subscribe(topic, expression string) error {
	t, e := C.CString(topic), C.CString(expression)
	defer C.free(unsafe.Pointer(t))
	defer C.free(unsafe.Pointer(e))
	return check(C.rmq_push_consumer_subscribe(c.c, t, e), "rmq_push_consumer_subscribe")
}

// SetListener sets the listener, before Start.
func (c *PushConsumer) SetListener(listener Listener) error {
	h := cgo.NewHandle(listener)
	if err := check(C.bridge_set_listener(c.c, C.uintptr_t(h)), "rmq_push_consumer_set_listener"); err != nil {
		h.Delete()
		return err
	}
	if c.listener != 0 {
		c.listener.Delete() // replaced
	}
	c.listener = h
	return nil
}

//export goConsume
func goConsume(handle C.uintptr_t, msgs **C.rmq_message_ext, count C.size_t) (status C.int32_t) {
	listener := cgo.Handle(handle).Value().(Listener)
	// A panic must not unwind into the library's thread: deliver again later.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintln(os.Stderr, "rocketmq: panic in a listener:", p)
			status = C.RMQ_RECONSUME_LATER
		}
	}()
	for _, m := range unsafe.Slice(msgs, int(count)) {
		var data *C.uint8_t
		var n C.size_t
		if C.rmq_message_ext_body(m, &data, &n) != C.RMQ_STATUS_OK {
			return C.RMQ_RECONSUME_LATER
		}
		ok := listener(ReceivedMessage{
			Topic:          C.GoString(C.rmq_message_ext_topic(m)),
			MsgID:          C.GoString(C.rmq_message_ext_msg_id(m)),
			Tags:           C.GoString(C.rmq_message_ext_tags(m)),
			Keys:           C.GoString(C.rmq_message_ext_keys(m)),
			Body:           C.GoBytes(unsafe.Pointer(data), C.int(n)),
			QueueID:        int32(C.rmq_message_ext_queue_id(m)),
			QueueOffset:    int64(C.rmq_message_ext_queue_offset(m)),
			ReconsumeTimes: int32(C.rmq_message_ext_reconsume_times(m)),
		})
		if !ok {
			return C.RMQ_RECONSUME_LATER
		}
	}
	return C.RMQ_CONSUME_SUCCESS
}

// Start starts consuming: the listener runs as messages arrive.
func (c *PushConsumer) Start() error {
	return check(C.rmq_push_consumer_start(c.c), "rmq_push_consumer_start")
}

// Shutdown stops consuming; no listener call runs once it returns.
func (c *PushConsumer) Shutdown() error {
	return check(C.rmq_push_consumer_shutdown(c.c), "rmq_push_consumer_shutdown")
}

// Close shuts down if needed, frees the consumer and releases its listener.
func (c *PushConsumer) Close() error {
	err := check(C.rmq_push_consumer_free(c.c), "rmq_push_consumer_free")
	c.c = nil
	if c.listener != 0 {
		c.listener.Delete()
		c.listener = 0
	}
	return err
}
