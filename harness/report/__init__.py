"""The report: stored runs ``aggregate``d into leaderboard entries, written by ``columns`` into cells, as
Markdown, CSV or JSON (``text``) or as a static site (``site``, from ``templates/`` and ``static/``) with the
Bokeh figures of ``plots``, coloured by ``palette``."""
