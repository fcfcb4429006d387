package dev.streamclassify.streams.inference;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.inference.Classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Long-lived threads for forward passes, one per lane. Why not the stream threads: nd4j's per-thread state (the
 * forward pass's workspace, oneDNN's kernels) makes the first thousand or so images a new thread classifies up to 4x
 * slower (docs/benchmarks.md), and Kafka Streams starts a new stream thread on every replacement; a lane lives as long
 * as the app and is warmed up on every model before that model serves. And a stream thread that hands its batch to a
 * lane can decode the next batch while the pass runs. {@link #inline()} runs everything on the caller, for topology
 * tests that want a synchronous pipeline.
 */
public final class InferenceLanes implements AutoCloseable {

    private final List<ExecutorService> lanes;
    private final AtomicInteger next = new AtomicInteger();

    private InferenceLanes(List<ExecutorService> lanes) {
        this.lanes = lanes;
    }

    /** {@code count} lanes, each one daemon thread named {@code inference-<i>}. */
    public static InferenceLanes start(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one inference lane, was " + count);
        }
        List<ExecutorService> lanes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = "inference-" + i;
            lanes.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }));
        }
        return new InferenceLanes(lanes);
    }

    /** No threads: every pass runs on the thread that submits it, and its future is complete when submit returns. */
    public static InferenceLanes inline() {
        return new InferenceLanes(List.of());
    }

    /** A lane for one task; tasks are spread round robin, and each submits to its own lane only, so passes stay in order. */
    public Lane lane() {
        if (lanes.isEmpty()) {
            return new Lane(null);
        }
        return new Lane(lanes.get(Math.floorMod(next.getAndIncrement(), lanes.size())));
    }

    /**
     * Runs {@code passes} warm-ups of {@code classifier} at {@code batchSize} on every lane, one lane after the other,
     * so that a model's first real batches run as fast as its later ones. Throws what the warm-up threw (a warm-up is
     * also the canary that refuses a version whose outputs are not distributions).
     */
    public void warmUp(Classifier classifier, int batchSize, int passes) throws ArtifactException, InterruptedException {
        for (ExecutorService lane : lanes) {
            Future<Void> done = lane.submit(() -> {
                for (int i = 0; i < passes; i++) {
                    classifier.warmUp(batchSize);
                }
                return null;
            });
            try {
                done.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ArtifactException a) {
                    throw a;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException("warm-up failed on an inference lane", e.getCause());
            }
        }
    }

    public int size() {
        return lanes.size();
    }

    /** Waits for the passes under way (they hold model leases), then ends the threads. */
    @Override
    public void close() {
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
        for (ExecutorService lane : lanes) {
            try {
                if (!lane.awaitTermination(30, TimeUnit.SECONDS)) {
                    lane.shutdownNow();
                }
            } catch (InterruptedException e) {
                lane.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One thread's queue; passes submitted to a lane run one at a time in submission order. */
    public static final class Lane {
        private final ExecutorService executor;

        private Lane(ExecutorService executor) {
            this.executor = executor;
        }

        /** The pass's result; an exception it throws completes the future exceptionally. */
        public <T> CompletableFuture<T> submit(Callable<T> pass) {
            if (executor == null) {
                try {
                    return CompletableFuture.completedFuture(pass.call());
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
            CompletableFuture<T> result = new CompletableFuture<>();
            try {
                executor.execute(() -> {
                    try {
                        result.complete(pass.call());
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                });
            } catch (RuntimeException rejected) {
                result.completeExceptionally(rejected);
            }
            return result;
        }
    }
}
