"""A schemathesis check of chaos/api_fuzz.py (loaded with SCHEMATHESIS_HOOKS=st_checks).

`positive_data_acceptance` runs with 400 and 422 allowed: a schema-valid request may still be
refused by a rule the schema cannot state (a module slug that is not in the catalogue, a level
the contract's policy does not define, a repair required when the status is restored), and
Accord refuses those with a 400 or a 422 naming the field. This check keeps the rest of the
promise: a schema-valid request is never refused by django-ninja's own validation of the
schema's types and bounds (a 422 whose errors are not Accord's `value_error`s), which would
mean the document and the validation disagree.
"""

from __future__ import annotations

from typing import Any

import schemathesis

ACCORDS_OWN = {"value_error"}  # accord.accounts.api.field_error and the schemas' validators


@schemathesis.check
def schema_valid_request_validated(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):
        kinds = {str(error.get("type")) for error in detail if isinstance(error, dict)}
        if kinds - ACCORDS_OWN:
            raise AssertionError(
                f"A schema-valid request failed django-ninja's validation: {sorted(kinds)}"
            )
    return None
