"""The JSON Schema of a section's JSON, and the version every document carries.

The monitor's report generator reads ``recidive.json`` / ``recidivism.json`` rather than
calling Python, so that file is a contract: ``section.schema.json`` (shipped beside this
module) describes it, and every document names the schema version it follows in
``schema_version``. The version is semantic: a new top-level block, a new key inside the
``numbers`` map, a new table or figure is a *minor* bump (readers that ignore what they do
not know keep working); removing or renaming a key, changing a type or a meaning is a
*major* bump, with a new schema file. The policy is in ``docs/section_json.md``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

#: The version of the section JSON's schema that :meth:`Section.to_dict` writes.
SCHEMA_VERSION = "1.0.0"
#: The shipped schema file (package data).
SCHEMA_PATH = Path(__file__).with_name("section.schema.json")


def section_schema() -> dict:
    """The JSON Schema (draft 2020-12) of the section's JSON, as a dict.

    Returns
    -------
    dict
        A fresh copy, to hand to a validator such as ``jsonschema.validate``.

    Examples
    --------
    >>> from recidive.report import section_schema
    >>> schema = section_schema()
    >>> schema["x-schema-version"] == SCHEMA_VERSION
    True
    >>> "schema_version" in schema["required"]
    True
    """
    return json.loads(_schema_text())


@cache
def _schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")
