package dev.streamclassify.trainer.control.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.trainer.training.SemiSupervised;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Turns control-record values into {@link Command}s, strictly: unknown commands and fields, duplicate keys,
 * trailing data, wrong types and out-of-range values are all refused with a reason a user can act on. A typo such as
 * {@code "epoch": 5} is refused rather than silently trained with the default. Thread-safe.
 */
public final class CommandParser {

    /**
     * What the service allows, the intake's own settings (the service builds them from its config). The settings the
     * refusals name, and the head-size limits, are declared here so the parser needs nothing from the service above it.
     */
    public record Rules(int maxBytes, String trainingImagesTopic, Optional<DataRoot> dataRoot, int defaultEpochs, int maxEpochs,
                        List<Integer> defaultHiddenLayers, String imagesTopic, int maxUnlabelled, int poolMaxImages) {

        public static final String COMMAND_MAX_BYTES = "command.max.bytes";
        public static final String DATA_ROOT = "data.root";
        public static final String IMAGES_TOPIC = "images.topic";
        public static final String TRAINING_IMAGES_TOPIC = "training.images.topic";
        public static final String POOL_MAX_IMAGES = "pool.max.images";
        public static final int MAX_HIDDEN_UNITS = 4096;
        public static final int MAX_HIDDEN_LAYERS = 4;

        public Rules {
            Objects.requireNonNull(trainingImagesTopic, "trainingImagesTopic");
            Objects.requireNonNull(dataRoot, "dataRoot");
            Objects.requireNonNull(imagesTopic, "imagesTopic");
            defaultHiddenLayers = List.copyOf(defaultHiddenLayers);
            if (poolMaxImages < 0) {
                throw new IllegalArgumentException("poolMaxImages must be >= 0 (0 = no stream pool)");
            }
        }

        /** Rules without the stream feature pool. */
        public Rules(int maxBytes, String trainingImagesTopic, Optional<DataRoot> dataRoot, int defaultEpochs, int maxEpochs,
                     List<Integer> defaultHiddenLayers, String imagesTopic, int maxUnlabelled) {
            this(maxBytes, trainingImagesTopic, dataRoot, defaultEpochs, maxEpochs, defaultHiddenLayers, imagesTopic, maxUnlabelled, 0);
        }

        /** Rules with the default unlabelled source: topic {@code images}, at most 5,000 images. */
        public Rules(int maxBytes, String trainingImagesTopic, Optional<DataRoot> dataRoot, int defaultEpochs, int maxEpochs,
                     List<Integer> defaultHiddenLayers) {
            this(maxBytes, trainingImagesTopic, dataRoot, defaultEpochs, maxEpochs, defaultHiddenLayers, "images", 5000);
        }
    }

    private static final Set<String> RETRAIN_FIELDS = Set.of("command", "model", "dataset", "epochs", "hiddenLayers", "fineTuneLayers",
            "unlabelled");
    private static final Set<String> UNLABELLED_FIELDS = Set.of("topic", "path", "pool", "max", "method");
    private static final Set<String> ACTIVATE_FIELDS = Set.of("command", "model", "version");
    private static final Set<String> SHADOW_FIELDS = Set.of("command", "model", "versions");
    private static final Set<String> CANARY_FIELDS = Set.of("command", "model", "version", "percent");
    private static final Set<String> DATASET_FIELDS = Set.of("topic", "fromOffset", "toOffset", "path");

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Rules rules;

    public CommandParser(Rules rules) {
        this.rules = rules;
    }

