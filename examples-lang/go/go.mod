module rocketmq-example

go 1.19
