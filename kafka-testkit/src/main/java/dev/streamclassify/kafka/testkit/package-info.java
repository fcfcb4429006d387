/**
 * A real single-node Kafka broker for tests and the local demo: started in this JVM from the Maven Central
 * jars ({@link dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker}) or, where Docker exists, in a container
 * ({@link dev.streamclassify.kafka.testkit.ContainerKafkaBroker}). {@link dev.streamclassify.kafka.testkit.KafkaBrokers}
 * picks one; {@link dev.streamclassify.kafka.testkit.SharedKafkaBroker} shares one per test JVM.
 */
package dev.streamclassify.kafka.testkit;
