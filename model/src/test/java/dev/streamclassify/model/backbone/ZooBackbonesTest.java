package dev.streamclassify.model.backbone;

import dev.streamclassify.model.image.PreprocessingSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.Darknet19;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

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
    void darknet19CutsAtItsLastFeatureMapBeforeThe1000ClassLayer() {
        ZooBackbones.Entry entry = ZooBackbones.entry("darknet19");
        assertThat(entry.model().get()).isInstanceOf(Darknet19.class);

        ComputationGraph graph = Darknet19.builder().numClasses(1000).build().init();
        ComputationGraph pooled = CutPooling.append(graph, entry.cutLayer(), entry.preprocessing(), entry.pooling());
        graph.close();
        Backbone backbone = Backbone.of(pooled, "darknet19", "sha256:" + "0".repeat(64), entry.cutLayer() + entry.pooling().suffix(),
                entry.preprocessing());
        try {
            // 1024 channels averaged: features, not the 1000 ImageNet class scores the old cut yielded
            assertThat(backbone.info().featureSize()).isEqualTo(1024);
            assertThat(Backbone.layerNames(pooled)).contains("convolution2d_19");
        } finally {
            backbone.close();
        }
    }

    @Test
    void squeezenetCutsBeforeItsClassifierConvolution() {
        ZooBackbones.Entry entry = ZooBackbones.entry("squeezenet");
        ComputationGraph graph = org.deeplearning4j.zoo.model.SqueezeNet.builder().numClasses(1000).build().init();
        try {
            // conv10 (1000 filters) follows drop9 in the architecture DL4J's ImageNet file was converted from
            List<String> names = Backbone.layerNames(graph);
            assertThat(names).contains(entry.cutLayer());
            assertThat(names.indexOf(entry.cutLayer())).isLessThan(names.indexOf("conv10"));
            assertThat(entry.pooling()).isEqualTo(Pooling.GLOBAL);
        } finally {
            graph.close();
        }
    }

    @Test
    void kerasConvertedEntriesUseDl4jsVgg16MeanConvention() {
        for (String name : List.of("squeezenet", "resnet50", "vgg16")) {
            PreprocessingSpec spec = ZooBackbones.entry(name).preprocessing();
            assertThat(spec.scale()).as(name).isEqualTo(1.0);
            assertThat(spec.mean()).as(name).containsExactly(123.68, 116.779, 103.939);
        }
    }
}
