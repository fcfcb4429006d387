/**
 * What an admitted command does: the runner (retrain, activate, shadow, canary), the promotion gate against the active
 * version, the holdout split, reading training and unlabelled images from topics, the models catalog and the
 * new-images schedule. Reads its own {@link dev.streamclassify.trainer.control.retrain.RetrainSettings}, never the
 * service's config.
 */
package dev.streamclassify.trainer.control.retrain;
