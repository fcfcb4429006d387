package dev.streamclassify.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operational HTTP surface of a service: {@code /metrics} (Prometheus text), {@code /health} (liveness) and
 * {@code /ready} (readiness), each 200 or 503 with a small JSON body {@code {"status":"UP|DOWN","detail":...}}. Other
 * methods than GET and HEAD get 405; a supplier that throws gets 500. The JDK's server is enough for three read-only
 * endpoints. Suppliers are called on the server's threads and must be thread-safe. Owns its server; close it.
 */
public final class HttpEndpoints implements AutoCloseable {

    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoints(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds all interfaces on {@code port} (0: a free port, see {@link #port()}) and starts serving. */
    public static HttpEndpoints start(int port, Supplier<String> prometheusText, Supplier<Probe> health, Supplier<Probe> readiness) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on HTTP port " + port, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http-endpoints");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> respond(ex, () -> new Response(200, PROMETHEUS_CONTENT_TYPE, prometheusText.get())));
        server.createContext("/health", ex -> respond(ex, () -> probe(health.get())));
        server.createContext("/ready", ex -> respond(ex, () -> probe(readiness.get())));
        server.start();
        HttpEndpoints endpoints = new HttpEndpoints(server, executor);
        LOG.info("HTTP endpoints /metrics, /health, /ready on port {}", endpoints.port());
        return endpoints;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private record Response(int status, String contentType, String body) {
    }

    private static Response probe(Probe p) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", p.ok() ? "UP" : "DOWN");
        body.put("detail", p.detail());
        try {
            return new Response(p.ok() ? 200 : 503, "application/json", JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void respond(HttpExchange ex, Supplier<Response> handler) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            Response r;
            try {
                r = handler.get();
            } catch (RuntimeException e) {
                LOG.warn("{} failed: {}", ex.getRequestURI(), e.toString());
                r = new Response(500, "text/plain; charset=utf-8", e.toString());
            }
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(r.status(), -1);
                return;
            }
            ex.sendResponseHeaders(r.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
