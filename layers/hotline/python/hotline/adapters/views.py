"""Moved to `hotline.app.views` (issue 16): how tickets look to each audience."""

from hotline.app.views import citizen_view, deadlines, staff_view, summary

__all__ = ["citizen_view", "deadlines", "staff_view", "summary"]
