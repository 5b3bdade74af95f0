"""The ceiling for the load test: a bare Flask app with one endpoint returning "ok", served by the same
gunicorn settings as the project. Whatever the project loses against it is the project's own work
(routing, sessions, templates, database, search), not gunicorn's or the client's.

    .venv/bin/gunicorn -c gunicorn.conf.py --chdir bench -w 2 --threads 4 -b 127.0.0.1:8001 bare_app:wsgi

`wsgi` is the Flask app's own WSGI callable (what `app.__call__` runs): served under that name, the project's
gunicorn.conf.py `post_worker_init` hook (which starts the search-outbox thread of a Flask app with a config)
leaves this app alone.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    return "ok"


wsgi = app.wsgi_app
