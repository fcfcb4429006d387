package dev.streamclassify.trainer.control.intake;

/** A control record that will not run; the message is the reason given in the {@code rejected} status event. */
public final class CommandRejectedException extends Exception {

    public CommandRejectedException(String reason) {
        super(reason);
    }
}
