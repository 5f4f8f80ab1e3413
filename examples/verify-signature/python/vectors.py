"""Test harness: one case per stdin line, base64(secret) TAB base64(timestamp) TAB
base64(signature) TAB base64(body) TAB now; prints "accept" or "reject" for each."""

import base64
import sys

from verify_signature import verify_signature

for line in sys.stdin:
    secret, timestamp, signature, body, now = line.rstrip("\n").split("\t")
    text = [base64.b64decode(field).decode("utf-8") for field in (secret, timestamp, signature)]
    ok = verify_signature(*text, base64.b64decode(body), now=int(now))
    print("accept" if ok else "reject")
