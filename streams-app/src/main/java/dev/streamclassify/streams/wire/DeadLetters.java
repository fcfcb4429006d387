package dev.streamclassify.streams.wire;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/** The headers a dead-lettered image carries (wire contract, DESIGN.md section 2). */
public final class DeadLetters {

    public static final String REASON = "error.reason";
    public static final String MESSAGE = "error.message";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";

    /** Messages are for humans; a long stack of causes is cut so the header stays small. */
    static final int MAX_MESSAGE_CHARS = 1000;

    private DeadLetters() {
    }

    public static Headers headers(DeadLetterReason reason, String message, String topic, int partition, long offset) {
        String text = message == null ? "" : message;
        if (text.length() > MAX_MESSAGE_CHARS) {
            text = text.substring(0, MAX_MESSAGE_CHARS);
        }
        Headers h = new RecordHeaders();
        h.add(REASON, utf8(reason.code()));
        h.add(MESSAGE, utf8(text));
        h.add(SOURCE_TOPIC, utf8(topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
