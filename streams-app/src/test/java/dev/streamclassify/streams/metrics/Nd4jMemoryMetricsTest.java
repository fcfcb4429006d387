package dev.streamclassify.streams.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

class Nd4jMemoryMetricsTest {

    private static final long MB = 1 << 20;

    @Test
    void workspaceGaugeGrowsWithAWorkspaceAndFallsWhenItIsDestroyed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new Nd4jMemoryMetrics().bindTo(registry);
        Gauge workspace = registry.get(Nd4jMemoryMetrics.BYTES).tag("kind", "workspace").gauge();
        assertThat(workspace.getId().getBaseUnit()).isEqualTo("bytes");
        double before = workspace.value();

        WorkspaceConfiguration eightMb = WorkspaceConfiguration.builder().initialSize(8 * MB)
                .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE).build();
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(eightMb, "nd4j-memory-metrics-test");
        try (ws) {
            Nd4j.create(DataType.FLOAT, 1024, 1024).addi(1);
        }
        double held = workspace.value();
        Nd4j.getWorkspaceManager().destroyWorkspace(ws);

        assertThat(held - before).isGreaterThanOrEqualTo(8 * MB);
        assertThat(workspace.value()).isLessThanOrEqualTo(held - 8 * MB);
    }

    @Test
    void everyKindHasItsGauge() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new Nd4jMemoryMetrics().bindTo(registry);

        assertThat(registry.get(Nd4jMemoryMetrics.BYTES).gauges()).extracting(g -> g.getId().getTag("kind"))
                .containsExactlyInAnyOrder("general", "constant", "workspace");
        assertThat(registry.get(Nd4jMemoryMetrics.BYTES).tag("kind", "constant").gauge().value()).isGreaterThanOrEqualTo(0);
    }
}
