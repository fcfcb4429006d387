/**
 * The trainer as a service ({@code trainer serve}): its config, the wiring of intake and retrain into one control loop,
 * its meters, topic setup and HTTP endpoints. The top of the control wings: it builds their settings and nothing
 * below imports it.
 */
package dev.streamclassify.trainer.control.service;
