package dev.streamclassify.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JavaCppMetricsTest {

    @Test
    void exportsJavaCppAccountingAndCapsInBytes() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        new JavaCppMetrics().bindTo(registry);

        for (String name : List.of(JavaCppMetrics.BYTES, JavaCppMetrics.PHYSICAL_BYTES, JavaCppMetrics.MAX_BYTES,
                JavaCppMetrics.MAX_PHYSICAL_BYTES)) {
            Gauge gauge = registry.get(name).gauge();
            assertThat(gauge.getId().getBaseUnit()).as(name).isEqualTo("bytes");
            assertThat(gauge.value()).as(name).isGreaterThanOrEqualTo(0);
        }
        // read through JavaCPP's natives: a process always has some resident memory
        assertThat(registry.get(JavaCppMetrics.PHYSICAL_BYTES).gauge().value()).isPositive();
    }
}
