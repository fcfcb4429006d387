package dev.streamclassify.streams.wire;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import java.util.Objects;

/** A topic with the serdes of its keys and values, so topology code never spells a topic name or picks a serde. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    public Consumed<K, V> consumed() {
        return Consumed.with(keySerde, valueSerde).withName(name + "-source");
    }

    public Produced<K, V> produced() {
        return Produced.with(keySerde, valueSerde).withName(name + "-sink");
    }

    @Override
    public String toString() {
        return name;
    }
}
