"""`docpipe serve`: the local web console on 127.0.0.1.

views.py    what each page shows, assembled from the state directory and the Step
            Functions calls (the same calls `trace` makes against AWS)
jobs.py     uploads and replays run one at a time on a background twin; live gauges
server.py   the HTTP server: the JSON API under /api/ and the static page
static/     the page itself (plain HTML, CSS and JavaScript, no build step)
"""
