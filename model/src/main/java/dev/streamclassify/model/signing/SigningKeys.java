package dev.streamclassify.model.signing;

import dev.streamclassify.model.format.Hashing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;

/**
 * Ed25519 keys as text: private keys as PKCS#8 PEM, public keys as PEM or the bare base64 of their X.509 encoding (one
 * line, fits in a setting). A key's id is the first 16 hex digits of the sha256 of its X.509 encoding; it travels
 * with each signature so that several trusted keys (rotation) need no trial verification.
 */
public final class SigningKeys {

    public static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_PEM = "PRIVATE KEY";
    private static final String PUBLIC_PEM = "PUBLIC KEY";

    private SigningKeys() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no " + ALGORITHM, e);
        }
    }

    /**
     * The public half of an Ed25519 private key. The JDK has no API for it, but its key generator derives the pair
     * from 32 random bytes, which for Ed25519 are the private key itself: replaying them gives the same pair.
     */
    public static PublicKey publicOf(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new IllegalArgumentException("not an " + ALGORITHM + " private key");
        }
        byte[] seed = ed.getBytes().get();
        SecureRandom replay = new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
            }
        };
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(ALGORITHM);
            g.initialize(NamedParameterSpec.ED25519, replay);
            return g.generateKeyPair().getPublic();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no " + ALGORITHM, e);
        }
    }

    public static String keyId(PublicKey key) {
        return Hashing.sha256Hex(key.getEncoded()).substring(0, 16);
    }

    public static String privatePem(PrivateKey key) {
        return pem(PRIVATE_PEM, key.getEncoded());
    }

    public static String publicPem(PublicKey key) {
        return pem(PUBLIC_PEM, key.getEncoded());
    }

    /** The one-line form for settings such as {@code models.trusted.keys}. */
    public static String publicBase64(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** A public key from PEM or bare base64 text. */
    public static PublicKey parsePublic(String text) {
        byte[] der = der(text, PUBLIC_PEM);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an " + ALGORITHM + " public key: " + e.getMessage(), e);
        }
    }

    public static PrivateKey parsePrivate(String text) {
        byte[] der = der(text, PRIVATE_PEM);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an " + ALGORITHM + " private key (PKCS#8): " + e.getMessage(), e);
        }
    }

    /**
     * Key text named by a source: {@code file:PATH} (e.g. a mounted Kubernetes Secret), {@code env:NAME} (an
     * environment variable holding the PEM or base64), or the text itself. Keeps secrets out of settings files.
     */
    public static String resolve(String source, Map<String, String> env) throws IOException {
        if (source.startsWith("file:")) {
            return Files.readString(Path.of(source.substring("file:".length())), StandardCharsets.US_ASCII);
        }
        if (source.startsWith("env:")) {
            String name = source.substring("env:".length());
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                throw new IOException("environment variable " + name + " is not set");
            }
            return value;
        }
        return source;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String text, String type) {
        String body = text.replace("-----BEGIN " + type + "-----", "").replace("-----END " + type + "-----", "")
                .replaceAll("\\s", "");
        if (body.contains("-----")) {
            throw new IllegalArgumentException("expected a PEM block of type " + type);
        }
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key text is not base64: " + e.getMessage(), e);
        }
    }
}
