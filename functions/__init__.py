"""The HTTP layer: small Flask functions over the `decant` domain.

`create_app` is the only way an app is made, so tests, gunicorn and `decant serve`
all get the same blueprints, error envelope and servers.
"""

from __future__ import annotations

import redis
from flask import Flask

from decant.platform import db
from decant.platform.config import Settings, load_settings
from decant.platform.servers import resolve
from functions import (
    admin,
    checkout,
    events,
    health,
    openapi,
    orders,
    products,
    search,
    sets,
    stock_alerts,
    stripe_webhooks,
)
from functions.metrics import bp as metrics_bp
from functions.web import (
    envelope,
    product_hits,
    rate_limits,
    request_context,
    request_limits,
    security_headers,
)
from functions.web.runtime import Runtime

MAX_BODY_BYTES = 64 * 1024


def create_app(config: Settings | None = None, *, pool_size: int = 10) -> Flask:
    settings = config or load_settings()
    servers = resolve(settings)
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SECRET_KEY=settings.secret_key or "development-only-not-secret",
        JSON_SORT_KEYS=False,
    )
    pool = db.create_pool(servers.database_url, max_size=pool_size)
    replica_pool = (
        pool
        if servers.replica_url == servers.database_url
        else db.create_pool(servers.replica_url, max_size=max(2, pool_size // 2), name="replica")
    )
    app.extensions["decant"] = Runtime(
        settings=settings,
        servers=servers,
        pool=pool,
        replica_pool=replica_pool,
        redis=redis.Redis.from_url(
            servers.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
        ),
    )
    envelope.register_error_handlers(app)
    request_limits.install(app)
    request_context.install(app)
    rate_limits.install(app, servers.redis_url)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(stripe_webhooks.bp)
    app.register_blueprint(products.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(sets.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(stock_alerts.bp)
    admin.register(app)
    product_hits.install(app)
    security_headers.install(app)
    return app
