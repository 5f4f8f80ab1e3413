// Package verifysignature verifies the signature of a Betstack SMS notification.
// Go 1.19+, standard library only.
//
//	signature = lower-case hex HMAC-SHA256(secret, timestamp + compact body)
//
// The compact body is the raw body with the whitespace between JSON tokens removed (string
// contents untouched). Hash the bytes you received, never a re-marshalled struct: key order,
// escapes and number spelling must stay exactly as the platform sent them.
//
//	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
//	if err != nil || !verifysignature.Verify(secret, r.Header.Get("timestamp"),
//		r.Header.Get("signature"), body, time.Now()) {
//		http.Error(w, `{"message":"bad signature"}`, http.StatusUnauthorized)
//		return
//	}
package verifysignature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Tolerance is how many seconds a timestamp may be away from now (Stripe and Standard
// Webhooks use 300).
const Tolerance = 300

// Verify reports whether signature signs body at timestamp and the timestamp is within
// Tolerance of now. The comparison is constant-time.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) bool {
	seconds, err := strconv.ParseUint(timestamp, 10, 63)
	if err != nil || len(timestamp) > 18 {
		return false
	}
	if skew := now.Unix() - int64(seconds); skew > Tolerance || skew < -Tolerance {
		return false // stale or from the future: a replay, or a clock far off
	}
	// "All spaces removed" has two readings: between JSON tokens only (the usual one), or every
	// whitespace character, inside strings too. They differ only when a string holds
	// whitespace; accept either until the platform says which it uses.
	for _, compact := range [][]byte{compactTokens(body), stripWhitespace(body)} {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(timestamp))
		mac.Write(compact)
		expected := hex.EncodeToString(mac.Sum(nil))
		if hmac.Equal([]byte(expected), []byte(signature)) {
			return true
		}
	}
	return false
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// compactTokens drops whitespace between JSON tokens; inside strings (escapes included)
// every byte stays.
func compactTokens(body []byte) []byte {
	out := make([]byte, 0, len(body))
	inString, escaped := false, false
	for _, b := range body {
		switch {
		case inString && escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case inString && b == '"':
			inString = false
		case inString:
		case isSpace(b):
			continue
		case b == '"':
			inString = true
		}
		out = append(out, b)
	}
	return out
}

func stripWhitespace(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for _, b := range body {
		if !isSpace(b) {
			out = append(out, b)
		}
	}
	return out
}