    public Command parse(byte[] value) throws CommandRejectedException {
        if (value == null || value.length == 0) {
            throw new CommandRejectedException("command is empty");
        }
        if (value.length > rules.maxBytes()) {
            throw new CommandRejectedException("command is " + value.length + " bytes, limit is " + rules.maxBytes()
                    + " (" + Rules.COMMAND_MAX_BYTES + ")");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(value);
        } catch (JsonProcessingException e) {
            throw new CommandRejectedException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CommandRejectedException("malformed JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CommandRejectedException("command must be a JSON object, was " + (root == null ? "empty" : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        JsonNode command = root.get("command");
        if (command == null || command.isNull()) {
            throw new CommandRejectedException("missing field 'command' (retrain, activate, shadow or canary)");
        }
        if (!command.isTextual()) {
            throw new CommandRejectedException("field 'command' must be a string (retrain, activate, shadow or canary)");
        }
        return switch (command.textValue()) {
            case "retrain" -> retrain(root);
            case "activate" -> activate(root);
            case "shadow" -> shadow(root);
            case "canary" -> canary(root);
            default -> throw new CommandRejectedException("unknown command '" + abbreviate(command.textValue())
                    + "'; known commands: retrain, activate, shadow, canary");
        };
    }

    private Command.Retrain retrain(JsonNode root) throws CommandRejectedException {
        onlyFields(root, RETRAIN_FIELDS, "retrain command");
        String model = model(root);
        Command.DatasetSource dataset = dataset(root.get("dataset"));
        int epochs = root.has("epochs") ? (int) integer(root, "epochs", 1, rules.maxEpochs()) : rules.defaultEpochs();
        List<Integer> hidden = root.has("hiddenLayers") ? hiddenLayers(root.get("hiddenLayers")) : rules.defaultHiddenLayers();
        int fineTune = root.has("fineTuneLayers") ? (int) integer(root, "fineTuneLayers", 0, 8) : 0;
        Optional<Command.Unlabelled> unlabelled = root.has("unlabelled") ? Optional.of(unlabelled(root.get("unlabelled"))) : Optional.empty();
        return new Command.Retrain(model, dataset, epochs, hidden, fineTune, unlabelled);
    }

    private Command.Unlabelled unlabelled(JsonNode node) throws CommandRejectedException {
        String shape = "{\"topic\":\"" + rules.imagesTopic() + "\",\"max\":N}, {\"path\":\"...\"} or {\"pool\":true}";
        if (!node.isObject()) {
            throw new CommandRejectedException("field 'unlabelled' must be an object: " + shape);
        }
        onlyFields(node, UNLABELLED_FIELDS, "unlabelled");
        boolean topic = node.has("topic");
        boolean path = node.has("path");
        boolean pool = node.has("pool");
        if ((topic ? 1 : 0) + (path ? 1 : 0) + (pool ? 1 : 0) != 1) {
            throw new CommandRejectedException("unlabelled must have exactly one of 'topic', 'path' and 'pool': " + shape);
        }
        Command.UnlabelledSource source;
        int maxImages = rules.maxUnlabelled();
        if (pool) {
            if (!node.get("pool").isBoolean() || !node.get("pool").booleanValue()) {
                throw new CommandRejectedException("unlabelled.pool must be true (to use another source, name it instead), was "
                        + abbreviate(node.get("pool").toString()));
            }
            if (rules.poolMaxImages() == 0) {
                throw new CommandRejectedException("unlabelled.pool: the stream feature pool is off (" + Rules.POOL_MAX_IMAGES
                        + " is 0); name the topic instead: {\"topic\":\"" + rules.imagesTopic() + "\"}");
            }
            source = new Command.FeaturePool();
            maxImages = Math.min(maxImages, rules.poolMaxImages());
        } else if (path) {
            JsonNode p = node.get("path");
            if (!p.isTextual()) {
                throw new CommandRejectedException("unlabelled.path must be a string");
            }
            DataRoot root = rules.dataRoot().orElseThrow(() -> new CommandRejectedException(
                    "path sources are disabled: " + Rules.DATA_ROOT + " is not set"));
            source = new Command.Folder(root.resolve(p.textValue()));
        } else {
            JsonNode t = node.get("topic");
            if (!t.isTextual() || !t.textValue().equals(rules.imagesTopic())) {
                throw new CommandRejectedException("unlabelled.topic must be '" + rules.imagesTopic() + "' ("
                        + Rules.IMAGES_TOPIC + "), was " + abbreviate(t.toString()));
            }
            source = new Command.RecentImages(t.textValue());
        }
        int max = node.has("max") ? (int) integer(node, "max", 1, maxImages, "unlabelled.") : maxImages;
        SemiSupervised.Method method = SemiSupervised.Method.SELF_TRAINING;
        if (node.has("method")) {
            JsonNode m = node.get("method");
            List<String> known = SemiSupervised.Method.wires().stream().filter(w -> !w.equals(SemiSupervised.Method.LABELS_ONLY.wire())).toList();
            if (!m.isTextual() || !known.contains(m.textValue())) {
                throw new CommandRejectedException("unlabelled.method must be one of " + known + ", was " + abbreviate(m.toString()));
            }
            method = SemiSupervised.Method.fromWire(m.textValue());
        }
        return new Command.Unlabelled(source, max, method);
    }

    private Command.Activate activate(JsonNode root) throws CommandRejectedException {
        onlyFields(root, ACTIVATE_FIELDS, "activate command");
        String model = model(root);
        if (!root.has("version")) {
            throw new CommandRejectedException("missing field 'version'");
        }
        return new Command.Activate(model, integer(root, "version", 1, Long.MAX_VALUE));
    }

    private Command.Shadow shadow(JsonNode root) throws CommandRejectedException {
        onlyFields(root, SHADOW_FIELDS, "shadow command");
        String model = model(root);
        JsonNode node = root.get("versions");
        String rule = "field 'versions' must be an array of at most " + dev.streamclassify.model.catalog.Shadow.MAX_VERSIONS
                + " distinct integers >= 1 ([] ends the shadow)";
        if (node == null || !node.isArray() || node.size() > dev.streamclassify.model.catalog.Shadow.MAX_VERSIONS) {
            throw new CommandRejectedException(rule + ", was " + abbreviate(String.valueOf(node)));
        }
        List<Long> versions = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 1 || versions.contains(n.longValue())) {
                throw new CommandRejectedException(rule + ", was " + abbreviate(node.toString()));
            }
            versions.add(n.longValue());
        }
        return new Command.Shadow(model, versions);
    }

