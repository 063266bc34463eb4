# frozen_string_literal: true

# A small Ruby wrapper of the rmq_* C API over the ffi gem (Debian: ruby-ffi).
#
# The library calls callbacks on its own threads (an async send's on the
# producer's callback thread, a listener on the consume threads); ffi runs
# them as Ruby code on a thread of its own. Calls that wait for the network
# or for those threads (a send, a shutdown) are attached with
# `blocking: true`, so they release the GVL and callbacks run meanwhile.
# Each FFI::Function is kept referenced by its Ruby object for as long as the
# library may call it.
require 'ffi'

module RocketMQ
  # The C functions.
  module C
    extend FFI::Library
    ffi_lib 'librocketmq.so.0'

    ID_CAPACITY = 64 # RMQ_ID_CAPACITY
    NAME_CAPACITY = 256 # RMQ_NAME_CAPACITY

    # rmq_send_result
    class SendResult < FFI::Struct
      layout :status, :int32,
             :queue_id, :int32,
             :queue_offset, :int64,
             :msg_id, [:char, ID_CAPACITY],
             :offset_msg_id, [:char, ID_CAPACITY],
             :transaction_id, [:char, ID_CAPACITY],
             :topic, [:char, NAME_CAPACITY],
             :broker_name, [:char, NAME_CAPACITY]
    end

    # rmq_error_info
    class ErrorInfo < FFI::Struct
      layout :status, :int32, :response_code, :int32, :message, :string
    end

    callback :send_callback, %i[pointer pointer pointer], :void
    callback :consume_callback, %i[pointer pointer size_t], :int32

    attach_function :rmq_last_error, [], :string
    attach_function :rmq_status_name, [:int32], :string
    attach_function :rmq_send_status_name, [:int32], :string
    attach_function :rmq_message_new, [:string], :pointer
    attach_function :rmq_message_free, [:pointer], :void
    attach_function :rmq_message_set_tags, %i[pointer string], :int32
    attach_function :rmq_message_set_body, %i[pointer pointer size_t], :int32
    attach_function :rmq_producer_new, [:string], :pointer
    attach_function :rmq_producer_set, %i[pointer string string], :int32
    attach_function :rmq_producer_start, [:pointer], :int32
    attach_function :rmq_producer_send, %i[pointer pointer pointer], :int32, blocking: true
    attach_function :rmq_producer_send_async, %i[pointer pointer send_callback pointer], :int32
    attach_function :rmq_producer_shutdown, [:pointer], :int32, blocking: true
    attach_function :rmq_producer_free, [:pointer], :int32, blocking: true
    attach_function :rmq_push_consumer_new, [:string], :pointer
    attach_function :rmq_push_consumer_set, %i[pointer string string], :int32
    attach_function :rmq_push_consumer_subscribe, %i[pointer string string], :int32
    attach_function :rmq_push_consumer_set_listener, %i[pointer consume_callback pointer], :int32
    attach_function :rmq_push_consumer_start, [:pointer], :int32
    attach_function :rmq_push_consumer_shutdown, [:pointer], :int32, blocking: true
    attach_function :rmq_push_consumer_free, [:pointer], :int32, blocking: true
    attach_function :rmq_message_ext_msg_id, [:pointer], :string
    attach_function :rmq_message_ext_topic, [:pointer], :string
    attach_function :rmq_message_ext_tags, [:pointer], :string
    attach_function :rmq_message_ext_queue_id, [:pointer], :int32
    attach_function :rmq_message_ext_queue_offset, [:pointer], :int64
    attach_function :rmq_message_ext_body, %i[pointer pointer pointer], :int32
  end

  # A failed rmq_* call; #status is the status name (e.g. "NO_ROUTE").
  class Error < StandardError
    attr_reader :status

    def initialize(operation, status, message)
      @status = status
      super("#{operation}: #{status}: #{message}")
    end
  end

  # The outcome of a successful send.
  SendResult = Struct.new(:status, :msg_id, :offset_msg_id, :topic, :broker_name, :queue_id, :queue_offset)

  # A received message, copied out of the library's view.
  Received = Struct.new(:topic, :msg_id, :tags, :queue_id, :queue_offset, :body)

  def self.check(status, operation)
    raise Error.new(operation, C.rmq_status_name(status), C.rmq_last_error) unless status.zero?
  end

  def self.send_result(ptr)
    r = C::SendResult.new(ptr)
    SendResult.new(C.rmq_send_status_name(r[:status]), r[:msg_id].to_s, r[:offset_msg_id].to_s,
                   r[:topic].to_s, r[:broker_name].to_s, r[:queue_id], r[:queue_offset])
  end

  # Yields a C message of topic, tags and body, freed afterwards (the library copies it).
  def self.with_message(topic, body, tags: nil)
    msg = C.rmq_message_new(topic)
    check(1, 'rmq_message_new') if msg.null?
    begin
      check(C.rmq_message_set_tags(msg, tags), 'rmq_message_set_tags') if tags
      data = FFI::MemoryPointer.from_string(body)
      check(C.rmq_message_set_body(msg, data, body.bytesize), 'rmq_message_set_body')
      yield msg
    ensure
      C.rmq_message_free(msg)
    end
  end

  # A RocketMQ producer (Java DefaultMQProducer).
  class Producer
    def initialize(group)
      @handle = C.rmq_producer_new(group)
      RocketMQ.check(1, 'rmq_producer_new') if @handle.null?
      @pending = {} # id => block of an accepted async send
      @next_id = 0
      @lock = Mutex.new
      # One FFI::Function for every async send; user_data carries the send's id.
      @on_send = FFI::Function.new(:void, %i[pointer pointer pointer]) do |user_data, result, error|
        block = @lock.synchronize { @pending.delete(user_data.address) }
        if result.null?
          info = C::ErrorInfo.new(error)
          block.call(nil, Error.new('async send', C.rmq_status_name(info[:status]), info[:message]))
        else
          block.call(RocketMQ.send_result(result), nil)
        end
      end
    end

    # Sets a configuration key (Java property name, e.g. "namesrvAddr"), before #start.
    def set(key, value)
      RocketMQ.check(C.rmq_producer_set(@handle, key, value.to_s), 'rmq_producer_set')
    end

    def start
      RocketMQ.check(C.rmq_producer_start(@handle), 'rmq_producer_start')
    end

    # Sends and waits for the broker's answer; returns a SendResult.
    def send_sync(topic, body, tags: nil)
      result = C::SendResult.new
      RocketMQ.with_message(topic, body, tags: tags) do |msg|
        RocketMQ.check(C.rmq_producer_send(@handle, msg, result), 'rmq_producer_send')
      end
      RocketMQ.send_result(result.pointer)
    end

    # Sends without waiting; the block gets (result, error) once, on a callback thread.
    def send_async(topic, body, tags: nil, &block)
      id = @lock.synchronize do
        @next_id += 1
        @pending[@next_id] = block
        @next_id
      end
      RocketMQ.with_message(topic, body, tags: tags) do |msg|
        status = C.rmq_producer_send_async(@handle, msg, @on_send, FFI::Pointer.new(id))
        unless status.zero?
          @lock.synchronize { @pending.delete(id) } # not accepted: no callback will come
          RocketMQ.check(status, 'rmq_producer_send_async')
        end
      end
    end

    # Waits for accepted sends (their callbacks run meanwhile), stops and frees the producer.
    def close
      return if @handle.nil?

      RocketMQ.check(C.rmq_producer_shutdown(@handle), 'rmq_producer_shutdown')
      RocketMQ.check(C.rmq_producer_free(@handle), 'rmq_producer_free')
      @handle = nil
    end
  end

  # A RocketMQ push consumer (Java DefaultMQPushConsumer, concurrent listener).
  class PushConsumer
    def initialize(group)
      @handle = C.rmq_push_consumer_new(group)
      RocketMQ.check(1, 'rmq_push_consumer_new') if @handle.null?
    end

    def set(key, value)
      RocketMQ.check(C.rmq_push_consumer_set(@handle, key, value.to_s), 'rmq_push_consumer_set')
    end

    def subscribe(topic, expression = '*')
      RocketMQ.check(C.rmq_push_consumer_subscribe(@handle, topic, expression), 'rmq_push_consumer_subscribe')
    end

    # The block gets each Received message, on the consume threads (several
    # at once), and returns true when it is consumed; false or an exception
    # has it delivered again later. Before #start.
    def on_message(&block)
      listener = FFI::Function.new(:int32, %i[pointer pointer size_t]) do |_user_data, msgs, count|
        consumed = msgs.read_array_of_pointer(count).all? do |m|
          data = FFI::MemoryPointer.new(:pointer)
          len = FFI::MemoryPointer.new(:size_t)
          RocketMQ.check(C.rmq_message_ext_body(m, data, len), 'rmq_message_ext_body')
          body = data.read_pointer.read_bytes(len.read_ulong)
          block.call(Received.new(C.rmq_message_ext_topic(m), C.rmq_message_ext_msg_id(m),
                                  C.rmq_message_ext_tags(m), C.rmq_message_ext_queue_id(m),
                                  C.rmq_message_ext_queue_offset(m), body.force_encoding(Encoding::UTF_8)))
        end
        consumed ? 0 : 1 # RMQ_CONSUME_SUCCESS : RMQ_RECONSUME_LATER
      rescue StandardError => e
        warn "listener failed: #{e.message}"
        1
      end
      RocketMQ.check(C.rmq_push_consumer_set_listener(@handle, listener, nil), 'rmq_push_consumer_set_listener')
      @listener = listener # referenced until the consumer is freed
    end

    def start
      RocketMQ.check(C.rmq_push_consumer_start(@handle), 'rmq_push_consumer_start')
    end

    # Stops consuming (no listener call runs once it returns), frees the consumer.
    def close
      return if @handle.nil?

      RocketMQ.check(C.rmq_push_consumer_shutdown(@handle), 'rmq_push_consumer_shutdown')
      RocketMQ.check(C.rmq_push_consumer_free(@handle), 'rmq_push_consumer_free')
      @handle = nil
      @listener = nil
    end
  end
end
