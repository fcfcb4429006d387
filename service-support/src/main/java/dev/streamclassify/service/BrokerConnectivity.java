package dev.streamclassify.service;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the Kafka cluster answers, asked every {@code interval} on a thread of its own, for readiness: a Kafka
 * client keeps retrying quietly while its broker is away (Kafka Streams even stays RUNNING), so without this a
 * service would report ready while it can neither read nor write. Logs each change once, with the reason, so an
 * operator sees "unreachable" at start-up or mid-run and "reachable again" after. Thread-safe; owns its admin client.
 */
public final class BrokerConnectivity implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnectivity.class);

    private final Admin admin;
    private final String bootstrapServers;
    private final Duration interval;
    private final Clock clock;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile Probe last;
    private volatile Instant since;
    private boolean asked;

    /** @param adminProperties connection settings (bootstrap servers, security) of an admin client */
    public BrokerConnectivity(Map<String, Object> adminProperties, Duration interval, Clock clock) {
        this.bootstrapServers = String.valueOf(adminProperties.get("bootstrap.servers"));
        this.admin = Admin.create(adminProperties);
        this.interval = Objects.requireNonNull(interval, "interval");
        this.clock = clock;
        this.since = clock.instant();
        this.last = Probe.down("Kafka at " + bootstrapServers + " not asked yet");
        this.thread = new Thread(this::run, "broker-connectivity");
        this.thread.setDaemon(true);
    }

    public BrokerConnectivity start() {
        thread.start();
        return this;
    }

    /** Up while the last check reached the cluster; down, with the reason and since when, otherwise. */
    public Probe probe() {
        return last;
    }

    /** One check now, on the caller's thread (also what the background thread does each interval). */
    public Probe check() {
        Probe now;
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
                    .nodes().get(interval.toMillis() + 1000, TimeUnit.MILLISECONDS).size();
            now = nodes > 0 ? Probe.up("Kafka at " + bootstrapServers + " answers (" + nodes + " brokers)")
                    : Probe.down("Kafka at " + bootstrapServers + " answers but lists no broker");
        } catch (ExecutionException e) {
            now = Probe.down("Kafka at " + bootstrapServers + " unreachable: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            now = Probe.down("Kafka at " + bootstrapServers + " unreachable: no answer within " + interval.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return last;
        }
        record(now);
        return now;
    }

    private synchronized void record(Probe now) {
        Probe before = last;
        if (!asked || before.ok() != now.ok()) {
            asked = true;
            since = clock.instant();
            if (now.ok()) {
                LOG.info("{} again", now.detail());
            } else {
                LOG.warn("{}; clients keep retrying, checking again every {} ms", now.detail(), interval.toMillis());
            }
        }
        last = now.ok() ? now : Probe.down(now.detail() + " (since " + since + ")");
    }

    private void run() {
        try {
            do {
                check();
            } while (!stop.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(interval.toMillis() * 3 + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
