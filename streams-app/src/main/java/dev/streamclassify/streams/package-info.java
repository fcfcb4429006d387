/**
 * The classification service: {@link dev.streamclassify.streams.StreamsApp} wires config, topology, model watcher,
 * metrics and HTTP.
 */
package dev.streamclassify.streams;
