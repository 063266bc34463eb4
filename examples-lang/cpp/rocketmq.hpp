// rocketmq.hpp: a small header-only C++17 wrapper of the rmq_* C API.
//
// Handles are std::unique_ptr with the library's free functions as deleters
// (freeing a started producer or consumer shuts it down first), and every
// failing call throws rocketmq::Error with the status and rmq_last_error().
// Callbacks are std::function: an async send's callback runs on the
// producer's callback thread, a listener on the consumer's consume threads
// (several at once), never on the calling thread.
//
//   rocketmq::Producer producer("my_group");
//   producer.set("namesrvAddr", "127.0.0.1:9876");
//   producer.start();
//   rocketmq::Message msg("TopicTest");
//   msg.set_body("hello");
//   rocketmq::SendResult r = producer.send(msg);
#ifndef ROCKETMQ_HPP
#define ROCKETMQ_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <rocketmq.h>

namespace rocketmq {

/// A failed rmq_* call: its status and the library's error text.
class Error : public std::runtime_error {
public:
    Error(rmq_status status, const std::string &what)
        : std::runtime_error(what + ": " + rmq_status_name(status) + ": " + rmq_last_error()),
          status_(status) {}

    /// Builds an error from a callback's rmq_error_info (which carries its own text).
    explicit Error(const rmq_error_info &info)
        : std::runtime_error(std::string(rmq_status_name(info.status)) + ": " + info.message),
          status_(info.status) {}

    rmq_status status() const noexcept { return status_; }

private:
    rmq_status status_;
};

/// Throws Error unless status is RMQ_STATUS_OK.
inline void check(rmq_status status, const char *what) {
    if (status != RMQ_STATUS_OK) throw Error(status, what);
}

namespace detail {
/// unique_ptr deleter calling one of the library's free functions.
template <auto Free> struct Deleter {
    template <class T> void operator()(T *handle) const noexcept { Free(handle); }
};
template <class T, auto Free> using Handle = std::unique_ptr<T, Deleter<Free>>;
}  // namespace detail

/// The outcome of a successful send (a copy of rmq_send_result).
struct SendResult {
    std::string status;  // "SEND_OK", ...
    std::string msg_id;
    std::string offset_msg_id;
    std::string topic;
    std::string broker_name;
    int32_t queue_id = 0;
    int64_t queue_offset = 0;

    explicit SendResult(const rmq_send_result &r)
        : status(rmq_send_status_name(r.status)), msg_id(r.msg_id), offset_msg_id(r.offset_msg_id),
          topic(r.topic), broker_name(r.broker_name), queue_id(r.queue_id),
          queue_offset(r.queue_offset) {}
};

/// A message to send (owns an rmq_message).
class Message {
public:
    explicit Message(const std::string &topic) : handle_(rmq_message_new(topic.c_str())) {
        if (!handle_) throw Error(RMQ_STATUS_INVALID_ARGUMENT, "rmq_message_new");
    }
    Message &set_tags(const std::string &tags) {
        check(rmq_message_set_tags(handle_.get(), tags.c_str()), "rmq_message_set_tags");
        return *this;
    }
    Message &set_keys(const std::string &keys) {
        check(rmq_message_set_keys(handle_.get(), keys.c_str()), "rmq_message_set_keys");
        return *this;
    }
    Message &set_property(const std::string &name, const std::string &value) {
        check(rmq_message_set_property(handle_.get(), name.c_str(), value.c_str()),
              "rmq_message_set_property");
        return *this;
    }
    Message &set_body(std::string_view body) {
        check(rmq_message_set_body(handle_.get(), reinterpret_cast<const uint8_t *>(body.data()),
                                   body.size()),
              "rmq_message_set_body");
        return *this;
    }
    const rmq_message *get() const noexcept { return handle_.get(); }

private:
    detail::Handle<rmq_message, rmq_message_free> handle_;
};

/// A producer (Java DefaultMQProducer). Destroying it shuts it down.
class Producer {
public:
    /// Called once per accepted async send: exactly one of result and error is non-null.
    using SendCallback = std::function<void(const SendResult *result, const Error *error)>;

    explicit Producer(const std::string &group) : handle_(rmq_producer_new(group.c_str())) {
        if (!handle_) throw Error(RMQ_STATUS_INVALID_ARGUMENT, "rmq_producer_new");
    }
    /// Sets a configuration key (Java property name, e.g. "namesrvAddr"), before start().
    void set(const std::string &key, const std::string &value) {
        check(rmq_producer_set(handle_.get(), key.c_str(), value.c_str()), "rmq_producer_set");
    }
    void start() { check(rmq_producer_start(handle_.get()), "rmq_producer_start"); }

