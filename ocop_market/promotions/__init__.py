"""Free promotion slots for products of supported households: placements, weekly allocation, display,
tracking and the effect report. Pure rules live in rules.py; use cases in placements.py, eligibility.py, requests.py,
allocation.py and live.py."""
