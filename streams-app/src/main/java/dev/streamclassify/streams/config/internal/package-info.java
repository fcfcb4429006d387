/**
 * Checks of pass-through Kafka settings; not for use outside the config package.
 */
package dev.streamclassify.streams.config.internal;
