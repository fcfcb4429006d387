/**
 * The service's own Micrometer meters, and ND4J's own native-memory accounting (JavaCPP's off-heap gauges come from
 * service-support).
 */
package dev.streamclassify.streams.metrics;
