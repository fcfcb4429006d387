/**
 * The Kafka Streams topology: which topics it reads and writes, how the stages connect, topic creation, and the
 * exception handlers that keep bad input from stopping the service (the records themselves are in {@code wire}).
 */
package dev.streamclassify.streams.topology;
