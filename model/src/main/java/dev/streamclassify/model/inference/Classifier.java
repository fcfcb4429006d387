package dev.streamclassify.model.inference;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.artifact.ModelValidator;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.RawParams;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.BackboneInfo;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.image.RawImage;
import dev.streamclassify.model.inference.internal.HeadPass;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A servable model version: the frozen backbone plus the version's head (and, if the version fine-tuned top
 * layers, its own copy of the backbone with those layers replaced). Thread-safe: head passes are plain Java arithmetic
 * on the head's weights ({@link HeadPass}) and overlap (a head DL4J must run is serialised), backbone passes follow
 * {@link Backbone}'s rules (nd4j-op passes overlap).
 * Closing releases the head and any owned backbone copy; a shared backbone is left to its owner.
 */
public final class Classifier implements AutoCloseable {

    private final ModelVersion version;
    private final Backbone backbone;
    private final boolean ownsBackbone;
    private final MultiLayerNetwork head;
    /** The head's weights as plain arithmetic, or null when its layers need DL4J's own pass. */
    private final HeadPass headPass;
    private boolean closed;

    private Classifier(ModelVersion version, Backbone backbone, boolean ownsBackbone, MultiLayerNetwork head) {
        this.version = version;
        this.backbone = backbone;
        this.ownsBackbone = ownsBackbone;
        this.head = head;
        this.headPass = HeadPass.of(head).filter(p -> p.inputSize() == backbone.info().featureSize()).orElse(null);
    }

    /** Validates {@code version} against {@code backbone} and loads it; refusals are typed. */
    public static Classifier load(ModelVersion version, Backbone backbone) throws ArtifactException {
        ModelValidator.checkFits(version, backbone.info());
        MultiLayerNetwork head = ModelValidator.loadHead(version);
        if (version.fineTunedLayers().isEmpty()) {
            return new Classifier(version, backbone, false, head);
        }
        try {
            return new Classifier(version, fineTunedCopy(version, backbone), true, head);
        } catch (ArtifactException | RuntimeException e) {
            head.close();
            throw e;
        }
    }

