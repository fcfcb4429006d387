package dev.streamclassify.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The operational HTTP surface of a service: {@code /metrics} (Prometheus text), {@code /health} (liveness) and
 * {@code /ready} (readiness), each 200 or 503 with a small JSON body {@code {"status":"UP|DOWN","detail":...}}. Other
 * methods than GET and HEAD get 405, other paths 404; a supplier that throws gets 500.
 *
 * <p>A deliberately small HTTP/1.1 server (one request per connection) rather than the JDK's {@code HttpServer},
 * which reads request heads on its worker threads without any deadline: two clients that send half a request hold
 * two workers forever. Here every connection must deliver its request head within
 * {@link HttpSettings#requestTimeout()} of being accepted (408 and closed otherwise), heads are bounded to
 * {@value #MAX_HEAD_BYTES} bytes, and when all workers and the short queue are busy new connections are closed at
 * once instead of piling up. Suppliers are called on the worker threads and must be thread-safe. Owns its socket and
 * threads; close it.
 */
public final class HttpEndpoints implements AutoCloseable {

    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static final int MAX_HEAD_BYTES = 8 * 1024;
    private static final int QUEUED_CONNECTIONS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Integer, String> REASONS = Map.of(200, "OK", 400, "Bad Request", 404, "Not Found",
            405, "Method Not Allowed", 408, "Request Timeout", 431, "Request Header Fields Too Large",
            500, "Internal Server Error", 503, "Service Unavailable");

    private final ServerSocket server;
    private final HttpSettings settings;
    private final Map<String, Supplier<Response>> routes;
    private final ThreadPoolExecutor workers;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private HttpEndpoints(ServerSocket server, HttpSettings settings, Map<String, Supplier<Response>> routes) {
        this.server = server;
        this.settings = settings;
        this.routes = routes;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED_CONNECTIONS), r -> daemon(r, "http-endpoints-" + n.incrementAndGet()));
        this.acceptor = daemon(this::acceptLoop, "http-endpoints-accept");
    }

    /** All interfaces on {@code port} (0: a free port, see {@link #port()}), default timeout and workers. */
    public static HttpEndpoints start(int port, Supplier<String> prometheusText, Supplier<Probe> health, Supplier<Probe> readiness) {
        return start(HttpSettings.onPort(port), prometheusText, health, readiness);
    }

    /** Binds as {@code settings} say and starts serving. */
    public static HttpEndpoints start(HttpSettings settings, Supplier<String> prometheusText, Supplier<Probe> health,
                                      Supplier<Probe> readiness) {
        ServerSocket server;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for HTTP on " + settings.bindAddress() + ":" + settings.port(), e);
        }
        Map<String, Supplier<Response>> routes = Map.of(
                "/metrics", () -> new Response(200, PROMETHEUS_CONTENT_TYPE, prometheusText.get()),
                "/health", () -> probe(health.get()),
                "/ready", () -> probe(readiness.get()));
        HttpEndpoints endpoints = new HttpEndpoints(server, settings, routes);
        endpoints.acceptor.start();
        LOG.info("HTTP endpoints /metrics, /health, /ready on {}:{} (request timeout {} ms, {} workers)",
                settings.bindAddress(), endpoints.port(), settings.requestTimeout().toMillis(), settings.workers());
        return endpoints;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The address actually bound. */
    public InetAddress address() {
        return server.getInetAddress();
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

    private static Response plain(int status, String body) {
        return new Response(status, "text/plain; charset=utf-8", body);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("HTTP accept failed: {}", e.toString());
                }
                continue;
            }
            long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
            open.add(socket);
            try {
                workers.execute(() -> serve(socket, deadline));
            } catch (RejectedExecutionException e) {
                LOG.warn("HTTP workers and queue busy; closing a connection from {}", socket.getRemoteSocketAddress());
                closeQuietly(socket);
            }
        }
    }

    private void serve(Socket socket, long deadline) {
        try (socket) {
            Response response;
            boolean head = false;
            try {
                String requestLine = readRequestLine(socket, deadline);
                String[] parts = requestLine.split(" ");
                if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                    response = plain(400, "malformed request line");
                } else {
                    head = parts[0].equals("HEAD");
                    response = route(parts[0], parts[1]);
                }
            } catch (SocketTimeoutException e) {
                LOG.debug("HTTP client {} too slow: {}", socket.getRemoteSocketAddress(), e.getMessage());
                response = plain(408, "request not received within " + settings.requestTimeout().toMillis() + " ms");
            } catch (HeadTooLargeException e) {
                response = plain(431, "request head over " + MAX_HEAD_BYTES + " bytes");
            }
            write(socket, response, head);
        } catch (IOException e) {
            LOG.debug("HTTP connection {} failed: {}", socket.getRemoteSocketAddress(), e.toString());
        } finally {
            open.remove(socket);
        }
    }

    private Response route(String method, String target) {
        int query = target.indexOf('?');
        Supplier<Response> handler = routes.get(query < 0 ? target : target.substring(0, query));
        if (handler == null) {
            return plain(404, "not found; try /metrics, /health or /ready");
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return new Response(405, "text/plain; charset=utf-8", "only GET and HEAD");
        }
        try {
            return handler.get();
        } catch (RuntimeException e) {
            LOG.warn("{} failed: {}", target, e.toString());
            return plain(500, e.toString());
        }
    }

    private static final class HeadTooLargeException extends IOException {
        HeadTooLargeException() {
            super("request head too large");
        }
    }

    /** Reads up to the blank line that ends the request head, never past {@code deadline}; returns the first line. */
    private static String readRequestLine(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[MAX_HEAD_BYTES];
        int n = 0;
        while (true) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                throw new SocketTimeoutException("request head incomplete at the deadline");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
            int read = in.read(buf, n, buf.length - n);
            if (read < 0) {
                throw new EOFException("client closed before the end of the request head");
            }
            int from = Math.max(0, n - 3);
            n += read;
            for (int i = from; i + 1 < n; i++) {
                boolean crlf = i + 3 < n && buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n';
                if (crlf || (buf[i] == '\n' && buf[i + 1] == '\n')) {
                    String head = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                    int eol = head.indexOf('\n');
                    return head.substring(0, eol).strip();
                }
            }
            if (n == buf.length) {
                throw new HeadTooLargeException();
            }
        }
    }

    private static void write(Socket socket, Response r, boolean headOnly) throws IOException {
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + r.status() + " " + REASONS.getOrDefault(r.status(), "Status") + "\r\n"
                + "Content-Type: " + r.contentType() + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (r.status() == 405 ? "Allow: GET, HEAD\r\n" : "")
                + "Connection: close\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (!headOnly) {
            out.write(body);
        }
        out.flush();
        socket.shutdownOutput();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a connection we give up on
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the HTTP socket: {}", e.toString());
        }
        workers.shutdownNow();
        open.forEach(HttpEndpoints::closeQuietly);
    }
}
