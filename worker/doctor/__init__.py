"""`meeting-sync doctor`: checks a deployment and says, one line each, what to do."""
