<?php
// Verify the signature of a Betstack SMS notification. PHP 7.4+, standard library only.
//
//   signature = lower-case hex HMAC-SHA256(secret, timestamp + compact body)
//
// The compact body is the raw body with the whitespace between JSON tokens removed (string
// contents untouched). Hash the bytes you received (php://input), never json_encode() of the
// decoded array: key order, escapes and number spelling must stay exactly as the platform sent them.
//
//   $body = file_get_contents('php://input');
//   if (!verify_signature($secret, $_SERVER['HTTP_TIMESTAMP'] ?? '', $_SERVER['HTTP_SIGNATURE'] ?? '', $body)) {
//       http_response_code(401); exit;
//   }
declare(strict_types=1);

const SIGNATURE_TOLERANCE = 300; // seconds a timestamp may be away from now (Stripe and Standard Webhooks use 300)

function verify_signature(string $secret, string $timestamp, string $signature, string $body, ?int $now = null): bool
{
    if (preg_match('/\A[0-9]{1,18}\z/', $timestamp) !== 1) {
        return false;
    }
    if (abs((int) $timestamp - ($now ?? time())) > SIGNATURE_TOLERANCE) {
        return false; // stale or from the future: a replay, or a clock far off
    }
    // "All spaces removed" has two readings: between JSON tokens only (the usual one), or every
    // whitespace character, inside strings too. They differ only when a string holds whitespace;
    // accept either until the platform says which it uses.
    $readings = [
        // a JSON string (escapes included) stays as it is; whitespace outside strings goes
        preg_replace('/("(?:[^"\\\\]|\\\\.)*+")|[ \t\n\r]+/s', '$1', $body),
        str_replace([' ', "\t", "\n", "\r"], '', $body),
    ];
    foreach ($readings as $compact) {
        if (hash_equals(hash_hmac('sha256', $timestamp . $compact, $secret), $signature)) {
            return true;
        }
    }
    return false;
}
