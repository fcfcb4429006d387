/**
 * The service's own Micrometer meters (JavaCPP's off-heap gauges come from service-support).
 */
package dev.streamclassify.streams.metrics;
