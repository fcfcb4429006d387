package dev.streamclassify.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.bytedeco.javacpp.Pointer;

/**
 * ND4J keeps tensors off-heap, outside what JVM memory metrics see. These gauges show JavaCPP's own accounting
 * against its caps ({@code org.bytedeco.javacpp.maxbytes} and {@code maxphysicalbytes}), so a leaked model shows up.
 * Bind once per registry; the gauges read process-wide counters and are thread-safe.
 */
public final class JavaCppMetrics implements MeterBinder {

    public static final String BYTES = "javacpp.bytes";
    public static final String PHYSICAL_BYTES = "javacpp.physical.bytes";
    public static final String MAX_BYTES = "javacpp.max.bytes";
    public static final String MAX_PHYSICAL_BYTES = "javacpp.max.physical.bytes";

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(BYTES, Pointer::totalBytes).baseUnit("bytes")
                .description("Off-heap bytes allocated through JavaCPP").register(registry);
        Gauge.builder(PHYSICAL_BYTES, Pointer::physicalBytes).baseUnit("bytes")
                .description("Resident memory of the process as JavaCPP measures it").register(registry);
        Gauge.builder(MAX_BYTES, Pointer::maxBytes).baseUnit("bytes")
                .description("Cap on JavaCPP allocations (org.bytedeco.javacpp.maxbytes)").register(registry);
        Gauge.builder(MAX_PHYSICAL_BYTES, Pointer::maxPhysicalBytes).baseUnit("bytes")
                .description("Cap on resident memory (org.bytedeco.javacpp.maxphysicalbytes)").register(registry);
    }
}
