/**
 * What streams-app and the trainer service both need around their own work: settings declared in a
 * {@link org.apache.kafka.common.config.ConfigDef} and loaded from file, environment and system properties
 * ({@link dev.streamclassify.service.LayeredSettings}), the README's settings tables
 * ({@link dev.streamclassify.service.MarkdownTable}), {@code /metrics}, {@code /health} and {@code /ready}
 * ({@link dev.streamclassify.service.HttpEndpoints}), JavaCPP's off-heap gauges
 * ({@link dev.streamclassify.service.JavaCppMetrics}), a topic read whole by every instance
 * ({@link dev.streamclassify.service.FollowingConsumer}) and waking a consumer that polls on another thread
 * ({@link dev.streamclassify.service.Consumers}).
 */
package dev.streamclassify.service;
