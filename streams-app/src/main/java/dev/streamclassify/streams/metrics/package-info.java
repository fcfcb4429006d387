/**
 * The service's own Micrometer meters and the JavaCPP off-heap gauges.
 */
package dev.streamclassify.streams.metrics;
