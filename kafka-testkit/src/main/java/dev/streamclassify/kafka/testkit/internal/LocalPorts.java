package dev.streamclassify.kafka.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports, picked before start-up because KRaft must know its controller port in advance. */
public final class LocalPorts {

    private LocalPorts() {
    }

    /** A port free right now; another process may still take it before the caller binds it. */
    public static int pickFree() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free loopback port", e);
        }
    }
}
