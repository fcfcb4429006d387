package dev.streamclassify.trainer.control.intake;

/** Where the intake counts what became of each command; the service's meters implement it. Thread-safe. */
public interface CommandCounts {

    /** @param outcome succeeded, failed, rejected, duplicate, ignored or interrupted */
    void command(String command, String outcome);
}
