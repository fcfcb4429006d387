package dev.streamclassify.streams.quality;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Objects;

/** The true class of an image, arriving later on the labels topic; {@code source} says who labelled it (may be null). */
public record LabelFeedback(String label, String source) {

    /** Longer labels are not class names: refuse them rather than carry them into every store. */
    public static final int MAX_LABEL_CHARS = 200;
    /** A label record is a short JSON object; anything bigger is refused unread. */
    public static final int MAX_BYTES = 4096;

    public LabelFeedback {
        Objects.requireNonNull(label, "label");
    }

    /**
     * Reads a labels-topic record: JSON {@code {"label": "...", "source": "..."}}, or, failing a value, a {@code label}
     * header (UTF-8).
     *
     * @throws IOException with a reason when neither holds a usable label
     */
    public static LabelFeedback parse(byte[] value, byte[] labelHeader) throws IOException {
        if ((value == null || value.length == 0) && labelHeader != null) {
            return new LabelFeedback(checked(utf8(labelHeader)), null);
        }
        if (value == null || value.length == 0) {
            throw new IOException("no label: empty value and no label header");
        }
        if (value.length > MAX_BYTES) {
            throw new IOException("label record of " + value.length + " bytes, limit " + MAX_BYTES);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new IOException("malformed JSON", e);
        }
        if (root == null || !root.isObject() || !root.path("label").isTextual()) {
            throw new IOException("value must be a JSON object with a string 'label'");
        }
        JsonNode source = root.get("source");
        return new LabelFeedback(checked(root.get("label").textValue()), source != null && source.isTextual() ? source.textValue() : null);
    }

    private static String checked(String label) throws IOException {
        String l = label.strip();
        if (l.isEmpty() || l.length() > MAX_LABEL_CHARS) {
            throw new IOException("label must have 1 to " + MAX_LABEL_CHARS + " characters");
        }
        return l;
    }

    private static String utf8(byte[] bytes) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("label header is not UTF-8", e);
        }
    }
}
