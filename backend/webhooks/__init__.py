"""Webhooks: a brand's systems told of its events, signed per Standard Webhooks."""
