// Verify the signature of a Betstack SMS notification. Node 16+, standard library only.
//
//   signature = lower-case hex HMAC-SHA256(secret, timestamp + compact body)
//
// The compact body is the raw body with the whitespace between JSON tokens removed (string
// contents untouched). Hash the bytes you received, never JSON.stringify(req.body): key order,
// escapes and number spelling must stay exactly as the platform sent them.
//
// Express: app.post("/notifications", express.raw({ type: () => true }), (req, res) => {
//   if (!verifySignature(SECRET, req.get("timestamp") ?? "", req.get("signature") ?? "", req.body))
//     return res.status(401).json({ message: "bad signature" });
//   const notification = JSON.parse(req.body.toString("utf8")); ...
"use strict";
const crypto = require("node:crypto");

const TOLERANCE = 300; // seconds a timestamp may be away from now (Stripe and Standard Webhooks use 300)
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

// Whitespace between JSON tokens goes; inside strings (escapes included) every byte stays.
function compactTokens(body) {
  const out = [];
  let inString = false;
  let escaped = false;
  for (const byte of body) {
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c) escaped = true;
      else if (byte === 0x22) inString = false;
    } else if (WHITESPACE.has(byte)) {
      continue;
    } else if (byte === 0x22) {
      inString = true;
    }
    out.push(byte);
  }
  return Buffer.from(out);
}

function verifySignature(secret, timestamp, signature, body, now = Date.now() / 1000) {
  if (!/^[0-9]{1,18}$/.test(timestamp)) return false;
  if (Math.abs(Number(timestamp) - Math.floor(now)) > TOLERANCE) return false; // stale or future
  const given = Buffer.from(signature, "utf8");
  // "All spaces removed" has two readings: between JSON tokens only (the usual one), or every
  // whitespace character, inside strings too. They differ only when a string holds whitespace;
  // accept either until the platform says which it uses.
  const readings = [compactTokens(body), body.filter((byte) => !WHITESPACE.has(byte))];
  return readings.some((compact) => {
    const expected = Buffer.from(
      crypto.createHmac("sha256", secret).update(timestamp).update(compact).digest("hex"),
      "utf8",
    );
    // timingSafeEqual throws on different lengths; the length of a hex digest is no secret.
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

module.exports = { verifySignature, TOLERANCE };
