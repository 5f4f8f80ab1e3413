"""Words a betting platform might plausibly send for an outcome or a ticket state: the one list.

The contract's enums are short (`won`, `lost`, `void`; `open`, `resulted`; `pending`). A receiver
that validates with a broader, home-grown list (or with none) accepts words the platform may one
day send with another meaning. Every word here is outside the contract's enums and must be
rejected with a 4xx; the battery sends the state words to `status` fields and the outcome
words to the others.

Sources (vocabularies in real use, read 2026-12):

* Betfair Exchange API, `listClearedOrders` `betStatus`: SETTLED, VOIDED, LAPSED, CANCELLED
  (docs.developer.betfair.com, "listClearedOrders"; restated in the abettor and betfaiR client
  docs); bet states in the bwlewis/betfair client: Cancelled, Lapsed, Matched, Settled, Unmatched.
* Sportradar Unified Odds Feed: settlement with a `void_factor` (half or all of the stake
  returned), dead-heat factors, rollback of a settlement (sportradar.github.io, UnifiedOddsSdk
  `VoidFactor`, `OutcomeRollbackSettlement`).
* Sportsbook code in public repositories: Asian-handicap outcomes "half won", "half lost",
  "push" (maslechkindev/fixture `BetOutcome`); "cashout", "returned", "unsettled"
  (mafiono/b `BetResult`); `cashed_out` next to won/lost/void; "refunded" for a voided stake;
  oddsmarket's settlement results WIN/LOSE (AspiraLimited/oddsmarket_client wiki).
"""

from __future__ import annotations

from typing import Final

OUTCOMES: Final = (
    "win",
    "lose",
    "loss",
    "push",
    "draw",
    "half_won",
    "half-lost",
    "cashout",
    "cashed_out",
    "refunded",
    "returned",
    "voided",
    "dead_heat",
)
"""What a bet's result might be called elsewhere."""

STATES: Final = (
    "settled",
    "unsettled",
    "partially_settled",
    "cancelled",
    "canceled",
    "closed",
    "matched",
    "unmatched",
    "lapsed",
    "suspended",
)
"""What a ticket's state might be called elsewhere."""


def plausible(field: str, own: list[str]) -> list[str]:
    """Return the plausible words for a field that are not in its enum: state words for a
    `status`, outcome words for anything else (a `result`)."""
    words = STATES if field == "status" else OUTCOMES
    return [w for w in words if w not in own]
