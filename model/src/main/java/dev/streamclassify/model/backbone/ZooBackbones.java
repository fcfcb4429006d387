package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.internal.Hashing;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.VGG16;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DL4J zoo models with ImageNet weights, fetched by DL4J's own download and Adler32-checked cache. The mirror is
 * set by the system property {@code org.deeplearning4j.resources.baseurl}, the cache folder by
 * {@code org.deeplearning4j.resources.directory}; DL4J reads both once, when its {@code DL4JResources} class loads, so
 * pass them on the command line ({@code -D...}) or use {@code DL4JResources.setBaseDownloadURL}/{@code setBaseDirectory}.
 */
public final class ZooBackbones {

    /** A zoo entry: how to build it, where its features are cut (the layer before the classifier), its input. */
    public record Entry(Supplier<ZooModel<?>> model, String cutLayer, PreprocessingSpec preprocessing) {
    }

    private static final PreprocessingSpec VGG_MEAN = new PreprocessingSpec(224, 224, 3, 1.0,
            List.of(123.68, 116.779, 103.939), List.of(1.0, 1.0, 1.0));

    private static final Map<String, Entry> ENTRIES = Map.of(
            "squeezenet", new Entry(() -> SqueezeNet.builder().build(), "global_average_pooling2d_5", PreprocessingSpec.imageNet(227, 227)),
            "resnet50", new Entry(() -> ResNet50.builder().build(), "flatten_1", PreprocessingSpec.imageNet(224, 224)),
            "vgg16", new Entry(() -> VGG16.builder().build(), "fc2", VGG_MEAN),
            "darknet19", new Entry(() -> Darknet19.builder().build(), "globalpooling", PreprocessingSpec.unitScaled(224, 224, 3)));

    private ZooBackbones() {
    }

    public static List<String> names() {
        return ENTRIES.keySet().stream().sorted().toList();
    }

    /** The entry of a known name, for tests of the table itself. */
    static Entry entry(String name) {
        return ENTRIES.get(name);
    }

    /** @param spec {@code <name>} or {@code <name>#<cutLayer>} */
    public static Backbone load(String spec) throws IOException {
        int hash = spec.indexOf('#');
        String name = (hash < 0 ? spec : spec.substring(0, hash)).toLowerCase(Locale.ROOT);
        Entry entry = ENTRIES.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("unknown zoo backbone '" + name + "'; known: " + names());
        }
        String cut = hash < 0 ? entry.cutLayer() : spec.substring(hash + 1);
        return load(entry.model().get(), PretrainedType.IMAGENET, cut, entry.preprocessing());
    }

    /**
     * Downloads (or reuses the cached copy of) a zoo model's weights through {@link ZooModel#initPretrained},
     * which refuses a file whose checksum does not match. The fingerprint is the sha256 of that cached file.
     */
    public static Backbone load(ZooModel<?> zooModel, PretrainedType type, String cutLayer, PreprocessingSpec spec) throws IOException {
        Model model;
        try {
            model = zooModel.initPretrained(type);
        } catch (IllegalStateException e) {
            throw new IOException("zoo model " + zooModel.modelName() + " failed its download check: " + e.getMessage(), e);
        }
        String remote = zooModel.pretrainedUrl(type);
        File cached = new File(DL4JResources.getDirectory(ResourceType.ZOO_MODEL, zooModel.modelName()), new File(remote).getName());
        return Backbone.of(Backbones.asGraph(model), zooModel.modelName(), Hashing.fingerprint(cached.toPath()), cutLayer, spec);
    }
}
