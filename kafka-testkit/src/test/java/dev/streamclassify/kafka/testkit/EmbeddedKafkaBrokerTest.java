package dev.streamclassify.kafka.testkit;

class EmbeddedKafkaBrokerTest extends KafkaBrokerContract {

    @Override
    KafkaBroker startBroker() {
        return EmbeddedKafkaBroker.start();
    }

    @Override
    String expectedKind() {
        return KafkaBroker.EMBEDDED_KRAFT;
    }
}
