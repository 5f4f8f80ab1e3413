// Test harness: one case per stdin line, base64(secret) TAB base64(timestamp) TAB
// base64(signature) TAB base64(body) TAB now; prints "accept" or "reject" for each.
"use strict";
const { verifySignature } = require("./verify-signature.js");

const input = require("node:fs").readFileSync(0, "utf8");
const verdicts = [];
for (const line of input.split("\n").filter(Boolean)) {
  const [secret, timestamp, signature, body, now] = line.split("\t");
  const text = (field) => Buffer.from(field, "base64").toString("utf8");
  const ok = verifySignature(text(secret), text(timestamp), text(signature),
    Buffer.from(body, "base64"), Number(now));
  verdicts.push(ok ? "accept" : "reject");
}
process.stdout.write(verdicts.join("\n") + "\n");
