"""Rate limits that no load of the tests or the benchmark reaches.

They are the settings' upper bounds, so every request still pays what the limiter costs:
what is measured is the service as it runs, only without the 429s.
"""

UNTHROTTLED = {
    "RATE_LIMIT_READS_PER_MINUTE": "6000000",
    "RATE_LIMIT_READ_BURST": "1000000",
    "RATE_LIMIT_WRITES_PER_MINUTE": "6000000",
    "RATE_LIMIT_WRITE_BURST": "1000000",
}
