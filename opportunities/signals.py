"""Extension hooks of the opportunities app.

query_changed(sender=Need|Opportunity, instance=...)
    Sent inside the transaction of every create or update of a need or an
    opportunity. Receivers that start background work must defer it with
    transaction.on_commit. The matching app listens to refresh
    recommendations.

queries_imported(sender=Need, groups=list[tuple[str, str]])
    Sent once inside the transaction of a bulk import, with the (kind,
    target) groups written, e.g. [("need", "expert")]. Same rules as above.
"""

from __future__ import annotations

from django.dispatch import Signal

query_changed = Signal()
queries_imported = Signal()
