package dev.streamclassify.service;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValidatorsTest {

    @Test
    void acceptsLegalTopicNamesAndSaysWhatItExpects() {
        ConfigDef.Validator topic = Validators.matching(Validators.TOPIC_NAME, "a legal topic name");

        assertThatCode(() -> topic.ensureValid("images.topic", "images-dlq_2.v1")).doesNotThrowAnyException();
        assertThatThrownBy(() -> topic.ensureValid("images.topic", "two words"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value two words for configuration images.topic: must be a legal topic name");
        assertThatThrownBy(() -> topic.ensureValid("images.topic", null)).isInstanceOf(ConfigException.class);
        assertThat(topic).hasToString("a legal topic name");
    }

    @Test
    void acceptsBrokerDefaultOrPositiveReplicationFactors() {
        ConfigDef.Validator rf = Validators.replicationFactor();

        assertThatCode(() -> rf.ensureValid("rf", (short) -1)).doesNotThrowAnyException();
        assertThatCode(() -> rf.ensureValid("rf", (short) 3)).doesNotThrowAnyException();
        assertThatThrownBy(() -> rf.ensureValid("rf", (short) 0))
                .hasMessage("Invalid value 0 for configuration rf: must be -1 (broker default) or at least 1");
        assertThat(rf).hasToString("-1 or >= 1");
    }
}
