package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.format.Hashing;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
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

    /**
     * A zoo entry: how to build it, where its features are cut (the last feature layer before the 1000-class
     * classifier, pooled when it is spatial), its input.
     */
    public record Entry(Supplier<ZooModel<?>> model, String cutLayer, Pooling pooling, PreprocessingSpec preprocessing) {
    }

    /**
     * DL4J's documented input for its Keras-converted ImageNet models (VGG16, ResNet50, SqueezeNet):
     * {@code VGG16ImagePreProcessor}, i.e. 0-255 pixels minus the per-channel ImageNet mean, no scaling. DL4J's own
     * loader ({@code NativeImageLoader}, OpenCV) yields BGR while this product feeds RGB; PreprocessingSpec has no
     * channel order, so blue and red reach these networks swapped relative to their Caffe-style training (see
     * docs/design.md, zoo preprocessing).
     */
    static final PreprocessingSpec VGG_MEAN = new PreprocessingSpec(224, 224, 3, 1.0,
            List.of(123.68, 116.779, 103.939), List.of(1.0, 1.0, 1.0));

    private static final Map<String, Entry> ENTRIES = Map.of(
            // drop9 is the 13x13x512 output of the last fire module; conv10 after it is the 1000-class layer
            "squeezenet", new Entry(() -> SqueezeNet.builder().build(), "drop9", Pooling.GLOBAL,
                    new PreprocessingSpec(227, 227, 3, 1.0, VGG_MEAN.mean(), VGG_MEAN.std())),
            "resnet50", new Entry(() -> ResNet50.builder().build(), "flatten_1", Pooling.NONE, VGG_MEAN),
            "vgg16", new Entry(() -> VGG16.builder().build(), "fc2", Pooling.NONE, VGG_MEAN),
            // activation_18 is the last 1024-channel feature map; convolution2d_19 after it is the 1000-class layer
            "darknet19", new Entry(() -> Darknet19.builder().build(), "activation_18", Pooling.GLOBAL, PreprocessingSpec.unitScaled(224, 224, 3)));

    private ZooBackbones() {
    }

    public static List<String> names() {
        return ENTRIES.keySet().stream().sorted().toList();
    }

    /** The entry of a known name, for tests of the table itself. */
    static Entry entry(String name) {
        return ENTRIES.get(name);
    }

    /** @param spec {@code <name>} or {@code <name>#<cutLayer>} (a cut given by name is not pooled) */
    public static Backbone load(String spec) throws IOException {
        int hash = spec.indexOf('#');
        String name = (hash < 0 ? spec : spec.substring(0, hash)).toLowerCase(Locale.ROOT);
        Entry entry = ENTRIES.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("unknown zoo backbone '" + name + "'; known: " + names());
        }
        if (hash >= 0) {
            return load(entry.model().get(), PretrainedType.IMAGENET, spec.substring(hash + 1), Pooling.NONE, entry.preprocessing());
        }
        return load(entry.model().get(), PretrainedType.IMAGENET, entry.cutLayer(), entry.pooling(), entry.preprocessing());
    }

    public static Backbone load(ZooModel<?> zooModel, PretrainedType type, String cutLayer, PreprocessingSpec spec) throws IOException {
        return load(zooModel, type, cutLayer, Pooling.NONE, spec);
    }

    /**
     * Downloads (or reuses the cached copy of) a zoo model's weights through {@link ZooModel#initPretrained},
     * which refuses a file whose checksum does not match. The fingerprint is the sha256 of that cached file.
     */
    public static Backbone load(ZooModel<?> zooModel, PretrainedType type, String cutLayer, Pooling pooling, PreprocessingSpec spec)
            throws IOException {
        Model model;
        try {
            model = zooModel.initPretrained(type);
        } catch (IllegalStateException e) {
            throw new IOException("zoo model " + zooModel.modelName() + " failed its download check: " + e.getMessage(), e);
        }
        String remote = zooModel.pretrainedUrl(type);
        File cached = new File(DL4JResources.getDirectory(ResourceType.ZOO_MODEL, zooModel.modelName()), new File(remote).getName());
        ComputationGraph graph = Backbones.asGraph(model);
        if (pooling != Pooling.NONE) {
            ComputationGraph base = graph;
            try {
                graph = CutPooling.append(base, cutLayer, spec, pooling);
            } finally {
                base.close();
            }
        }
        // pooling changes the features but not the file: the cut layer name (suffixed) tells heads apart
        return Backbone.of(graph, zooModel.modelName(), Hashing.fingerprint(cached.toPath()), cutLayer + pooling.suffix(), spec);
    }
}
