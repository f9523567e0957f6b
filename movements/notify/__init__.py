"""Sending the outbox (issue 16): the channels (Apprise) and the sender job."""
