package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.testing.TestModels;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands that must not run get one {@code rejected} event that says why, and nothing else happens. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandRejectionTest {

    private ControlFixture kafka;
    private Backbone backbone;
    private TrainerService service;
    private Path dataRoot;
    private final List<String> rejectedIds = new ArrayList<>();

    @BeforeAll
    void startService(@TempDir Path cacheDir, @TempDir Path root) throws Exception {
        dataRoot = root;
        TestData.writeFolder(root.resolve("clothes"), TestData.slice(List.of("Sneaker", "Pullover"), 0, 8));
        Files.createSymbolicLink(root.resolve("escape"), Path.of("/etc"));
        kafka = new ControlFixture("reject");
        backbone = TestModels.tinyBackbone(5);
        Map<String, Object> settings = kafka.settings(cacheDir);
        settings.put(TrainerServiceConfig.DATA_ROOT, root.toString());
        settings.put(TrainerServiceConfig.COMMAND_MAX_BYTES, 1024);
        service = new TrainerService(TrainerServiceConfig.of(settings), backbone);
        service.start();
    }

    @AfterAll
    void stopService() throws Exception {
        ControlFixture.closeInOrder(service, backbone, kafka);
    }

    static Stream<Arguments> refusedCommands() {
        String retrain = "{\"command\":\"retrain\",\"model\":\"default\",";
        return Stream.of(
                Arguments.of("malformed-json", "{\"command\":\"retrain\",", "malformed JSON"),
                Arguments.of("trailing-data", "{\"command\":\"activate\",\"model\":\"default\",\"version\":1} {}", "malformed JSON"),
                Arguments.of("not-an-object", "[\"retrain\"]", "command must be a JSON object"),
                Arguments.of("unknown-command", "{\"command\":\"train\",\"model\":\"default\"}", "unknown command 'train'; known commands: retrain, activate"),
                Arguments.of("missing-command", "{\"model\":\"default\"}", "missing field 'command'"),
                Arguments.of("unknown-field", retrain + "\"dataset\":{\"path\":\"clothes\"},\"epoch\":5}", "unknown field 'epoch' in retrain command"),
                Arguments.of("epochs-as-text", retrain + "\"dataset\":{\"path\":\"clothes\"},\"epochs\":\"20\"}", "field 'epochs' must be an integer in [1, 1000]"),
                Arguments.of("missing-dataset", retrain + "\"epochs\":3}", "missing field 'dataset'"),
                Arguments.of("bad-model-name", "{\"command\":\"retrain\",\"model\":\"../x\",\"dataset\":{\"path\":\"clothes\"}}", "field 'model' must be a string matching"),
                Arguments.of("oversized", retrain + "\"dataset\":{\"path\":\"" + "a/".repeat(600) + "\"}}", "bytes, limit is 1024 (command.max.bytes)"),
                Arguments.of("absolute-path-outside", retrain + "\"dataset\":{\"path\":\"/etc\"}}", "dataset.path '/etc' is outside the data root"),
                Arguments.of("relative-escape", retrain + "\"dataset\":{\"path\":\"../..\"}}", "dataset.path '../..' is outside the data root"),
                Arguments.of("escape-after-descent", retrain + "\"dataset\":{\"path\":\"clothes/../../..\"}}", "is outside the data root"),
                Arguments.of("symlink-escape", retrain + "\"dataset\":{\"path\":\"escape\"}}", "leads outside the data root"),
                Arguments.of("missing-path", retrain + "\"dataset\":{\"path\":\"nothing-here\"}}", "does not exist under the data root"),
                Arguments.of("foreign-topic", retrain + "\"dataset\":{\"topic\":\"payroll\"}}", "dataset.topic must be"),
                Arguments.of("too many fine-tuned layers", retrain + "\"dataset\":{\"path\":\"clothes\"},\"fineTuneLayers\":99}", "fineTuneLayers"),
                Arguments.of("version-zero", "{\"command\":\"activate\",\"model\":\"default\",\"version\":0}", "field 'version' must be an integer >= 1"));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedCommands")
    void refusedCommandIsRejectedWithItsReason(String requestId, String command, String reason) throws Exception {
        kafka.send(requestId, command);

        StatusEvent outcome = kafka.awaitOutcome(requestId);

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).contains(reason);
        rejectedIds.add(requestId);
    }

    @Test
    @Order(2)
    void recordWithoutKeyIsRejectedUnderItsPosition() throws Exception {
        kafka.send(null, "{\"command\":\"activate\",\"model\":\"default\",\"version\":1}");

        StatusEvent outcome = kafka.awaitEvent(e -> e.requestId().startsWith("control-0-"), "a rejection of the keyless record");

        assertThat(outcome.state()).isEqualTo(State.REJECTED);
        assertThat(outcome.message()).isEqualTo("control record has no key: the key is the request id");
    }

    @Test
    @Order(3)
    void rejectedCommandsChangeNothing() {
        assertThat(rejectedIds).hasSize((int) refusedCommands().count());
        for (String id : rejectedIds) {
            assertThat(kafka.eventsOf(id)).as(id).singleElement().satisfies(e -> assertThat(e.state()).isEqualTo(State.REJECTED));
        }
        assertThat(kafka.modelRecords()).isEmpty();
    }

    @Test
    @Order(4)
    void folderInsideTheDataRootTrainsAndActivatesVersion1() throws Exception {
        kafka.send("from-folder", "{\"command\":\"retrain\",\"model\":\"clothes\",\"dataset\":{\"path\":\"" + dataRoot.resolve("clothes") + "\"}}");

        StatusEvent outcome = kafka.awaitOutcome("from-folder");

        assertThat(outcome.state()).as(outcome.message()).isEqualTo(State.SUCCEEDED);
        assertThat(outcome.modelVersion()).isEqualTo(1L);
        assertThat(outcome.metrics().imagesPerClass()).containsOnly(Map.entry("Pullover", 8), Map.entry("Sneaker", 8));
        assertThat(kafka.activation("clothes")).hasValueSatisfying(a -> assertThat(a.version()).isEqualTo(1));
    }

    @Test
    @Order(5)
    void rejectedRequestIdMayBeSentAgainWithACorrectedCommand() throws Exception {
        kafka.send("malformed-json", "{\"command\":\"activate\",\"model\":\"clothes\",\"version\":1}");

        StatusEvent outcome = kafka.awaitEvent(e -> e.requestId().equals("malformed-json") && e.state() == State.SUCCEEDED,
                "the corrected command to succeed");

        assertThat(outcome.message()).isEqualTo("clothes:v1 activated (was v1)");
    }
}
