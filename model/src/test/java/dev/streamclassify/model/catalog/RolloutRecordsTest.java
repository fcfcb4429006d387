package dev.streamclassify.model.catalog;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutRecordsTest {

    private static final Instant AT = Instant.parse("2026-11-30T02:00:00Z");

    @Test
    void canarySelectsItsShareOfIdsWithinAPoint() {
        Canary canary = new Canary("default", 6, 20, "r1", AT);

        long selected = IntStream.range(0, 20_000).mapToObj(i -> "img-" + i).filter(canary::selects).count();

        assertThat(selected / 200.0).isBetween(19.0, 21.0);
    }

    @Test
    void canarySelectionIsStableAndNested() {
        Canary ten = new Canary("default", 6, 10, "r1", AT);
        Canary twenty = new Canary("default", 6, 20, "r2", AT);

        for (int i = 0; i < 2_000; i++) {
            String id = "id-" + i;
            assertThat(ten.selects(id)).isEqualTo(new Canary("default", 7, 10, "other", AT).selects(id));
            // raising the share only adds ids: an image never flips back to the active version
            if (ten.selects(id)) {
                assertThat(twenty.selects(id)).isTrue();
            }
        }
        assertThat(new Canary("default", 6, 0, "r", AT).selects("any")).isFalse();
        assertThat(new Canary("default", 6, 100, "r", AT).selects("any")).isTrue();
    }

    @Test
    void canaryAndShadowRoundTripAsJson() throws Exception {
        Canary canary = new Canary("default", 6, 10, "r1", AT);
        Shadow shadow = new Shadow("default", List.of(5L, 6L), "r2", AT);

        assertThat(Canary.fromJson(canary.toJson())).isEqualTo(canary);
        assertThat(Shadow.fromJson(shadow.toJson())).isEqualTo(shadow);
    }

    @Test
    void hostileRecordsAreRefusedWithAReason() {
        assertThatThrownBy(() -> Canary.fromJson(json("{\"model\":\"default\",\"version\":6,\"percent\":101,\"at\":\"2026-11-30T02:00:00Z\"}")))
                .hasMessageContaining("percent");
        assertThatThrownBy(() -> Shadow.fromJson(json("{\"model\":\"default\",\"versions\":[5,5],\"at\":\"2026-11-30T02:00:00Z\"}")))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> Shadow.fromJson(json("{\"model\":\"default\",\"versions\":[1,2,3,4,5,6,7,8,9],\"at\":\"2026-11-30T02:00:00Z\"}")))
                .hasMessageContaining("at most");
        assertThatThrownBy(() -> Canary.fromJson(json("null"))).hasMessageContaining("JSON null");
        assertThatThrownBy(() -> Shadow.fromJson(json("{\"model\":\"../x\",\"versions\":[],\"at\":\"2026-11-30T02:00:00Z\"}")))
                .hasMessageContaining("model name");
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
