"""Pure audit rules: what an audit verdict needs, and how often people agree. No session.

Agreement is counted over audited samples only (a sample still waiting counts nowhere):
- overall: of the audited samples, how many the auditor agreed with;
- by check: for each check name, the audited samples whose machine approval ran that check
  and saw it pass (on every photo it ran on), and how many of those the auditor agreed with.
  A machine approval passed every check it ran, so a check's rate is how often people agree
  when that check was present and passed: a check whose rate lags the others is letting
  through what people would not have, and is the one to tighten;
- by campaign: the audited samples of each campaign's submissions.
A rate is agreed / reviewed, from 0 to 1, and null when nothing was reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.review.rules import COMMENT_MAX, REASON_CODES


def audit_problems(
    agree: bool, reason_code: str | None, comment: str | None
) -> dict[str, list[str]]:
    """What is wrong with an audit verdict, by field; empty when it may be recorded."""
    problems: dict[str, list[str]] = {}
    text = (comment or "").strip()
    if agree and reason_code:
        problems["reason_code"] = ["Only a disagreement has a reason code."]
    elif not agree:
        if not reason_code:
            problems["reason_code"] = ["A disagreement needs a reason code."]
        elif reason_code not in REASON_CODES:
            problems["reason_code"] = [f"One of {', '.join(REASON_CODES)}."]
        elif reason_code == "other" and not text:
            problems["comment"] = ["A disagreement for `other` reasons explains itself here."]
    if len(text) > COMMENT_MAX:
        problems["comment"] = [f"At most {COMMENT_MAX} characters."]
    return problems


@dataclass(frozen=True)
class AuditedSample:
    """One audited sample as agreement counts it."""

    agree: bool
    checks: Sequence[str]  # the checks that ran and passed when the machine approved
    campaign_id: str
    campaign_name: str


@dataclass
class Tally:
    """Audits reviewed and agreed with, in one group."""

    reviewed: int = 0
    agreed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, agree: bool) -> None:
        """Count one audit."""
        self.reviewed += 1
        self.agreed += agree

    def out(self) -> dict[str, Any]:
        """The group as the API shows it, its rate included."""
        return {**self.extra, "reviewed": self.reviewed, "agreed": self.agreed, "rate": self.rate}

    @property
    def rate(self) -> float | None:
        """agreed / reviewed; None when nothing was reviewed."""
        return self.agreed / self.reviewed if self.reviewed else None


def agreement(samples: Iterable[AuditedSample]) -> dict[str, Any]:
    """How often people agreed with the machine: overall, by check and by campaign.

    by_check is in check name order; by_campaign in campaign name order (then id).
    """
    overall = Tally()
    by_check: dict[str, Tally] = {}
    by_campaign: dict[str, Tally] = {}
    for sample in samples:
        overall.add(sample.agree)
        for check in set(sample.checks):
            by_check.setdefault(check, Tally(extra={"check": check})).add(sample.agree)
        campaign = by_campaign.setdefault(
            sample.campaign_id,
            Tally(extra={"campaign_id": sample.campaign_id, "name": sample.campaign_name}),
        )
        campaign.add(sample.agree)
    return {
        "overall": overall.out(),
        "by_check": [by_check[name].out() for name in sorted(by_check)],
        "by_campaign": [
            t.out()
            for t in sorted(
                by_campaign.values(), key=lambda t: (t.extra["name"], t.extra["campaign_id"])
            )
        ],
    }
