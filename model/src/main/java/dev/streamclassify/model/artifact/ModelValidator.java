package dev.streamclassify.model.artifact;

import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.backbone.BackboneInfo;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;

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

    /** Restores the head and checks its shape against the features and labels, and that every weight is finite. */
    public static MultiLayerNetwork loadHead(ModelVersion mv) throws ArtifactException {
        MultiLayerNetwork head;
        try {
            head = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(mv.headWeights()), false);
        } catch (Exception | LinkageError e) {
            throw new ArtifactException(Reason.CORRUPT, mv.id() + " has unreadable head weights: " + e.getMessage(), e);
        }
        try {
            long nIn = head.layerInputSize(0);
            long nOut = head.layerSize(head.getnLayers() - 1);
            if (nIn != mv.backbone().featureSize()) {
                throw new ArtifactException(Reason.SHAPE_MISMATCH, mv.id() + " head takes " + nIn + " inputs, backbone yields "
                        + mv.backbone().featureSize());
            }
            if (nOut != mv.labels().size()) {
                throw new ArtifactException(Reason.SHAPE_MISMATCH, mv.id() + " head has " + nOut + " outputs for "
                        + mv.labels().size() + " labels");
            }
            requireFinite(mv, "head", head.params());
            return head;
        } catch (ArtifactException | RuntimeException e) {
            head.close();
            if (e instanceof ArtifactException a) {
                throw a;
            }
            throw new ArtifactException(Reason.CORRUPT, mv.id() + " has an unusable head: " + e.getMessage(), e);
        }
    }

    static void requireFinite(ModelVersion mv, String what, INDArray params) throws ArtifactException {
        if (params.isNaN().any() || params.isInfinite().any()) {
            throw new ArtifactException(Reason.NON_FINITE_WEIGHTS, mv.id() + " has NaN or infinite weights in " + what);
        }
    }
}
