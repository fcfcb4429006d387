package dev.streamclassify.demo;

import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;

/** Prints the settings tables that docs/configuration.md embeds; ReadmeTest keeps that page in step with the config classes. */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    public static String streamsApp() {
        return StreamsAppConfig.markdownTable();
    }

    public static String trainerService() {
        return TrainerServiceConfig.markdownTable();
    }

    public static void main(String[] args) {
        System.out.println("### streams-app\n");
        System.out.println(streamsApp());
        System.out.println("### trainer serve\n");
        System.out.println(trainerService());
    }
}
