"""Running a city's hotline on this machine, with no AWS account (R-OPS-3)."""
