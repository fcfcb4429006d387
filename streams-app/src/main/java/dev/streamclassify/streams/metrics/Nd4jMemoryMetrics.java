package dev.streamclassify.streams.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.enums.AllocationKind;

import java.util.Locale;

/**
 * Native memory ND4J itself accounts for, by kind: workspaces (the forward pass's per-thread block of intermediates),
 * constant and shape buffers, general allocations through its memory manager. Why apart from JavaCPP's gauges: ND4J's
 * CPU backend allocates these outside JavaCPP's {@code Pointer} accounting ({@code javacpp_bytes} stays 0 while a
 * workspace of hundreds of MB exists), so without them a growing workspace is only visible as unexplained resident
 * memory. Plain tensors allocated by libnd4j are in neither figure. Bind once per registry; the gauges read ND4J's
 * process-wide counters (host memory, device 0) and are thread-safe.
 */
public final class Nd4jMemoryMetrics implements MeterBinder {

    public static final String BYTES = "nd4j.memory.bytes";

    /** CPU backend: all host memory is accounted to device 0. */
    private static final int HOST = 0;

    @Override
    public void bindTo(MeterRegistry registry) {
        for (AllocationKind kind : AllocationKind.values()) {
            Gauge.builder(BYTES, () -> AllocationsTracker.getInstance().bytesOnDevice(kind, HOST)).baseUnit("bytes")
                    .tag("kind", kind.name().toLowerCase(Locale.ROOT))
                    .description("Native memory ND4J tracks itself (workspaces, constants, its memory manager), not in javacpp_bytes")
                    .register(registry);
        }
    }
}
