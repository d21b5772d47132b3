"""Extension hooks of the opportunities app.

query_changed(sender=Need|Opportunity, instance=...)
    Sent inside the transaction of every create or update of a need or an
    opportunity. Receivers that start background work must defer it with
    transaction.on_commit. The matching app listens to refresh
    recommendations.
"""

from __future__ import annotations

from django.dispatch import Signal

query_changed = Signal()
