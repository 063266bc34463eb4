'use strict';
// node example.js NAMESRV TOPIC GROUP: the Node.js example (rocketmq.js over
// koffi). Sends one message synchronously and one asynchronously (a promise
// settled by the library's callback, on the JS thread), consumes both with a
// push consumer of consumer group GROUP (from the first offset), and shuts
// down. Prints
//   sync SEND_OK <msgId>
//   async SEND_OK <msgId>
//   received <msgId> <body>     (once per message, in arrival order)
//   shutdown
// and exits 0; 1 on an error (on stderr) or when the messages do not arrive
// within 30 s; 2 on bad usage. Needs koffi (npm install koffi) and
// librocketmq.so.0 on the loader's path.

const { Producer, PushConsumer } = require('./rocketmq');

async function main(namesrv, topic, group) {
  const producer = new Producer('example_node_producer');
  let sync;
  let async;
  try {
    producer.set('namesrvAddr', namesrv);
    producer.start();
    sync = producer.send({ topic, tags: 'TagNode', body: 'hello sync node' });
    console.log('sync', sync.status, sync.msgId);
    async = await producer.sendAsync({ topic, tags: 'TagNode', body: 'hello async node' });
    console.log('async', async.status, async.msgId);
  } finally {
    await producer.close();
  }

  const consumer = new PushConsumer(group);
  try {
    const pending = new Set([sync.msgId, async.msgId]);
    let allArrived;
    const arrived = new Promise((resolve) => { allArrived = resolve; });
    consumer.set('namesrvAddr', namesrv);
    consumer.set('consumeFromWhere', 'CONSUME_FROM_FIRST_OFFSET');
    consumer.subscribe(topic, '*');
    consumer.setListener((m) => {
      if (pending.delete(m.msgId)) {
        console.log('received', m.msgId, m.body);
        if (pending.size === 0) allArrived();
      }
      return true; // consumed
    });
    consumer.start();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${pending.size} message(s) did not arrive within 30 s`)), 30000);
    });
    try {
      await Promise.race([arrived, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.close();
  }
  console.log('shutdown');
}

if (process.argv.length !== 5) {
  console.error('usage: node example.js NAMESRV TOPIC GROUP');
  process.exit(2);
}
main(...process.argv.slice(2)).catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
