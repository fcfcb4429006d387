/**
 * Which model version serves: the watcher follows the models topic and swaps warmed-up classifiers into the
 * holder, which leases them to batches and closes replaced ones exactly once.
 */
package dev.streamclassify.streams.models;
