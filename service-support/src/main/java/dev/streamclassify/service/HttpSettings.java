package dev.streamclassify.service;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how {@link HttpEndpoints} listens.
 *
 * @param bindAddress    interface to bind, e.g. {@code 0.0.0.0} (all) or {@code 127.0.0.1} (this host only)
 * @param port           0 picks a free port
 * @param requestTimeout a connection idle this long (e.g. a half-sent request) is closed, so slow or stalled
 *                       clients cannot pile up
 * @param workers        requests answered at once
 */
public record HttpSettings(String bindAddress, int port, Duration requestTimeout, int workers) {

    public static final String PORT = "http.port";
    public static final String BIND_ADDRESS = "http.bind.address";
    public static final String REQUEST_TIMEOUT_MS = "http.request.timeout.ms";

    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_WORKERS = 4;

    public HttpSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
    }

    /** Declares {@value #PORT}, {@value #BIND_ADDRESS} and {@value #REQUEST_TIMEOUT_MS} in a service's settings. */
    public static ConfigDef define(ConfigDef def, int defaultPort) {
        return def
                .define(PORT, Type.INT, defaultPort, Range.between(0, 65_535), Importance.MEDIUM,
                        "Port of /metrics, /health and /ready; 0 picks a free port.")
                .define(BIND_ADDRESS, Type.STRING, DEFAULT_BIND_ADDRESS, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                        "Interface the HTTP endpoints listen on: 0.0.0.0 for all, 127.0.0.1 for this host only.")
                .define(REQUEST_TIMEOUT_MS, Type.LONG, DEFAULT_REQUEST_TIMEOUT.toMillis(), Range.between(10, 600_000),
                        Importance.LOW, "An HTTP connection idle this long (e.g. a half-sent request) is closed, so "
                                + "stalled clients cannot pile up.");
    }

    /** The settings {@link #define} declared, as loaded. */
    public static HttpSettings from(AbstractConfig config) {
        return new HttpSettings(config.getString(BIND_ADDRESS), config.getInt(PORT),
                Duration.ofMillis(config.getLong(REQUEST_TIMEOUT_MS)), DEFAULT_WORKERS);
    }

    /** All interfaces, default timeout and workers. */
    public static HttpSettings onPort(int port) {
        return new HttpSettings(DEFAULT_BIND_ADDRESS, port, DEFAULT_REQUEST_TIMEOUT, DEFAULT_WORKERS);
    }

    public HttpSettings withBindAddress(String address) {
        return new HttpSettings(address, port, requestTimeout, workers);
    }

    public HttpSettings withRequestTimeout(Duration timeout) {
        return new HttpSettings(bindAddress, port, timeout, workers);
    }

    public HttpSettings withWorkers(int count) {
        return new HttpSettings(bindAddress, port, requestTimeout, count);
    }
}
