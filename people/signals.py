"""Signals the people app sends. It knows nothing of the other apps (STYLE.md), so it
announces changes that they may have to follow; config wires nothing else through here.
"""

from django.dispatch import Signal

# Sent inside the transaction that changed reporting lines, with employee_ids: the people
# whose interview partner may now be somebody else. interviews moves their open interviews.
partners_changed = Signal()

# Sent while an import is previewed, with moves: {employee_id: the new partner's id, 0 for a
# person the import creates, or None for no partner}. Receivers answer a list of the open
# interviews that would move, each {"employee_id", "name", "cycle", "old" (the partner
# now, by name), "old_partner_id", "starts_at" (ISO, for a booked meeting that would be cancelled, else "")}.
partners_change_preview = Signal()

# Sent while an import is previewed: receivers answer the running cycles' scopes, as a
# list of (cycle name, set of unit ids whose people take part).
running_cycle_scopes = Signal()

# Sent inside the transaction of an import of the whole organisation, with employee_ids:
# the people who left (deactivated). interviews ends their open interviews as excused.
people_left = Signal()

# Sent while such an import is previewed, with employee_ids: receivers answer the open
# interviews that would end, as rows like partners_change_preview's.
people_left_preview = Signal()
