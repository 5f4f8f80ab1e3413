// Verify the signature of a Betstack SMS notification. Java 17+ (HexFormat), standard library only.
//
//   signature = lower-case hex HMAC-SHA256(secret, timestamp + compact body)
//
// The compact body is the raw body with the whitespace between JSON tokens removed (string
// contents untouched). Hash the bytes you received, never a re-serialised object: key order,
// escapes and number spelling must stay exactly as the platform sent them.
//
// Spring: @PostMapping("/notifications") ResponseEntity<?> receive(@RequestBody byte[] body,
//     @RequestHeader(value = "timestamp", defaultValue = "") String timestamp,
//     @RequestHeader(value = "signature", defaultValue = "") String signature) {
//   if (!VerifySignature.verify(SECRET, timestamp, signature, body, Instant.now().getEpochSecond()))
//     return ResponseEntity.status(401).build(); ...

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class VerifySignature {
    /** Seconds a timestamp may be away from now (Stripe and Standard Webhooks use 300). */
    public static final long TOLERANCE = 300;

    private VerifySignature() {}

    /** True if signature signs body at timestamp and the timestamp is within TOLERANCE of now. */
    public static boolean verify(String secret, String timestamp, String signature, byte[] body, long now) {
        if (!timestamp.matches("[0-9]{1,18}")) {
            return false;
        }
        if (Math.abs(Long.parseLong(timestamp) - now) > TOLERANCE) {
            return false; // stale or from the future: a replay, or a clock far off
        }
        byte[] given = signature.getBytes(StandardCharsets.UTF_8);
        // "All spaces removed" has two readings: between JSON tokens only (the usual one), or
        // every whitespace character, inside strings too. They differ only when a string holds
        // whitespace; accept either until the platform says which it uses.
        for (byte[] compact : new byte[][] {compact(body, true), compact(body, false)}) {
            byte[] expected = hmacHex(secret, timestamp, compact).getBytes(StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, given)) { // constant-time
                return true;
            }
        }
        return false;
    }

    private static String hmacHex(String secret, String timestamp, byte[] compact) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(compact));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Drops JSON whitespace: outside strings only (keepStrings), or everywhere. */
    private static byte[] compact(byte[] body, boolean keepStrings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        boolean inString = false;
        boolean escaped = false;
        for (byte b : body) {
            boolean space = b == ' ' || b == '\t' || b == '\n' || b == '\r';
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                if (space && !keepStrings) {
                    continue;
                }
            } else if (space) {
                continue;
            } else if (b == '"' && keepStrings) {
                inString = true;
            }
            out.write(b);
        }
        return out.toByteArray();
    }
}