    private static Backbone fineTunedCopy(ModelVersion version, Backbone base) throws ArtifactException {
        ComputationGraph copy = base.graph().clone();
        try {
            for (Map.Entry<String, byte[]> e : version.fineTunedLayers().entrySet()) {
                // getLayer(name) throws for an unknown name; getVertex answers null
                GraphVertex vertex = copy.getVertex(e.getKey());
                Layer layer = vertex == null ? null : vertex.getLayer();
                if (layer == null || layer.numParams() == 0) {
                    throw new ArtifactException(Reason.SHAPE_MISMATCH, version.id() + " fine-tuned layer '" + e.getKey()
                            + "' is not a layer with parameters in the backbone");
                }
                INDArray params = RawParams.read(e.getValue(), layer.numParams(), version.id() + " fine-tuned layer " + e.getKey());
                layer.setParams(params.reshape(layer.params().shape()).castTo(layer.params().dataType()));
            }
            BackboneInfo info = base.info();
            return Backbone.of(copy, info.name(), info.fingerprint(), info.cutLayer(), info.preprocessing());
        } catch (ArtifactException | RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    public ModelVersion version() {
        return version;
    }

    /** Class probabilities, {@code [n, labels]}, for a batch made by {@link Batch}. */
    public float[][] probabilities(INDArray images) {
        INDArray features = backbone.features(images);
        try {
            return headProbabilities(features);
        } finally {
            release(features);
        }
    }

    /**
     * Names what produces this version's features: the backbone's fingerprint, the version itself when it owns a
     * fine-tuned copy (same fingerprint, other weights), and the preprocessing. Equal names give equal features for
     * equal image bytes, so a cache of features may be keyed by it.
     */
    public String featureSource() {
        return backbone.info().fingerprint() + (ownsBackbone ? "+" + version.id() : "") + "|" + version.preprocessing();
    }

    /**
     * Class probabilities from {@code rows} feature rows of {@link #backbone()}, row-major, e.g. kept from an earlier
     * pass over identical image bytes.
     */
    public float[][] headProbabilities(float[] features, int rows) {
        if (headPass != null) {
            synchronized (this) {
                ensureOpen();
            }
            return headPass.apply(features, rows);
        }
        try (INDArray array = Nd4j.create(features, new long[]{rows, features.length / Math.max(1, rows)}, 'c')) {
            return dl4jHeadProbabilities(array);
        }
    }

    /** The backbone whose features feed this head: the shared one, or this version's own fine-tuned copy. */
    public Backbone backbone() {
        return backbone;
    }

    /** Class probabilities from features {@link #backbone()} computed for a batch. */
    public float[][] headProbabilities(INDArray features) {
        return headPass == null ? dl4jHeadProbabilities(features) : headProbabilities(new Features(features));
    }

    /** The same probabilities through DL4J's own head layers, whatever {@link #headPass()} says: the reference. */
    public synchronized float[][] dl4jHeadProbabilities(INDArray features) {
        ensureOpen();
        INDArray probabilities = head.output(features, false);
        try {
            return Rows.of(probabilities);
        } finally {
            release(probabilities);
        }
    }

    /** Which head pass serves: {@code java} (plain arithmetic on the head's weights) or {@code dl4j-layers}. */
    public String headPass() {
        return headPass == null ? "dl4j-layers" : "java";
    }

    private float[][] headProbabilities(Features features) {
        if (headPass == null) {
            return dl4jHeadProbabilities(features.array);
        }
        synchronized (this) {
            ensureOpen();
        }
        return headPass.apply(features.flat(), Math.toIntExact(features.array.size(0)));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(version.id() + " is closed");
        }
    }

    /** A batch's features, copied into Java once however many heads read them. */
    private static final class Features {
        final INDArray array;
        private float[] flat;

        Features(INDArray array) {
            this.array = array;
        }

        float[] flat() {
            if (flat == null) {
                flat = Rows.flat(array);
            }
            return flat;
        }
    }

    /**
     * Class probabilities of every classifier for one batch, in order, with one backbone pass per distinct backbone:
     * heads on the shared frozen backbone cost a head pass each (a few KB of weights), not a forward pass.
     */
    public static List<float[][]> probabilitiesOfEach(List<Classifier> classifiers, INDArray images) {
        Map<Backbone, Features> features = new IdentityHashMap<>();
        List<float[][]> out = new ArrayList<>(classifiers.size());
        try {
            for (Classifier c : classifiers) {
                out.add(c.headProbabilities(features.computeIfAbsent(c.backbone(), b -> new Features(b.features(images)))));
            }
        } finally {
            features.values().forEach(f -> release(f.array));
        }
        return out;
    }

    /** Features are a few hundred KB of native memory per batch: back now, not at some later garbage collection. */
    private static void release(INDArray a) {
        if (a.closeable()) {
            a.close();
        }
    }

    /** Top-{@code topK} predictions of each row of {@code probabilities}. */
    public List<Prediction> predictions(float[][] probabilities, int topK) {
        List<Prediction> out = new ArrayList<>(probabilities.length);
        for (float[] p : probabilities) {
            out.add(Prediction.fromProbabilities(version.labels(), p, topK));
        }
        return out;
    }

    public List<Prediction> classify(INDArray images, int topK) {
        return predictions(probabilities(images), topK);
    }

    /** Probabilities that sum to 1 within this are a distribution; float32 softmax rows sum to 1 within ~1e-6. */
    static final double SUM_TOLERANCE = 1e-3;

    /**
     * Runs a few forward passes so the first real batch does not pay for lazy native initialisation, and uses them as
     * a canary: weights can be finite yet overflow to NaN or infinity on real input, so every output of a batch of
     * blank and of noise images must be a probability distribution, or the version is refused before it serves.
     */
    public void warmUp(int batchSize) throws ArtifactException {
        var spec = version.preprocessing();
        Preprocessor pre = new Preprocessor(spec);
        Random random = new Random(42);
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < Math.max(2, batchSize); i++) {
            // one blank image, then noise over the whole pixel range through the version's own normalisation
            byte[] px = new byte[spec.valuesPerImage()];
            if (i > 0) {
                random.nextBytes(px);
            }
            images.add(pre.apply(new RawImage(spec.width(), spec.height(), spec.channels(), px)));
        }
        INDArray canary = Batch.of(spec, images);
        requireDistributions(probabilities(canary));
        requireDistributions(probabilities(canary.get(NDArrayIndex.interval(0, 1))));
    }

    private void requireDistributions(float[][] probs) throws ArtifactException {
        for (float[] row : probs) {
            double sum = 0;
            for (float p : row) {
                if (!Float.isFinite(p) || p < 0 || p > 1 + SUM_TOLERANCE) {
                    throw new ArtifactException(Reason.UNSTABLE_OUTPUT, version.id() + " outputs " + p
                            + " on the warm-up canary batch: not a probability");
                }
                sum += p;
            }
            if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                throw new ArtifactException(Reason.UNSTABLE_OUTPUT, version.id() + " outputs probabilities summing to " + sum
                        + " on the warm-up canary batch");
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        head.close();
        if (ownsBackbone) {
            backbone.close();
        }
    }
}
