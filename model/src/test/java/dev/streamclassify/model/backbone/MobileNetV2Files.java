package dev.streamclassify.model.backbone;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the committed ImageNet MobileNetV2 (converted from nsfwjs@4.4.0, see backbones/mobilenet-v2-nsfwjs/README.md)
 * and the TF.js reference outputs live. A missing file fails the test with the command that restores it: these tests
 * never skip.
 */
final class MobileNetV2Files {

    static final String LAST_FROZEN = "block_10_project_BN";
    static final String OUT_RELU = "out_relu";

    private MobileNetV2Files() {
    }

    static Path modelJson() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve("backbones/mobilenet-v2-nsfwjs/model.json");
            if (Files.isRegularFile(candidate) && Files.isRegularFile(candidate.resolveSibling("group1-shard1of1.bin"))) {
                return candidate;
            }
        }
        throw new AssertionError("backbones/mobilenet-v2-nsfwjs/model.json (+ group1-shard1of1.bin) not found above " + dir
                + ": run scripts/fetch-imagenet-backbone.sh from the repository root to fetch and convert it");
    }

    static Path referenceDir() {
        return Path.of("src/test/resources/tfjs-reference").toAbsolutePath();
    }
}
