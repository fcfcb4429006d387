/**
 * Where forward passes run: a few long-lived threads that are warmed up on every model before it serves, so that the
 * stream threads hand them whole batches and go on decoding the next one meanwhile.
 */
package dev.streamclassify.streams.inference;
