package dev.streamclassify.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the trainer: one subcommand per job. */
@Command(name = "trainer", mixinStandardHelpOptions = true, version = "trainer 0.1.0",
        description = "Transfer-learning trainer: pre-train a backbone, train replaced heads, run experiments, publish versions.",
        subcommands = {PretrainCommand.class, TrainCommand.class, ExperimentCommand.class, PublishCommand.class, KeygenCommand.class,
                SampleCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class TrainerCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new TrainerCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }
}
