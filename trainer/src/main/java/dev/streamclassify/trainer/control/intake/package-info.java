/**
 * Commands in, status out: the control topic's strict parser, the intake that admits each command once (request log,
 * duplicates, rejections) and the status events every command ends with. Depends on no other part of control.
 */
package dev.streamclassify.trainer.control.intake;
