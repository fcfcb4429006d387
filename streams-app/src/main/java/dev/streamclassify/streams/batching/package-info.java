/**
 * Micro-batching without data loss: images wait in a changelogged store until a full batch or a wall-clock
 * punctuation drains them through one forward pass.
 */
package dev.streamclassify.streams.batching;
