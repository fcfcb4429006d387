package dev.streamclassify.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The operational HTTP surface of a service: {@code /metrics} (Prometheus text), {@code /health} (liveness) and
 * {@code /ready} (readiness), each 200 or 503 with a small JSON body {@code {"status":"UP|DOWN","detail":...}}. Other
 * methods than GET and HEAD get 405, other paths 404; a supplier that throws gets 500.
 *
 * <p>Served by Jetty rather than the JDK's {@code HttpServer}, which reads request heads on its worker threads with
 * no deadline: two clients that send half a request held both workers forever. Jetty parses heads on its selector,
 * so a stalled client holds no worker; a connection idle for {@link HttpSettings#requestTimeout()} is closed, and
 * request heads are bounded to {@value #MAX_HEAD_BYTES} bytes (431 beyond). Suppliers are called on Jetty's worker
 * threads and must be thread-safe. Owns its server and threads; close it.
 */
public final class HttpEndpoints implements AutoCloseable {

    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static final int MAX_HEAD_BYTES = 8 * 1024;
    /** Jetty's acceptor and selector take threads from the same pool as the handlers. */
    private static final int JETTY_OWN_THREADS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    private final ServerConnector connector;

    private HttpEndpoints(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** All interfaces on {@code port} (0: a free port, see {@link #port()}), default timeout and workers. */
    public static HttpEndpoints start(int port, Supplier<String> prometheusText, Supplier<Probe> health, Supplier<Probe> readiness) {
        return start(HttpSettings.onPort(port), prometheusText, health, readiness);
    }

    /** Binds as {@code settings} say and starts serving. */
    public static HttpEndpoints start(HttpSettings settings, Supplier<String> prometheusText, Supplier<Probe> health,
                                      Supplier<Probe> readiness) {
        Map<String, Supplier<Reply>> routes = Map.of(
                "/metrics", () -> new Reply(200, PROMETHEUS_CONTENT_TYPE, prometheusText.get()),
                "/health", () -> probe(health.get()),
                "/ready", () -> probe(readiness.get()));

        QueuedThreadPool threads = new QueuedThreadPool(settings.workers() + JETTY_OWN_THREADS + 2, 2);
        threads.setName("http-endpoints");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEAD_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.bindAddress());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.requestTimeout().toMillis());
        server.addConnector(connector);
        server.setHandler(new Routes(routes));
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server);
            throw new UncheckedIOException(new IOException(
                    "cannot listen for HTTP on " + settings.bindAddress() + ":" + settings.port() + ": " + e.getMessage(), e));
        }
        HttpEndpoints endpoints = new HttpEndpoints(server, connector);
        LOG.info("HTTP endpoints /metrics, /health, /ready on {}:{} (idle timeout {} ms)",
                settings.bindAddress(), endpoints.port(), settings.requestTimeout().toMillis());
        return endpoints;
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The address actually bound. */
    public InetAddress address() {
        String host = connector.getHost();
        try {
            return InetAddress.getByName(host == null ? "0.0.0.0" : host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bound to an unresolvable host " + host, e);
        }
    }

    private record Reply(int status, String contentType, String body) {
    }

    private static Reply probe(Probe p) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", p.ok() ? "UP" : "DOWN");
        body.put("detail", p.detail());
        try {
            return new Reply(p.ok() ? 200 : 503, "application/json", JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Reply plain(int status, String body) {
        return new Reply(status, "text/plain; charset=utf-8", body);
    }

    /** Three read-only routes; Jetty leaves out the body of a HEAD answer itself. */
    private static final class Routes extends Handler.Abstract {
        private final Map<String, Supplier<Reply>> routes;

        Routes(Map<String, Supplier<Reply>> routes) {
            this.routes = routes;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Reply reply = reply(request.getMethod(), Request.getPathInContext(request));
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            if (reply.status() == 405) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            }
            response.write(true, ByteBuffer.wrap(reply.body().getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }

        private Reply reply(String method, String path) {
            Supplier<Reply> handler = routes.get(path);
            if (handler == null) {
                return plain(404, "not found; try /metrics, /health or /ready");
            }
            if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
                return plain(405, "only GET and HEAD");
            }
            try {
                return handler.get();
            } catch (RuntimeException e) {
                LOG.warn("{} failed: {}", path, e.toString());
                return plain(500, e.toString());
            }
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP server: {}", e.toString());
        }
    }

    @Override
    public void close() {
        stopQuietly(server);
    }
}
