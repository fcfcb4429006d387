package dev.streamclassify.service;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.regex.Pattern;

/**
 * {@link ConfigDef.Validator}s the services declare settings with. Each one's {@code toString()} is what the settings
 * table shows under valid values.
 */
public final class Validators {

    /** What Kafka accepts as a topic name. */
    public static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private Validators() {
    }

    /** The whole string value must match {@code pattern}; {@code what} names what it must be ("a legal topic name"). */
    public static ConfigDef.Validator matching(Pattern pattern, String what) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || !pattern.matcher(value.toString()).matches()) {
                    throw new ConfigException(name, value, "must be " + what);
                }
            }

            @Override
            public String toString() {
                return what;
            }
        };
    }

    /** A {@code SHORT} replication factor: -1 for the broker's default, or at least 1. */
    public static ConfigDef.Validator replicationFactor() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                short rf = (Short) value;
                if (rf != -1 && rf < 1) {
                    throw new ConfigException(name, value, "must be -1 (broker default) or at least 1");
                }
            }

            @Override
            public String toString() {
                return "-1 or >= 1";
            }
        };
    }
}
