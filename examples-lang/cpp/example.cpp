// example NAMESRV TOPIC GROUP
//
// The C++ example (rocketmq.hpp): sends one message synchronously and one
// asynchronously (callback), then consumes both with a push consumer of
// consumer group GROUP (from the first offset), and shuts down. Prints
//   sync SEND_OK <msgId>
//   async SEND_OK <msgId>
//   received <msgId> <body>     (once per message, in arrival order)
//   shutdown
// Exits 0 on success, 1 on an error (on stderr) or when the messages do not
// arrive within 30 s, 2 on bad usage.
//
//   g++ -std=c++17 example.cpp $(pkg-config --cflags --libs rocketmq) -o example
#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <set>

#include "rocketmq.hpp"

int main(int argc, char **argv) {
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " NAMESRV TOPIC GROUP\n";
        return 2;
    }
    const std::string namesrv = argv[1], topic = argv[2], group = argv[3];
    try {
        rocketmq::Producer producer("example_cpp_producer");
        producer.set("namesrvAddr", namesrv);
        producer.start();

        rocketmq::Message msg(topic);
        msg.set_tags("TagCpp").set_body("hello sync cpp");
        rocketmq::SendResult sync = producer.send(msg);
        std::cout << "sync " << sync.status << " " << sync.msg_id << std::endl;

        // The callback runs on the producer's callback thread; a promise
        // hands its outcome to this one.
        std::promise<rocketmq::SendResult> done;
        msg.set_body("hello async cpp");
        producer.send_async(msg, [&done](const rocketmq::SendResult *r, const rocketmq::Error *e) {
            if (r != nullptr) {
                done.set_value(*r);
            } else {
                done.set_exception(std::make_exception_ptr(*e));
            }
        });
        rocketmq::SendResult async = done.get_future().get();  // throws the callback's error
        std::cout << "async " << async.status << " " << async.msg_id << std::endl;
        producer.shutdown();

        std::mutex mu;
        std::condition_variable arrived;
        std::set<std::string> pending{sync.msg_id, async.msg_id};
        rocketmq::PushConsumer consumer(group);
        consumer.set("namesrvAddr", namesrv);
        consumer.set("consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET");
        consumer.subscribe(topic, "*");
        consumer.set_listener([&](const rocketmq::ReceivedMessage &m) {
            std::lock_guard<std::mutex> lock(mu);
            if (pending.erase(m.msg_id) == 1) {
                std::cout << "received " << m.msg_id << " " << m.body << std::endl;
                arrived.notify_all();
            }
            return true;  // consumed
        });
        consumer.start();
        {
            std::unique_lock<std::mutex> lock(mu);
            if (!arrived.wait_for(lock, std::chrono::seconds(30), [&] { return pending.empty(); })) {
                std::cerr << pending.size() << " message(s) did not arrive within 30 s\n";
                return 1;
            }
        }
        consumer.shutdown();  // no listener call runs after this
        std::cout << "shutdown" << std::endl;
        return 0;
    } catch (const rocketmq::Error &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
