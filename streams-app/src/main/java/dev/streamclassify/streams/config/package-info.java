/**
 * Settings of the service: one declaration per setting (StreamsAppConfig), loaded from file, environment and
 * system properties.
 */
package dev.streamclassify.streams.config;
