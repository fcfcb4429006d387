package dev.streamclassify.service;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class HttpEndpointsTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A deadline, not a timing claim: a server that cannot answer fails the test instead of hanging it. */
    static final Duration ANSWER_DEADLINE = Duration.ofSeconds(20);

    static HttpResponse<String> send(HttpEndpoints endpoints, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(ANSWER_DEADLINE).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Opens a connection and sends only the start of a request head, as a slow or malicious client would. */
    static Socket halfSentRequest(HttpEndpoints endpoints) throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), endpoints.port());
        OutputStream out = socket.getOutputStream();
        out.write("GET /ready HTTP/1.1\r\nHost: local".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return socket;
    }

    static String readAll(Socket socket) throws Exception {
        socket.setSoTimeout((int) ANSWER_DEADLINE.toMillis());
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void staysAnswerableWhileTwoHalfSentRequestsHang() throws Exception {
        HttpSettings patient = HttpSettings.onPort(0).withRequestTimeout(Duration.ofMinutes(10));
        try (HttpEndpoints endpoints = HttpEndpoints.start(patient, () -> "up 1\n", () -> Probe.up("running"), () -> Probe.up("ready"));
             Socket first = halfSentRequest(endpoints);
             Socket second = halfSentRequest(endpoints)) {
            HttpResponse<String> health = send(endpoints, "GET", "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(send(endpoints, "GET", "/metrics").body()).isEqualTo("up 1\n");
            assertThat(first.isClosed()).isFalse();
        }
    }

    @Test
    void disconnectsAClientThatDoesNotFinishItsRequestInTime() throws Exception {
        HttpSettings impatient = HttpSettings.onPort(0).withRequestTimeout(Duration.ofMillis(200));
        try (HttpEndpoints endpoints = HttpEndpoints.start(impatient, () -> "", () -> Probe.up(""), () -> Probe.up(""));
             Socket slow = halfSentRequest(endpoints)) {
            // readAll returns only when the server closes the connection; its own deadline fails the test otherwise
            String answer = readAll(slow);
            assertThat(answer).satisfiesAnyOf(
                    a -> assertThat(a).isEmpty(),
                    a -> assertThat(a).startsWith("HTTP/1.1 408 "));
            assertThat(send(endpoints, "GET", "/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void bindsTheConfiguredAddressOnly() throws Exception {
        HttpSettings loopback = HttpSettings.onPort(0).withBindAddress("127.0.0.1");
        try (HttpEndpoints endpoints = HttpEndpoints.start(loopback, () -> "", () -> Probe.up(""), () -> Probe.up(""))) {
            assertThat(endpoints.address().isLoopbackAddress()).isTrue();
            assertThat(send(endpoints, "GET", "/health").statusCode()).isEqualTo(200);
        }
        try (HttpEndpoints all = HttpEndpoints.start(0, () -> "", () -> Probe.up(""), () -> Probe.up(""))) {
            assertThat(all.address().isAnyLocalAddress()).isTrue();
        }
    }

    @Test
    void answersUnknownPathsWith404AndOversizedHeadsWith431() throws Exception {
        try (HttpEndpoints endpoints = HttpEndpoints.start(0, () -> "", () -> Probe.up(""), () -> Probe.up(""))) {
            assertThat(send(endpoints, "GET", "/metrics/../secret").statusCode()).isEqualTo(404);
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), endpoints.port())) {
                socket.getOutputStream().write(("GET /ready HTTP/1.1\r\nX: " + "a".repeat(HttpEndpoints.MAX_HEAD_BYTES))
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readAll(socket)).startsWith("HTTP/1.1 431 ");
            }
        }
    }

    @Test
    void answersProbesWith200WhenUpAnd503WithTheReasonWhenDown() throws Exception {
        AtomicReference<Probe> readiness = new AtomicReference<>(Probe.down("no model loaded yet"));
        try (HttpEndpoints endpoints = HttpEndpoints.start(0, () -> "", () -> Probe.up("running"), readiness::get)) {
            HttpResponse<String> notReady = send(endpoints, "GET", "/ready");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(notReady.body()).contains("\"status\":\"DOWN\"", "no model loaded yet");

            readiness.set(Probe.up("serving default:v1"));
            assertThat(send(endpoints, "GET", "/ready").statusCode()).isEqualTo(200);
            assertThat(send(endpoints, "GET", "/health").body()).contains("\"status\":\"UP\"");
        }
    }

    @Test
    void servesMetricsAsPrometheusTextAndRefusesWrites() throws Exception {
        try (HttpEndpoints endpoints = HttpEndpoints.start(0, () -> "classify_buffered 3.0\n", () -> Probe.up(""), () -> Probe.up(""))) {
            HttpResponse<String> metrics = send(endpoints, "GET", "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).contains(HttpEndpoints.PROMETHEUS_CONTENT_TYPE);
            assertThat(metrics.body()).isEqualTo("classify_buffered 3.0\n");
            assertThat(send(endpoints, "POST", "/metrics").statusCode()).isEqualTo(405);
        }
    }
}
