package dev.streamclassify.service;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class HttpEndpointsTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> send(HttpEndpoints endpoints, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
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
