"""The verifier: fuzzes a partner's real receiver against the contract, with no false alarms.

    runner       verify(Settings) -> Result: the battery, then the generated cases
    ├── battery, rejections, samples   the deterministic probes, for every rule and type
    │   └── probe                      a probe's body and how it is signed when sent
    ├── generated                      schemathesis + hypothesis streams per type; shrinking
    │   └── signer                     a generated case made into the exact request sent
    ├── exchange                       sending over one keep-alive client; transport trouble
    ├── verdict                        the one judge's expectation of the bytes sent, the answer
    ├── rules                          the rule catalogue; the rule a failure falls under
    ├── advisories                     replay protection, the "all spaces removed" reading
    └── result                         failures, advisories, counts
    report, junit, json_report         the terminal summary, JUnit XML, JSON
    gate, pytest_plugin                the same checks as pytest tests (the CI gate)

`sms-hook verify` (sms_hook/cli/verify.py) is the command line over `runner.verify`.
"""
