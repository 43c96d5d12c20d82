"""Analytics: anonymous shop events in, business figures out.

- Events and the brief's queries: events.py; known event types are CHECK
  analytics_events_known_type in decant/sql/0004_analytics.sql.
- Dashboard figures: dashboards.py, read from the daily rollups that triggers in
  decant/sql/0030_admin_rollups.sql keep in step with every order and event.
- What an operator watches (/metrics, doctor): monitoring.py.
"""
