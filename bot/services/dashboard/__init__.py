"""What the web dashboard reads and writes (adapters/web reaches the store only through here).

access: one-time sign-in links and sessions; viewer: who is signed in and what they may see;
the pages' read services (roadmap, levels, items, review) return plain values, already written
for the viewer (dates absolute in the community's timezone, in their language).
"""
