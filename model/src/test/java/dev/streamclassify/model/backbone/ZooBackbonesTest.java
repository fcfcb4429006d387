package dev.streamclassify.model.backbone;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.Darknet19;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ZooBackbonesTest {

    @Test
    void listsTheFourImageNetBackbones() {
        assertThat(ZooBackbones.names()).containsExactly("darknet19", "resnet50", "squeezenet", "vgg16");
    }

    @Test
    void eachEntryCutsBeforeItsClassifierAndWantsRgb() {
        for (String name : ZooBackbones.names()) {
            ZooBackbones.Entry entry = ZooBackbones.entry(name);
            assertThat(entry.preprocessing().channels()).as(name).isEqualTo(3);
            assertThat(entry.cutLayer()).as(name).isNotBlank();
        }
    }

    /**
     * Darknet19 is the one entry whose {@code init()} architecture carries the same layer names as its ImageNet file;
     * SqueezeNet, ResNet50 and VGG16 ship Keras-converted graphs named differently from what {@code init()} builds
     * (e.g. VGG16's init() numbers its layers "0".."20", its ImageNet file has "fc2"), so for them only the file can
     * tell, and that file is a download this test suite does not make.
     */
    @Test
    @Tag("slow")
    void darknet19CutLayerExistsInItsZooArchitectureAndYieldsImageNetScores() {
        ZooBackbones.Entry entry = ZooBackbones.entry("darknet19");
        assertThat(entry.model().get()).isInstanceOf(Darknet19.class);

        ComputationGraph graph = Darknet19.builder().numClasses(1000).build().init();
        try {
            assertThat(Backbone.layerNames(graph)).contains(entry.cutLayer());
            Backbone backbone = Backbone.of(graph, "darknet19", "sha256:" + "0".repeat(64), entry.cutLayer(), entry.preprocessing());
            assertThat(backbone.info().featureSize()).isEqualTo(1000);
        } finally {
            graph.close();
        }
    }
}
