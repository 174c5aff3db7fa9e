"""The shared calipers test harness."""
