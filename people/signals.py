"""Signals the people app sends. It knows nothing of the other apps (STYLE.md), so it
announces changes that they may have to follow; config wires nothing else through here.
"""

from django.dispatch import Signal

# Sent inside the transaction that changed reporting lines, with employee_ids: the people
# whose interview partner may now be somebody else. interviews moves their open interviews.
partners_changed = Signal()
