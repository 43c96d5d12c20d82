"""gunicorn entry point: `gunicorn functions.wsgi:app`."""

from functions import create_app

app = create_app()
