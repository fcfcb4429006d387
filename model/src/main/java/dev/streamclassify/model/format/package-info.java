/**
 * The formats every module writes the same way: the one JSON configuration ({@link dev.streamclassify.model.format.Json})
 * and sha256 fingerprints ({@link dev.streamclassify.model.format.Hashing}). Public because trainer, streams-app and
 * demo use them; nothing else belongs here.
 */
package dev.streamclassify.model.format;
