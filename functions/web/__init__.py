"""The shared HTTP machinery every route module uses; no routes here.

- The envelope and the one error handler (typed domain errors -> answers): envelope.py.
- Request bodies and query strings into pydantic models: request_body.py.
- Request ids and JSON logs: request_context.py; over-long URLs/headers: request_limits.py.
- Rate limits: rate_limits.py (Flask-Limiter, counters in Redis), keyed by the client
  address from client_address.py (X-Forwarded-For only from trusted proxies).
- Response cache: response_cache.py, product_hits.py (keys from decant.catalog.cache_versions).
- Security headers: security_headers.py; the built site for `decant serve`: static_site.py;
  shopper pages a function answers: storefront_pages.py; per-app handles: runtime.py.
"""
