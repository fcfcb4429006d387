package dev.streamclassify.kafka.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority and a broker certificate it signed, made with the JDK's {@code keytool}: what a
 * TLS listener needs in a test. The broker keystore holds the broker's key and its chain (CA-signed, valid for
 * {@code localhost} and {@code 127.0.0.1}); the truststore holds only the CA, so clients that trust it verify the
 * broker's certificate and host name as in production. PKCS12 files, one password for all. Immutable.
 */
public record TestCertificates(Path brokerKeystore, Path truststore, String password) {

    private static final String VALIDITY_DAYS = "30";

    /**
     * Creates the CA, signs a broker certificate and writes {@code broker.p12} and {@code truststore.p12} to {@code dir}.
     *
     * @throws IllegalStateException if keytool fails, with what it printed
     */
    public static TestCertificates create(Path dir) {
        String password = "test-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
        try {
            Files.createDirectories(dir);
            Path ca = dir.resolve("ca.p12");
            Path broker = dir.resolve("broker.p12");
            Path trust = dir.resolve("truststore.p12");
            Path caCert = dir.resolve("ca.pem");
            Path request = dir.resolve("broker.csr");
            Path signed = dir.resolve("broker.pem");
            keytool(password, "-genkeypair", "-keystore", ca, "-alias", "ca", "-dname", "CN=streamclassify test CA",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "bc:c", "-validity", VALIDITY_DAYS);
            keytool(password, "-exportcert", "-rfc", "-keystore", ca, "-alias", "ca", "-file", caCert);
            keytool(password, "-genkeypair", "-keystore", broker, "-alias", "broker", "-dname", "CN=localhost",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", VALIDITY_DAYS);
            keytool(password, "-certreq", "-keystore", broker, "-alias", "broker", "-file", request);
            keytool(password, "-gencert", "-keystore", ca, "-alias", "ca", "-infile", request, "-outfile", signed, "-rfc",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "EKU=serverAuth,clientAuth", "-validity", VALIDITY_DAYS);
            keytool(password, "-importcert", "-noprompt", "-keystore", broker, "-alias", "ca", "-file", caCert);
            keytool(password, "-importcert", "-keystore", broker, "-alias", "broker", "-file", signed);
            keytool(password, "-importcert", "-noprompt", "-keystore", trust, "-alias", "ca", "-file", caCert);
            return new TestCertificates(broker, trust, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create test certificates in " + dir, e);
        }
    }

    private static void keytool(String password, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        for (Object a : args) {
            command.add(a.toString());
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
        if (args[0].equals("-genkeypair")) {
            command.addAll(List.of("-keypass", password));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + printed.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }
}
