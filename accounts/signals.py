"""Extension hooks of the accounts app.

profile_changed(sender=Organisation|ExpertProfile, organisation_id=int|None, expert_id=int|None)
    Sent inside the transaction of every update of an organisation profile or
    an expert profile. Receivers that start background work must defer it
    with transaction.on_commit. (Matching needs no receiver: a changed
    profile reaches ranking through the index's delta, by its updated_at.)

profiles_imported(sender=Organisation, kinds=list[str])
    Sent once inside the transaction of a bulk import, with the candidate
    kinds written ("sme", "buyer", "expert", ...). Same rules as above.

user_data_exported(sender=User, user=User)
    Sent when a user asks for a copy of their personal data. Each receiver
    returns {section name: JSON-able data} for what its app holds about them.

user_erasing(sender=User, user=User)
    Sent inside the erasure transaction, before the account itself is
    anonymised. Receivers delete or anonymise what their app holds about the
    user and keep what aggregates and the audit trail need.
"""

from __future__ import annotations

from django.dispatch import Signal

profile_changed = Signal()
profiles_imported = Signal()
user_data_exported = Signal()
user_erasing = Signal()
