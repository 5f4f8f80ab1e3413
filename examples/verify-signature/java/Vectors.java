// Test harness: one case per stdin line, base64(secret) TAB base64(timestamp) TAB
// base64(signature) TAB base64(body) TAB now; prints "accept" or "reject" for each.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public final class Vectors {
    public static void main(String[] args) throws IOException {
        Base64.Decoder base64 = Base64.getDecoder();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder verdicts = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.split("\t", -1);
            String secret = new String(base64.decode(f[0]), StandardCharsets.UTF_8);
            String timestamp = new String(base64.decode(f[1]), StandardCharsets.UTF_8);
            String signature = new String(base64.decode(f[2]), StandardCharsets.UTF_8);
            boolean ok = VerifySignature.verify(secret, timestamp, signature, base64.decode(f[3]), Long.parseLong(f[4]));
            verdicts.append(ok ? "accept\n" : "reject\n");
        }
        System.out.print(verdicts);
    }
}
