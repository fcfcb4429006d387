/** Internals of the Kafka test kit: no other module should use these types. */
package dev.streamclassify.kafka.testkit.internal;
