"""`sms-hook load`'s engine: signed notifications at a steady rate, on Locust, judged one by one.

Locust patches the standard library (gevent's monkey-patching) the moment it is imported, so this
package runs in its own process, started by `sms-hook load` as `python -m sms_hook_load`, never
inside the `sms-hook` process, the mock or the verifier. Only the modules that import Locust
(`user`, `runner`, `__main__`) pull it in; the others are plain Python:

    settings   what one run is asked to do (passed as JSON on stdin; the secret by environment)
    traffic    the stream of fresh, realistic notifications: tickets, their status, their bets
    tally      what was sent and how it was answered, per second; mergeable across processes
    summary    the verdict and figures of a finished run (the JSON report), and its text form
    progress   the live line on a terminal, plain lines elsewhere
    html       the self-contained HTML report
    user       the Locust user that signs, sends and judges (imports Locust)
    runner     one process, or a master and its workers, in Locust's distributed mode
"""
