package dev.streamclassify.streams.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.bytedeco.javacpp.Pointer;

/**
 * ND4J keeps tensors off-heap, outside what JVM memory metrics see. These gauges show JavaCPP's own accounting
 * against its caps ({@code org.bytedeco.javacpp.maxbytes} and {@code maxphysicalbytes}), so a leaked model shows up.
 */
public final class JavaCppMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("javacpp.bytes", Pointer::totalBytes).baseUnit("bytes")
                .description("Off-heap bytes allocated through JavaCPP").register(registry);
        Gauge.builder("javacpp.physical.bytes", Pointer::physicalBytes).baseUnit("bytes")
                .description("Resident memory of the process as JavaCPP measures it").register(registry);
        Gauge.builder("javacpp.max.bytes", Pointer::maxBytes).baseUnit("bytes")
                .description("Cap on JavaCPP allocations (org.bytedeco.javacpp.maxbytes)").register(registry);
        Gauge.builder("javacpp.max.physical.bytes", Pointer::maxPhysicalBytes).baseUnit("bytes")
                .description("Cap on resident memory (org.bytedeco.javacpp.maxphysicalbytes)").register(registry);
    }
}
