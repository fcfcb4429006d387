package dev.streamclassify.kafka.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * A broker listener that takes only TLS connections authenticated with SASL SCRAM-SHA-256, as a production cluster
 * would, for tests of the clients' security settings. The users and their passwords are written into the broker's
 * storage when it is formatted, so they exist before the first client connects; {@link #BROKER_USER} is the broker's
 * own (it talks to itself, e.g. for transaction markers). Immutable.
 *
 * <p>With {@code authorize}, the broker also enforces ACLs (KRaft's {@code StandardAuthorizer}, nothing allowed
 * without an ACL): only {@link #BROKER_USER}, and the controller listener's anonymous principal (plaintext, on
 * loopback, used by the combined node to talk to itself), are super users; create ACLs as the broker user.
 *
 * @param users user name to password, the broker's own added
 */
public record SaslSsl(TestCertificates certificates, Map<String, String> users, boolean authorize) {

    public static final String MECHANISM = "SCRAM-SHA-256";
    public static final String BROKER_USER = "broker";

    /** Authentication only: every authenticated user may do anything. */
    public SaslSsl(TestCertificates certificates, Map<String, String> users) {
        this(certificates, users, false);
    }

    /** The same users, with ACLs enforced. */
    public SaslSsl withAuthorizer() {
        return new SaslSsl(certificates, users, true);
    }

    public SaslSsl {
        Objects.requireNonNull(certificates, "certificates");
        Map<String, String> all = new HashMap<>(users);
        all.putIfAbsent(BROKER_USER, "broker-" + certificates.password());
        users = Map.copyOf(all);
    }

    /** Client settings for {@code user} with its password: TLS against the test CA, SCRAM login. */
    public Map<String, Object> clientProperties(String user) {
        String password = users.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no such user: " + user + "; users are " + users.keySet());
        }
        return clientProperties(user, password);
    }

    /** Client settings with any credentials, e.g. a wrong password. */
    public Map<String, Object> clientProperties(String user, String password) {
        Map<String, Object> p = new HashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user, password));
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        p.put("ssl.truststore.type", "PKCS12");
        return p;
    }

    /** The {@code SCRAM-SHA-256=[name=..,password=..]} arguments of {@code kafka-storage format --add-scram}. */
    String[] scramFormatArguments() {
        return users.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .flatMap(e -> java.util.stream.Stream.of("--add-scram", MECHANISM + "=[name=" + e.getKey() + ",password=" + e.getValue() + "]"))
                .toArray(String[]::new);
    }

    /** Broker settings of a listener {@code name} secured this way, the broker authenticating to itself as {@link #BROKER_USER}. */
    void configureBroker(Properties p, String name) {
        String prefix = "listener.name." + name.toLowerCase(java.util.Locale.ROOT) + ".";
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put(prefix + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config", jaas(BROKER_USER, users.get(BROKER_USER)));
        p.put("ssl.keystore.location", certificates.brokerKeystore().toString());
        p.put("ssl.keystore.password", certificates.password());
        p.put("ssl.key.password", certificates.password());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.truststore.location", certificates.truststore().toString());
        p.put("ssl.truststore.password", certificates.password());
        p.put("ssl.truststore.type", "PKCS12");
        if (authorize) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("allow.everyone.if.no.acl.found", "false");
            p.put("super.users", "User:" + BROKER_USER + ";User:ANONYMOUS");
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }
}
