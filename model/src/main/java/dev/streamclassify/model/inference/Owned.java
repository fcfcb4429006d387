package dev.streamclassify.model.inference;

import org.deeplearning4j.nn.api.Model;

/**
 * DL4J networks hold native memory but are not {@link AutoCloseable}; this makes them usable in
 * try-with-resources so that every network we create is released exactly once.
 */
public record Owned<T extends Model>(T net) implements AutoCloseable {

    public static <T extends Model> Owned<T> of(T net) {
        return new Owned<>(net);
    }

    @Override
    public void close() {
        net.close();
    }
}
