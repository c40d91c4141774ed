"""Posts the bot makes by itself: weekly recaps, meeting agendas and reminders, digests and nudges.

schedules.engine.run_due decides *what* is due and posts it exactly once (database as the source
of truth); schedules.runtime.SchedulerService (APScheduler, asyncio) only decides *when* to call it.
"""
