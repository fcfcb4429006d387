/**
 * The operational HTTP endpoints: /metrics, /health and /ready.
 */
package dev.streamclassify.streams.http;
