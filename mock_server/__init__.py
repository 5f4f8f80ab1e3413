"""The mock receiver: a strict, validating, recording receiver served from the contract."""
