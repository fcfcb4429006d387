/**
 * What streams-app writes and carries between its stages, and nothing else: the prediction event, the dead-letter
 * headers, the outcome of one image, the head votes and the model-quality record, and typed topic descriptors. The
 * bottom of the app: every other package may import it, it imports none of them.
 */
package dev.streamclassify.streams.wire;
