package dev.streamclassify.trainer.control.intake;

import dev.streamclassify.model.testing.WireSchemas;
import dev.streamclassify.trainer.training.SemiSupervised;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandParserTest {

    @TempDir
    Path root;

    private CommandParser parser;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(root.resolve("shoes"));
        parser = new CommandParser(new CommandParser.Rules(512, "training-images", Optional.of(DataRoot.of(root)), 20, 100, List.of()));
    }

    /** Parses, and checks that what the parser accepts is also valid under the published schema. */
    private Command parse(String json) throws CommandRejectedException {
        Command command = parser.parse(json.getBytes(StandardCharsets.UTF_8));
        WireSchemas.CONTROL_COMMAND.check(json.getBytes(StandardCharsets.UTF_8));
        return command;
    }

    private String rejection(String json) {
        try {
            parse(json);
        } catch (CommandRejectedException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void parsesTheRetrainOfTheDesignWithDefaults() throws Exception {
        Command c = parse("{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"}}");

        assertThat(c).isEqualTo(new Command.Retrain("default", Command.TopicRange.all("training-images"), 20, List.of()));
    }

    @Test
    void parsesShadowAndCanaryOfTheDesign() throws Exception {
        assertThat(parse("{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[5,6]}"))
                .isEqualTo(new Command.Shadow("default", List.of(5L, 6L)));
        assertThat(parse("{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[]}"))
                .isEqualTo(new Command.Shadow("default", List.of()));
        assertThat(parse("{\"command\":\"canary\",\"model\":\"default\",\"version\":6,\"percent\":10}"))
                .isEqualTo(new Command.Canary("default", 6, 10));
    }

    @Test
    void refusesMalformedShadowAndCanary() {
        assertThat(rejection("{\"command\":\"shadow\",\"model\":\"default\",\"versions\":5}")).contains("field 'versions' must be an array");
        assertThat(rejection("{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[1,2,3,4,5,6,7,8,9]}")).contains("at most 8");
        assertThat(rejection("{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[0]}")).contains(">= 1");
        assertThat(rejection("{\"command\":\"canary\",\"model\":\"default\",\"version\":6}")).contains("missing field 'percent'");
        assertThat(rejection("{\"command\":\"canary\",\"model\":\"default\",\"version\":6,\"percent\":10.5}")).contains("'percent' must be an integer in [0, 100]");
        assertThat(rejection("{\"command\":\"canary\",\"model\":\"default\",\"version\":6,\"percent\":5,\"share\":1}")).contains("unknown field 'share' in canary command");
    }

    @Test
    void parsesEveryRetrainField() throws Exception {
        Command c = parse("{\"command\":\"retrain\",\"model\":\"m1\",\"dataset\":{\"topic\":\"training-images\",\"fromOffset\":5,"
                + "\"toOffset\":9},\"epochs\":3,\"hiddenLayers\":[64,16],\"fineTuneLayers\":0}");

        assertThat(c).isEqualTo(new Command.Retrain("m1", new Command.TopicRange("training-images", OptionalLong.of(5), OptionalLong.of(9)),
                3, List.of(64, 16)));
    }

    @Test
    void parsesAnUnlabelledPoolFromTheImagesTopicWithDefaults() throws Exception {
        Command.Retrain c = (Command.Retrain) parse("{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},"
                + "\"unlabelled\":{\"topic\":\"images\"}}");

        assertThat(c.unlabelled()).contains(new Command.Unlabelled(new Command.RecentImages("images"), 5000, SemiSupervised.Method.SELF_TRAINING));
    }

    @Test
    void parsesAnUnlabelledFolderWithItsSizeAndMethod() throws Exception {
        Command.Retrain c = (Command.Retrain) parse("{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},"
                + "\"unlabelled\":{\"path\":\"shoes\",\"max\":300,\"method\":\"label-spreading\"}}");

        assertThat(c.unlabelled()).contains(new Command.Unlabelled(new Command.Folder(root.resolve("shoes").toRealPath()), 300,
                SemiSupervised.Method.LABEL_SPREADING));
    }

    @Test
    void parsesTheStreamPoolAsSourceBoundedByThePoolAndThePerRetrainLimit() throws Exception {
        CommandParser withPool = new CommandParser(new CommandParser.Rules(512, "training-images", Optional.empty(), 20, 100, List.of(),
                "images", 5000, 2000));
        String retrain = "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":";

        Command.Retrain all = (Command.Retrain) withPool.parse((retrain + "{\"pool\":true}}").getBytes(StandardCharsets.UTF_8));
        Command.Retrain some = (Command.Retrain) withPool.parse((retrain + "{\"pool\":true,\"max\":300,\"method\":\"label-spreading\"}}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(all.unlabelled()).contains(new Command.Unlabelled(new Command.FeaturePool(), 2000, SemiSupervised.Method.SELF_TRAINING));
        assertThat(some.unlabelled()).contains(new Command.Unlabelled(new Command.FeaturePool(), 300, SemiSupervised.Method.LABEL_SPREADING));
        assertThatThrownBy(() -> withPool.parse((retrain + "{\"pool\":true,\"max\":2001}}").getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("field 'unlabelled.max' must be an integer in [1, 2000]");
        assertThatThrownBy(() -> withPool.parse((retrain + "{\"pool\":false}}").getBytes(StandardCharsets.UTF_8)))
                .hasMessageStartingWith("unlabelled.pool must be true");
        assertThat(WireSchemas.CONTROL_COMMAND.errors((retrain + "{\"pool\":true,\"max\":300}}").getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(WireSchemas.CONTROL_COMMAND.errors((retrain + "{\"pool\":false}}").getBytes(StandardCharsets.UTF_8))).isNotEmpty();
    }

    @Test
    void resolvesAPathDatasetToItsRealDirectoryInsideTheRoot() throws Exception {
        Command.Retrain c = (Command.Retrain) parse("{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"shoes/./\"}}");

        assertThat(c.dataset()).isEqualTo(new Command.Folder(root.resolve("shoes").toRealPath()));
    }

    @Test
    void parsesActivate() throws Exception {
        assertThat(parse("{\"command\":\"activate\",\"model\":\"default\",\"version\":3}")).isEqualTo(new Command.Activate("default", 3));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{|malformed JSON",
            "`{\"command\":\"retrain\"`|malformed JSON",
            "`{\"command\":\"activate\",\"command\":\"retrain\"}`|malformed JSON: Duplicate field 'command'",
            "`{\"command\":\"activate\",\"model\":\"m\",\"version\":1}x`|malformed JSON",
            "`\"retrain\"`|command must be a JSON object, was string",
            "null|command must be a JSON object",
            "`{\"command\":7}`|field 'command' must be a string",
            "`{\"command\":\"delete\"}`|unknown command 'delete'; known commands: retrain, activate",
            "`{\"command\":\"activate\",\"version\":1}`|missing field 'model'",
            "`{\"command\":\"activate\",\"model\":\"default\"}`|missing field 'version'",
            "`{\"command\":\"activate\",\"model\":\"default\",\"version\":1.5}`|field 'version' must be an integer >= 1, was 1.5",
            "`{\"command\":\"activate\",\"model\":\"default\",\"version\":99999999999999999999}`|field 'version' must be an integer >= 1",
            "`{\"command\":\"activate\",\"model\":\"default\",\"version\":2,\"force\":true}`|unknown field 'force' in activate command",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":\"training-images\"}`|field 'dataset' must be an object",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{}}`|dataset must have exactly one of 'topic' and 'path'",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"path\":\"shoes\"}}`|exactly one of",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"partition\":0}}`|unknown field 'partition' in dataset",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"fromOffset\":9,\"toOffset\":9}}`|must be below dataset.toOffset",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"fromOffset\":-1}}`|field 'dataset.fromOffset' must be an integer >= 0",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"shoes\",\"toOffset\":3}}`|apply to topic datasets only",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":7}}`|dataset.path must be a string",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"/etc/passwd\"}}`|is outside the data root",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"shoes/../../x\"}}`|is outside the data root",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"epochs\":0}`|field 'epochs' must be an integer in [1, 100], was 0",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"epochs\":101}`|field 'epochs' must be an integer in [1, 100]",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"hiddenLayers\":[0]}`|field 'hiddenLayers' must be an array",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"hiddenLayers\":[1,2,3,4,5]}`|at most 4 integers",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"hiddenLayers\":64}`|field 'hiddenLayers' must be an array",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"fineTuneLayers\":9}`|fineTuneLayers",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":\"images\"}`|field 'unlabelled' must be an object",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{}}`|unlabelled must have exactly one of 'topic', 'path' and 'pool'",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"pool\":true,\"topic\":\"images\"}}`|unlabelled must have exactly one of 'topic', 'path' and 'pool'",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"pool\":true,\"path\":\"shoes\"}}`|unlabelled must have exactly one of 'topic', 'path' and 'pool'",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"pool\":true}}`|unlabelled.pool: the stream feature pool is off (pool.max.images is 0)",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"control\"}}`|unlabelled.topic must be 'images' (images.topic), was \"control\"",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"images\",\"max\":5001}}`|field 'unlabelled.max' must be an integer in [1, 5000]",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"images\",\"max\":0}}`|field 'unlabelled.max' must be an integer in [1, 5000]",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"images\",\"method\":\"magic\"}}`|unlabelled.method must be one of [self-training, self-training-scaled, label-spreading]",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"images\",\"fromOffset\":1}}`|unknown field 'fromOffset' in unlabelled",
            "`{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"path\":\"../x\"}}`|is outside the data root",
            "`{\"command\":\"retrain\",\"model\":\"a b\",\"dataset\":{\"topic\":\"training-images\"}}`|field 'model' must be a string matching",
    })
    void rejectsWithAReason(String json, String reason) {
        assertThat(rejection(json)).contains(reason);
    }

    /** The schema cannot know the settings (topic names, limits, data root), but it refuses every command of the wrong shape. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "\"retrain\"",
            "{\"command\":7}",
            "{\"command\":\"delete\"}",
            "{\"command\":\"activate\",\"version\":1}",
            "{\"command\":\"activate\",\"model\":\"default\",\"version\":1.5}",
            "{\"command\":\"activate\",\"model\":\"default\",\"version\":2,\"force\":true}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"path\":\"shoes\"}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"shoes\",\"toOffset\":3}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\",\"fromOffset\":-1}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"epochs\":0}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"hiddenLayers\":[1,2,3,4,5]}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"fineTuneLayers\":9}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"pool\":true,\"topic\":\"images\"}}",
            "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"topic\":\"training-images\"},\"unlabelled\":{\"topic\":\"images\",\"method\":\"magic\"}}",
            "{\"command\":\"retrain\",\"model\":\"a b\",\"dataset\":{\"topic\":\"training-images\"}}",
            "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[1,2,3,4,5,6,7,8,9]}",
            "{\"command\":\"shadow\",\"model\":\"default\",\"versions\":[5,5]}",
            "{\"command\":\"canary\",\"model\":\"default\",\"version\":6}",
            "{\"command\":\"canary\",\"model\":\"default\",\"version\":6,\"percent\":101}",
    })
    void theSchemaRefusesTheCommandsOfTheWrongShapeThatTheParserRefuses(String json) {
        assertThat(rejection(json)).isNotBlank();
        assertThat(WireSchemas.CONTROL_COMMAND.errors(json.getBytes(StandardCharsets.UTF_8))).isNotEmpty();
    }

    @Test
    void rejectsOversizedCommandsBeforeReadingThem() {
        String big = "{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"" + "x".repeat(600) + "\"}}";

        assertThat(rejection(big)).startsWith("command is " + big.length() + " bytes, limit is 512");
    }

    @Test
    void rejectsEmptyValues() {
        assertThatThrownBy(() -> parser.parse(new byte[0])).hasMessage("command is empty");
    }

    @Test
    void rejectsPathDatasetsWhenNoDataRootIsConfigured() {
        CommandParser noRoot = new CommandParser(new CommandParser.Rules(512, "training-images", Optional.empty(), 20, 100, List.of()));

        assertThatThrownBy(() -> noRoot.parse("{\"command\":\"retrain\",\"model\":\"default\",\"dataset\":{\"path\":\"shoes\"}}"
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CommandRejectedException.class)
                .hasMessage("path datasets are disabled: data.root is not set");
    }

    @Test
    void echoesLongInputAbbreviated() {
        String message = rejection("{\"command\":\"" + "z".repeat(300) + "\"}");

        assertThat(message).hasSizeLessThan(200).contains("...");
    }
}
