# frozen_string_literal: true

# ruby example.rb NAMESRV TOPIC GROUP: the Ruby example (rocketmq.rb over the
# ffi gem). Sends one message synchronously and one asynchronously (a block
# called back on the library's callback thread), consumes both with a push
# consumer of consumer group GROUP (from the first offset), and shuts down.
# Prints
#   sync SEND_OK <msgId>
#   async SEND_OK <msgId>
#   received <msgId> <body>     (once per message, in arrival order)
#   shutdown
# and exits 0; 1 on an error (on stderr) or when the messages do not arrive
# within 30 s; 2 on bad usage. Needs librocketmq.so.0 on the loader's path.
require_relative 'rocketmq'

if ARGV.size != 3
  warn 'usage: ruby example.rb NAMESRV TOPIC GROUP'
  exit 2
end
namesrv, topic, group = ARGV
$stdout.sync = true

begin
  producer = RocketMQ::Producer.new('example_ruby_producer')
  begin
    producer.set('namesrvAddr', namesrv)
    producer.start
    sync = producer.send_sync(topic, 'hello sync ruby', tags: 'TagRuby')
    puts "sync #{sync.status} #{sync.msg_id}"

    outcomes = Queue.new # the callback thread hands its outcome to this one
    producer.send_async(topic, 'hello async ruby', tags: 'TagRuby') do |result, error|
      outcomes << (result || error)
    end
    async = outcomes.pop
    raise async if async.is_a?(Exception)

    puts "async #{async.status} #{async.msg_id}"
  ensure
    producer.close
  end

  consumer = RocketMQ::PushConsumer.new(group)
  begin
    pending = [sync.msg_id, async.msg_id]
    lock = Mutex.new
    arrived = ConditionVariable.new
    consumer.set('namesrvAddr', namesrv)
    consumer.set('consumeFromWhere', 'CONSUME_FROM_FIRST_OFFSET')
    consumer.subscribe(topic, '*')
    consumer.on_message do |m| # on the consume threads
      lock.synchronize do
        if pending.delete(m.msg_id)
          puts "received #{m.msg_id} #{m.body}"
          arrived.signal
        end
      end
      true # consumed
    end
    consumer.start
    deadline = Time.now + 30
    lock.synchronize do
      arrived.wait(lock, deadline - Time.now) until pending.empty? || Time.now >= deadline
      raise RocketMQ::Error.new('consume', 'TIMEOUT', "#{pending.size} message(s) did not arrive within 30 s") unless pending.empty?
    end
  ensure
    consumer.close
  end
  puts 'shutdown'
rescue RocketMQ::Error => e
  warn e.message
  exit 1
end
