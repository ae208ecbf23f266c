package io.rtr.ingest;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a patient identifier into the keyed pseudonym that stands for the patient on every topic.
 *
 * <p>The pseudonym is HMAC-SHA-256 over the issuer of the Patient ID and the Patient ID, keyed
 * with a secret held by the clinic's deployment: the same patient gets the same pseudonym across
 * studies (so orders and studies can be joined), while nobody without the secret can recover the
 * identifier or test a guess against it, as they could with a plain hash.
 */
public final class PatientPseudonymizer {

    /** Minimum secret length: a shorter HMAC key would weaken the pseudonym against guessing. */
    public static final int MIN_SECRET_BYTES = 16;

    private static final String ALGORITHM = "HmacSHA256";
    // Separates issuer from ID so that ("AB", "C") and ("A", "BC") cannot collide.
    private static final byte SEPARATOR = 0x1f;

    private final SecretKeySpec key;

    /**
     * @param secret the deployment's pseudonymization secret, at least {@value #MIN_SECRET_BYTES}
     *     bytes
     */
    public PatientPseudonymizer(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the pseudonymization secret has " + secret.length
                    + " bytes; use at least " + MIN_SECRET_BYTES + " random bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    /**
     * Returns the pseudonym as 64 lower-case hex characters, or {@code null} when the object
     * carries no Patient ID.
     *
     * @param issuer the Issuer of Patient ID (0010,0021), may be null or empty
     * @param patientId the Patient ID (0010,0020), may be null or empty
     */
    public String pseudonym(String issuer, String patientId) {
        if (patientId == null || patientId.isBlank()) {
            return null;
        }
        Mac mac = newMac();
        mac.update(normalize(issuer).getBytes(StandardCharsets.UTF_8));
        mac.update(SEPARATOR);
        mac.update(normalize(patientId).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(mac.doFinal());
    }

    // DICOM pads values with spaces; "123 " and "123" are the same patient.
    private static String normalize(String value) {
        return value == null ? "" : value.strip();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // Every Java 17 runtime ships HmacSHA256 and accepts any non-empty key.
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }
}
