"""The verifier: fuzzes a partner's real receiver against the contract, with no false alarms."""
