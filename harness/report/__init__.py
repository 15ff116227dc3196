"""The report: stored runs ``aggregate``d into leaderboard entries, written by ``columns`` into cells, as
Markdown, CSV or JSON (``text``) or as HTML pages (``html_page``, from ``templates/``) with ``plots``."""
