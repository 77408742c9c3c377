"""Delivery of messages to users: email and SMS, behind small provider interfaces."""
