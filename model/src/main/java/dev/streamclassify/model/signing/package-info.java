/**
 * Ed25519 signatures of model versions (JDK only): the trainer signs each version record it publishes, the services
 * verify it against their trusted public keys before they parse a byte of the artifact.
 */
package dev.streamclassify.model.signing;
