/**
 * Helpers shared inside streams-app only (JSON serde).
 */
package dev.streamclassify.streams.internal;