    private Command.Canary canary(JsonNode root) throws CommandRejectedException {
        onlyFields(root, CANARY_FIELDS, "canary command");
        String model = model(root);
        for (String field : List.of("version", "percent")) {
            if (!root.has(field)) {
                throw new CommandRejectedException("missing field '" + field + "'");
            }
        }
        return new Command.Canary(model, integer(root, "version", 1, Long.MAX_VALUE), (int) integer(root, "percent", 0, 100));
    }

    private static String model(JsonNode root) throws CommandRejectedException {
        JsonNode model = root.get("model");
        if (model == null || model.isNull()) {
            throw new CommandRejectedException("missing field 'model'");
        }
        if (!model.isTextual() || !ModelVersion.NAME.matcher(model.textValue()).matches()) {
            throw new CommandRejectedException("field 'model' must be a string matching " + ModelVersion.NAME.pattern()
                    + ", was " + abbreviate(model.toString()));
        }
        return model.textValue();
    }

    private Command.DatasetSource dataset(JsonNode dataset) throws CommandRejectedException {
        if (dataset == null || dataset.isNull()) {
            throw new CommandRejectedException("missing field 'dataset' ({\"topic\":\"" + rules.trainingImagesTopic() + "\"} or {\"path\":\"...\"})");
        }
        if (!dataset.isObject()) {
            throw new CommandRejectedException("field 'dataset' must be an object with 'topic' or 'path'");
        }
        onlyFields(dataset, DATASET_FIELDS, "dataset");
        boolean topic = dataset.has("topic");
        boolean path = dataset.has("path");
        if (topic == path) {
            throw new CommandRejectedException("dataset must have exactly one of 'topic' and 'path'");
        }
        if (path) {
            if (dataset.has("fromOffset") || dataset.has("toOffset")) {
                throw new CommandRejectedException("dataset.fromOffset and dataset.toOffset apply to topic datasets only");
            }
            JsonNode p = dataset.get("path");
            if (!p.isTextual()) {
                throw new CommandRejectedException("dataset.path must be a string");
            }
            DataRoot root = rules.dataRoot().orElseThrow(() -> new CommandRejectedException(
                    "path datasets are disabled: " + Rules.DATA_ROOT + " is not set"));
            return new Command.Folder(root.resolve(p.textValue()));
        }
        JsonNode t = dataset.get("topic");
        if (!t.isTextual()) {
            throw new CommandRejectedException("dataset.topic must be a string");
        }
        if (!t.textValue().equals(rules.trainingImagesTopic())) {
            throw new CommandRejectedException("dataset.topic must be '" + rules.trainingImagesTopic() + "' ("
                    + Rules.TRAINING_IMAGES_TOPIC + "), was '" + abbreviate(t.textValue()) + "'");
        }
        OptionalLong from = dataset.has("fromOffset") ? OptionalLong.of(integer(dataset, "fromOffset", 0, Long.MAX_VALUE, "dataset.")) : OptionalLong.empty();
        OptionalLong to = dataset.has("toOffset") ? OptionalLong.of(integer(dataset, "toOffset", 0, Long.MAX_VALUE, "dataset.")) : OptionalLong.empty();
        if (from.isPresent() && to.isPresent() && from.getAsLong() >= to.getAsLong()) {
            throw new CommandRejectedException("dataset.fromOffset (" + from.getAsLong() + ") must be below dataset.toOffset ("
                    + to.getAsLong() + "): the range is [fromOffset, toOffset)");
        }
        return new Command.TopicRange(t.textValue(), from, to);
    }

    private static List<Integer> hiddenLayers(JsonNode node) throws CommandRejectedException {
        String rule = "field 'hiddenLayers' must be an array of at most " + Rules.MAX_HIDDEN_LAYERS
                + " integers in [1, " + Rules.MAX_HIDDEN_UNITS + "]";
        if (!node.isArray() || node.size() > Rules.MAX_HIDDEN_LAYERS) {
            throw new CommandRejectedException(rule + ", was " + abbreviate(node.toString()));
        }
        List<Integer> sizes = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > Rules.MAX_HIDDEN_UNITS) {
                throw new CommandRejectedException(rule + ", was " + abbreviate(node.toString()));
            }
            sizes.add(n.intValue());
        }
        return sizes;
    }

    private static long integer(JsonNode parent, String field, long min, long max) throws CommandRejectedException {
        return integer(parent, field, min, max, "");
    }

    private static long integer(JsonNode parent, String field, long min, long max, String prefix) throws CommandRejectedException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
            String range = max == Long.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]";
            throw new CommandRejectedException("field '" + prefix + field + "' must be an integer " + range + ", was "
                    + abbreviate(String.valueOf(n)));
        }
        return n.longValue();
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, String what) throws CommandRejectedException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new CommandRejectedException("unknown field '" + abbreviate(name) + "' in " + what + "; allowed: "
                        + allowed.stream().sorted().toList());
            }
        }
    }

    /** Rejection messages echo user input: keep them short. */
    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
