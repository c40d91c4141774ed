"""What Relais posts by itself, built from the store: the weekly recap of a circle (recap), a
meeting's agenda, reminder and cancellation (agenda), a member's digest (digest) and nudges
(nudges), from time-windowed queries (queries).

The same builders answer /digest, /agenda and `relais digest|agenda` now; schedules/ only
decides *when* to call them, and posts what they return exactly once.
"""
