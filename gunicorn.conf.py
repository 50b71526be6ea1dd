"""gunicorn's settings file, read from the folder gunicorn starts in.

The Procfile's options stay on its command line. This file only adds a
check in gunicorn's master: guestform's settings and campaign files are
judged once, before any worker boots, so that a deploy that cannot work
stops with one line naming what to change.
"""

import sys


def on_starting(server) -> None:
    """Stop gunicorn before its workers boot when guestform cannot start."""
    if not str(server.app.app_uri or "").startswith("app:"):
        return

    import config
    from app import check_startup
    from forms.campaign import CampaignError

    try:
        check_startup(workers=server.cfg.workers)
    except (CampaignError, config.ConfigError) as exc:
        print(f"guestform cannot start: {exc}", file=sys.stderr, flush=True)
        forget_pidfile(server)
        raise SystemExit(server.APP_LOAD_ERROR) from None
    except BaseException:
        forget_pidfile(server)  # the traceback says what went wrong
        raise


def forget_pidfile(server) -> None:
    if server.pidfile is not None:
        server.pidfile.unlink()
