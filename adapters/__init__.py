"""Platform adapters: translate platform events to Incoming, and Replies to platform messages."""
