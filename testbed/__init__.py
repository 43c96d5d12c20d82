"""What the tests and the benchmarks both set the shop up with on one machine: a fake
Stripe on a loopback port (fake_stripe.py), and deploy/nginx rendered into a config
Nginx runs on loopback (nginx_config.py).

Neither tests/ nor bench/ owns these, so neither imports the other for them. Not part of
the shop: the wheel ships decant and functions only; both callers import this package
from the checkout's root.
"""
