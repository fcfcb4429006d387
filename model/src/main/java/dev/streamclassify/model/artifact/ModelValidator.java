package dev.streamclassify.model.artifact;

import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.backbone.BackboneInfo;
import dev.streamclassify.model.head.Heads;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;


/** Decides whether a model version fits a backbone. Every refusal names what did not fit. */
public final class ModelValidator {

    private ModelValidator() {
    }

    /** Metadata checks, cheap: no weights are loaded. */
    public static void checkFits(ModelVersion mv, BackboneInfo backbone) throws ArtifactException {
        BackboneRef ref = mv.backbone();
        if (!ref.fingerprint().equals(backbone.fingerprint())) {
            throw new ArtifactException(Reason.FOREIGN_BACKBONE, mv.id() + " was trained on backbone " + ref.fingerprint()
                    + " but this service runs " + backbone.fingerprint());
        }
        if (!ref.cutLayer().equals(backbone.cutLayer())) {
            throw new ArtifactException(Reason.FOREIGN_BACKBONE, mv.id() + " uses features cut at '" + ref.cutLayer()
                    + "' but the backbone is cut at '" + backbone.cutLayer() + "'");
        }
        if (!mv.preprocessing().equals(backbone.preprocessing())) {
            throw new ArtifactException(Reason.INPUT_MISMATCH, mv.id() + " expects input " + mv.preprocessing()
                    + " but the backbone takes " + backbone.preprocessing());
        }
        if (ref.featureSize() != backbone.featureSize()) {
            throw new ArtifactException(Reason.SHAPE_MISMATCH, mv.id() + " expects " + ref.featureSize()
                    + " features, the backbone yields " + backbone.featureSize());
        }
    }

    /**
     * Rebuilds the head from the version's {@link dev.streamclassify.model.head.HeadConfig} and fills it with its raw
     * parameters. Nothing from the artifact is deserialized: the architecture follows from configuration and shapes
     * we parse and check ourselves, and the weight count is checked before any network is allocated.
     */
    public static MultiLayerNetwork loadHead(ModelVersion mv) throws ArtifactException {
        int features = mv.backbone().featureSize();
        int classes = mv.labels().size();
        long expected;
        try {
            expected = Heads.paramCount(mv.head(), features, classes);
        } catch (ArithmeticException e) {
            throw new ArtifactException(Reason.SHAPE_MISMATCH, mv.id() + " head configuration is impossibly large");
        }
        INDArray params = RawParams.read(mv.headWeights(), expected, mv.id() + " head (" + features + " features to " + classes + " labels)");
        MultiLayerNetwork head = Heads.build(mv.head(), features, classes, 0);
        try {
            head.setParams(params);
            return head;
        } catch (RuntimeException e) {
            head.close();
            throw new ArtifactException(Reason.CORRUPT, mv.id() + " has an unusable head: " + e.getMessage(), e);
        }
    }
}
