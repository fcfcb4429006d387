/**
 * Checks of pass-through Kafka settings and the RocksDB memory budget; not for use outside the config package
 * (StreamsApp reads the budget's usage for its gauge).
 */
package dev.streamclassify.streams.config.internal;
