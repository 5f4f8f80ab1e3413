"""The mock receiver: the contract served by connexion as a strict, validating, recording receiver."""