    /// Sends and waits for the broker's answer.
    SendResult send(const Message &msg) {
        rmq_send_result r;
        check(rmq_producer_send(handle_.get(), msg.get(), &r), "rmq_producer_send");
        return SendResult(r);
    }

    /// Sends without waiting; callback gets the outcome on the producer's callback thread.
    void send_async(const Message &msg, SendCallback callback) {
        auto owned = std::make_unique<SendCallback>(std::move(callback));
        check(rmq_producer_send_async(handle_.get(), msg.get(), &Producer::on_send, owned.get()),
              "rmq_producer_send_async");
        owned.release();  // accepted: on_send gets it, exactly once
    }

    /// Waits for accepted sends (up to shutdownTimeout), then stops the threads.
    void shutdown() { check(rmq_producer_shutdown(handle_.get()), "rmq_producer_shutdown"); }

private:
    static void on_send(void *user_data, const rmq_send_result *result,
                        const rmq_error_info *error) noexcept {
        std::unique_ptr<SendCallback> callback(static_cast<SendCallback *>(user_data));
        try {
            if (result != nullptr) {
                SendResult r(*result);
                (*callback)(&r, nullptr);
            } else {
                Error e(*error);
                (*callback)(nullptr, &e);
            }
        } catch (...) {
            // No exception may unwind into the library.
        }
    }

    detail::Handle<rmq_producer, rmq_producer_free> handle_;
};

/// A received message, copied out of the library's view.
struct ReceivedMessage {
    std::string topic;
    std::string msg_id;
    std::string tags;
    std::string keys;
    std::string body;
    int32_t queue_id = 0;
    int64_t queue_offset = 0;
    int32_t reconsume_times = 0;

    explicit ReceivedMessage(const rmq_message_ext *m)
        : topic(rmq_message_ext_topic(m)), msg_id(rmq_message_ext_msg_id(m)),
          tags(rmq_message_ext_tags(m)), keys(rmq_message_ext_keys(m)),
          queue_id(rmq_message_ext_queue_id(m)), queue_offset(rmq_message_ext_queue_offset(m)),
          reconsume_times(rmq_message_ext_reconsume_times(m)) {
        const uint8_t *data = nullptr;
        size_t len = 0;
        check(rmq_message_ext_body(m, &data, &len), "rmq_message_ext_body");
        body.assign(reinterpret_cast<const char *>(data), len);
    }
};

/// A push consumer (Java DefaultMQPushConsumer, concurrent listener).
/// Destroying it shuts it down (waiting for running listener calls).
class PushConsumer {
public:
    /// Returns true when the message is consumed, false to have it delivered
    /// again later; an exception counts as false. Runs on the consume
    /// threads, several at once: it must be thread-safe.
    using Listener = std::function<bool(const ReceivedMessage &)>;

    explicit PushConsumer(const std::string &group)
        : handle_(rmq_push_consumer_new(group.c_str())) {
        if (!handle_) throw Error(RMQ_STATUS_INVALID_ARGUMENT, "rmq_push_consumer_new");
    }
    void set(const std::string &key, const std::string &value) {
        check(rmq_push_consumer_set(handle_.get(), key.c_str(), value.c_str()),
              "rmq_push_consumer_set");
    }
    void subscribe(const std::string &topic, const std::string &expression = "*") {
        check(rmq_push_consumer_subscribe(handle_.get(), topic.c_str(), expression.c_str()),
              "rmq_push_consumer_subscribe");
    }
    /// Sets the listener, before start().
    void set_listener(Listener listener) {
        auto owned = std::make_unique<Listener>(std::move(listener));
        check(rmq_push_consumer_set_listener(handle_.get(), &PushConsumer::on_messages,
                                             owned.get()),
              "rmq_push_consumer_set_listener");
        listener_ = std::move(owned);  // lives as long as the consumer
    }
    void start() { check(rmq_push_consumer_start(handle_.get()), "rmq_push_consumer_start"); }
    /// No listener call runs once this returns; commits the consumed offsets.
    void shutdown() {
        check(rmq_push_consumer_shutdown(handle_.get()), "rmq_push_consumer_shutdown");
    }

private:
    static int32_t on_messages(void *user_data, const rmq_message_ext *const *msgs,
                               size_t count) noexcept {
        auto &listener = *static_cast<Listener *>(user_data);
        try {
            for (size_t i = 0; i < count; i++) {
                if (!listener(ReceivedMessage(msgs[i]))) return RMQ_RECONSUME_LATER;
            }
            return RMQ_CONSUME_SUCCESS;
        } catch (...) {
            return RMQ_RECONSUME_LATER;
        }
    }

    // Declared first, destroyed last: the listener outlives the handle.
    std::unique_ptr<Listener> listener_;
    detail::Handle<rmq_push_consumer, rmq_push_consumer_free> handle_;
};

}  // namespace rocketmq

#endif  // ROCKETMQ_HPP
