package dev.streamclassify.model.backbone;

import dev.streamclassify.model.testing.TestModels;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;

import java.io.File;
import java.nio.file.Path;
import java.util.zip.Adler32;

/**
 * Points DL4J's download machinery at a loopback mirror and a private cache folder, and puts it back afterwards.
 * DL4JResources reads {@code org.deeplearning4j.resources.baseurl} and {@code .directory} once, when the class loads,
 * so a test has to use its setters rather than the system properties.
 */
final class ZooDownloads implements AutoCloseable {

    static final String FILE = "tinynet_dl4j_inference.v1.zip";

    private final String previousUrl;
    private final File previousDirectory;

    ZooDownloads(LoopbackMirror mirror, Path cache) {
        previousUrl = DL4JResources.getBaseDownloadURL();
        previousDirectory = DL4JResources.getBaseDirectory();
        DL4JResources.setBaseDownloadURL(mirror.baseUrl());
        DL4JResources.setBaseDirectory(cache.toFile());
    }

    @Override
    public void close() {
        DL4JResources.setBaseDownloadURL(previousUrl);
        if (previousDirectory.isDirectory()) {
            DL4JResources.setBaseDirectory(previousDirectory);
        } else {
            DL4JResources.resetBaseDirectoryLocation();
        }
    }

    static long adler32(byte[] bytes) {
        Adler32 a = new Adler32();
        a.update(bytes);
        return a.getValue();
    }

    /** A zoo entry for the tiny test network, with ImageNet-type "pretrained" weights on the mirror. */
    @SuppressWarnings({"unchecked", "deprecation"})
    static final class TinyNet extends ZooModel<TinyNet> {

        private final long checksum;

        TinyNet(long checksum) {
            this.checksum = checksum;
        }

        @Override
        public String pretrainedUrl(PretrainedType type) {
            return type == PretrainedType.IMAGENET ? DL4JResources.getURLString("models/" + FILE) : null;
        }

        @Override
        public long pretrainedChecksum(PretrainedType type) {
            return type == PretrainedType.IMAGENET ? checksum : 0L;
        }

        @Override
        public Class<? extends Model> modelType() {
            return ComputationGraph.class;
        }

        @Override
        public ComputationGraph init() {
            return ConvNets.build(new ConvNets.Arch(28, 28, 1, 4, 8, 16, 0, false), 5, 1e-3, 3);
        }

        @Override
        public ModelMetaData metaData() {
            return new ModelMetaData(new int[][]{{1, 28, 28}}, 1, ZooType.CNN);
        }

        @Override
        public void setInputShape(int[][] inputShape) {
            // fixed by the test network
        }
    }

    static byte[] tinyNetBytes() {
        return TestModels.tinyBackboneBytes(3);
    }
}
