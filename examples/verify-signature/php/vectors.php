<?php
// Test harness: one case per stdin line, base64(secret) TAB base64(timestamp) TAB
// base64(signature) TAB base64(body) TAB now; prints "accept" or "reject" for each.
declare(strict_types=1);
require __DIR__ . '/verify_signature.php';

while (($line = fgets(STDIN)) !== false) {
    [$secret, $timestamp, $signature, $body, $now] = explode("\t", rtrim($line, "\n"));
    $ok = verify_signature(base64_decode($secret, true), base64_decode($timestamp, true),
        base64_decode($signature, true), base64_decode($body, true), (int) $now);
    echo $ok ? "accept\n" : "reject\n";
}
