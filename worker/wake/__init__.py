"""What starts a sync pass in the daemon besides its poll: PostgreSQL's notifications
(listener), and how long the poll waits after a pass (interval)."""
