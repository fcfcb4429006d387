package dev.streamclassify.kafka.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * Formats KRaft log directories the way {@code kafka-storage.sh format --standalone} does, so the node
 * bootstraps as the only voter of a dynamic quorum.
 */
public final class KraftStorage {

    private KraftStorage() {
    }

    /**
     * Formats {@code logDir}, the one {@code log.dirs} entry of {@code brokerProperties}, with a new cluster id
     * unless it was formatted before, so a broker can restart on its old data.
     *
     * @param extraArguments more arguments of {@code format}, e.g. {@code --add-scram} for SCRAM users
     * @return what the tool printed, for logging
     */
    public static String formatIfNew(Properties brokerProperties, Path logDir, String... extraArguments) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return logDir + " is already formatted";
        }
        Path configFile = null;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            configFile = Files.createTempFile("kafka-testkit-", ".properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                brokerProperties.store(out, "kafka-testkit broker");
            }
            int exitCode;
            try (PrintStream print = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
                List<String> args = new ArrayList<>(List.of("format", "--config", configFile.toString(),
                        "--cluster-id", Uuid.randomUuid().toString(), "--standalone"));
                args.addAll(List.of(extraArguments));
                exitCode = StorageTool.execute(args.toArray(String[]::new), print);
            }
            String output = printed.toString(StandardCharsets.UTF_8).strip();
            if (exitCode != 0) {
                throw new InvalidConfigurationException("kafka-storage format failed (exit " + exitCode + "): " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the broker config for formatting", e);
        } finally {
            if (configFile != null) {
                FileTrees.deleteRecursively(configFile);
            }
        }
    }
}
