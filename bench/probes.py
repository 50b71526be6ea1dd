"""Counters on the work that should happen once per campaign, not per request.

``install()`` wraps the functions that read a campaign's schema, build its
form class and validator, and compile templates, so a running worker can
say how often each ran. The benchmark reads the counts before and after
its load: anything done per request shows up as a count that grew.
The wrappers only count; they change no result.
"""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

COUNTS: Counter[str] = Counter()
_installed = False

bp = Blueprint("bench_probes", __name__)


def counted(name: str, function: Callable) -> Callable:
    """Wrap ``function`` so that every call adds one to ``COUNTS[name]``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        COUNTS[name] += 1
        return function(*args, **kwargs)

    return wrapper


def install() -> None:
    """Count schema reads, outlines, validators, form classes and compiles.

    Must run before ``app.create_app`` builds the forms. Names imported
    into other modules (``from x import f``) are wrapped where they are
    looked up, so every caller is counted.
    """
    global _installed
    if _installed:
        return

    import jinja2

    import app as app_module
    from forms import campaign, generator, hints

    targets = [
        (campaign, "load_campaign", "campaign_file_read"),
        (generator, "outline_model", "schema_outline"),
        (generator, "build_validator", "validator_built"),
        (hints, "build_validator", "validator_built"),
        (generator, "build_form", "build_form"),
        (app_module, "build_form", "build_form"),
    ]
    for module, attribute, name in targets:
        setattr(module, attribute, counted(name, getattr(module, attribute)))

    form_class = generator.GeneratedForm._form_class
    generator.GeneratedForm._form_class = counted("form_class_built", form_class)
    make_form = generator.GeneratedForm.make_form
    generator.GeneratedForm.make_form = counted("make_form", make_form)
    jinja2.Environment.compile = counted(
        "template_compiled", jinja2.Environment.compile
    )
    _installed = True


@bp.get("/_bench/counters")
def show_counters():
    """Report this worker's counts and the identity of each form class.

    ``hold`` (seconds, at most one) keeps the worker busy before it
    answers, so that requests sent at once reach different workers.
    """
    time.sleep(min(request.args.get("hold", 0.0, type=float), 1.0))
    forms = current_app.extensions.get("forms", {})
    classes = {slug: id(generated.form_class) for slug, generated in forms.items()}
    extra = current_app.extensions.get("bench_forms", {})
    classes.update({slug: id(gen.form_class) for slug, gen in extra.items()})

    return jsonify(pid=os.getpid(), counts=dict(COUNTS), form_classes=classes)


def init_app(app: Flask) -> None:
    """Serve ``/_bench/counters`` from a benchmark app."""
    app.register_blueprint(bp)
