// Command rocketmq-example NAMESRV TOPIC GROUP is the Go example: it sends
// one message synchronously and one asynchronously (callback), consumes both
// with a push consumer of consumer group GROUP (from the first offset), and
// shuts down. It prints
//
//	sync SEND_OK <msgId>
//	async SEND_OK <msgId>
//	received <msgId> <body>     (once per message, in arrival order)
//	shutdown
//
// and exits 0; 1 on an error (on stderr) or when the messages do not arrive
// within 30 s; 2 on bad usage. Build with PKG_CONFIG_PATH pointing at the
// installed rocketmq.pc: go build . (Go 1.19 keeps pkg-config's flags in its
// build cache: after installing into another prefix, run go clean -cache.)
package main

import (
	"fmt"
	"os"
	"time"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: rocketmq-example NAMESRV TOPIC GROUP")
		os.Exit(2)
	}
	namesrv, topic, group := os.Args[1], os.Args[2], os.Args[3]

	producer, err := NewProducer("example_go_producer")
	if err != nil {
		fail(err)
	}
	defer producer.Close()
	if err := producer.Set("namesrvAddr", namesrv); err != nil {
		fail(err)
	}
	if err := producer.Start(); err != nil {
		fail(err)
	}

	sync, err := producer.Send(Message{Topic: topic, Tags: "TagGo", Body: []byte("hello sync go")})
	if err != nil {
		fail(err)
	}
	fmt.Println("sync", sync.Status, sync.MsgID)

	// The callback runs on the producer's callback thread; a channel hands
	// its outcome to this goroutine.
	type outcome struct {
		result SendResult
		err    error
	}
	done := make(chan outcome, 1)
	err = producer.SendAsync(Message{Topic: topic, Tags: "TagGo", Body: []byte("hello async go")},
		func(r SendResult, err error) { done <- outcome{r, err} })
	if err != nil {
		fail(err)
	}
	async := <-done
	if async.err != nil {
		fail(async.err)
	}
	fmt.Println("async", async.result.Status, async.result.MsgID)
	if err := producer.Shutdown(); err != nil {
		fail(err)
	}

	consumer, err := NewPushConsumer(group)
	if err != nil {
		fail(err)
	}
	defer consumer.Close()
	received := make(chan ReceivedMessage, 16)
	for _, err := range []error{
		consumer.Set("namesrvAddr", namesrv),
		consumer.Set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET"),
		consumer.Subscribe(topic, "*"),
		consumer.SetListener(func(m ReceivedMessage) bool {
			select {
			case received <- m:
			default: // more than this example waits for: consumed all the same
			}
			return true
		}),
		consumer.Start(),
	} {
		if err != nil {
			fail(err)
		}
	}
	pending := map[string]bool{sync.MsgID: true, async.result.MsgID: true}
	timeout := time.After(30 * time.Second)
	for len(pending) > 0 {
		select {
		case m := <-received:
			if pending[m.MsgID] {
				delete(pending, m.MsgID)
				fmt.Println("received", m.MsgID, string(m.Body))
			}
		case <-timeout:
			fail(fmt.Errorf("%d message(s) did not arrive within 30 s", len(pending)))
		}
	}
	if err := consumer.Shutdown(); err != nil {
		fail(err)
	}
	fmt.Println("shutdown")
}
