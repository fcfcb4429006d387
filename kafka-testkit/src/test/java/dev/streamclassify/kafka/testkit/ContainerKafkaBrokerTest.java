package dev.streamclassify.kafka.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the contract against a container where Docker exists; reported as skipped elsewhere. */
class ContainerKafkaBrokerTest extends KafkaBrokerContract {

    @Override
    KafkaBroker startBroker() {
        assumeTrue(KafkaBrokers.dockerAvailable(), "no Docker environment");
        return ContainerKafkaBroker.start();
    }

    @Override
    String expectedKind() {
        return KafkaBroker.TESTCONTAINERS;
    }
}
