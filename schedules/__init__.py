"""When Relais posts by itself: weekly recaps, meeting agendas and reminders, digests and nudges.

What they say is built in bot/posts/. Here: which occurrences exist and are due (occurrences),
the round that claims each due occurrence once, has it built and writes it to the outbox
(rounds.run_due: the database is the source of truth), and the APScheduler timers that call a
round when something falls due (scheduler.SchedulerService).
"""
