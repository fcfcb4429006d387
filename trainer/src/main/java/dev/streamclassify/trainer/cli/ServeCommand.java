package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.trainer.control.service.TrainerService;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Run the trainer as a service: retrain and activate commands from the control topic, status events on the "
                + "training-status topic, /metrics, /health and /ready over HTTP.",
        "Settings come from --config, then TRAINER_<NAME> environment variables, then -Dtrainer.<name> system properties; "
                + "--settings lists them."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", description = "properties file of settings")
    Path config;

    @Option(names = "--settings", description = "print the settings table (markdown) and exit")
    boolean listSettings;

    @Override
    public Integer call() throws Exception {
        if (listSettings) {
            System.out.print(TrainerServiceConfig.markdownTable());
            return 0;
        }
        TrainerServiceConfig cfg;
        try {
            cfg = TrainerServiceConfig.load(Optional.ofNullable(config));
            // the signing and trusted keys are read now, so a missing or unreadable key stops start-up with its setting
            cfg.modelTrust(System.getenv());
        } catch (ConfigException e) {
            System.err.println("trainer serve: " + e.getMessage());
            return 2;
        }
        Backbone loaded;
        try {
            loaded = Backbones.load(cfg.backbone());
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("trainer serve: Invalid setting '" + TrainerServiceConfig.BACKBONE + "': cannot load "
                    + cfg.backbone() + ": " + e.getMessage());
            return 2;
        }
        try (Backbone backbone = loaded;
             TrainerService service = new TrainerService(cfg, backbone)) {
            Thread hook = new Thread(service::close, "trainer-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            service.start();
            service.awaitTermination();
            if (service.healthy()) {
                return 0;
            }
            System.err.println("trainer serve: control loop stopped on an error; see the log");
            return 1;
        }
    }
}
