package dev.streamclassify.kafka.testkit;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics so that they are usable when the call returns: the broker has auto-creation off, and a
 * producer that races topic metadata sees {@code UNKNOWN_TOPIC_OR_PARTITION}.
 */
public final class Topics {

    /** How long {@link #create(String, Collection)} waits for the topics to become usable. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Topics() {
    }

    /** {@link #create(Admin, Collection, Duration)} with a short-lived admin client and {@link #DEFAULT_TIMEOUT}. */
    public static void create(String bootstrapServers, Collection<NewTopic> topics) {
        create(bootstrapServers, topics, DEFAULT_TIMEOUT);
    }

    /** {@link #create(Admin, Collection, Duration)} with a short-lived admin client. */
    public static void create(String bootstrapServers, Collection<NewTopic> topics, Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            create(admin, topics, timeout);
        }
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of every topic has a leader.
     * A topic that already exists is left as it is, whatever its partitions and configs.
     *
     * @throws KafkaException if the broker rejects a topic, or a
     *     {@link org.apache.kafka.common.errors.TimeoutException} if the topics are not usable within {@code timeout}
     */
    public static void create(Admin admin, Collection<NewTopic> topics, Duration timeout) {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        admin.createTopics(topics).values().forEach((name, created) -> {
            try {
                created.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new KafkaException("Could not create topic " + name + ": " + e.getCause(), e.getCause());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                throw new org.apache.kafka.common.errors.TimeoutException(
                        "Timed out after " + timeout + " creating topic " + name, e);
            } catch (InterruptedException e) {
                throw new InterruptException(e);
            }
        });
        Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toSet());
        Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        Await.until("topics " + names + " to have leaders", remaining, left -> {
            Map<String, TopicDescription> described =
                    admin.describeTopics(names).allTopicNames().get(left.toMillis(), TimeUnit.MILLISECONDS);
            List<String> leaderless = described.values().stream()
                    .flatMap(d -> d.partitions().stream()
                            .filter(p -> p.leader() == null || p.leader().isEmpty())
                            .map(p -> d.name() + "-" + p.partition()))
                    .collect(Collectors.toList());
            if (!leaderless.isEmpty()) {
                throw new IllegalStateException("partitions without a leader: " + leaderless);
            }
            return described;
        });
    }
}
