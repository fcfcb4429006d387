/**
 * The Kafka Streams topology and what it reads and writes: typed topic descriptors, the prediction event, dead-
 * letter headers and the exception handlers that keep bad input from stopping the service.
 */
package dev.streamclassify.streams.topology;
