"""Integrations of calipers with training frameworks, each activated only when that framework is in use."""
