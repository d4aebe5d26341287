"""The Label Studio labeling config for a schema, and the tag names that result regions point at.

A region names the config's tags (``from_name`` / ``to_name``), so
:mod:`toll.models.text.studio_format` writes regions with :data:`FROM_NAME` and :data:`TO_NAME`,
and the ML backend checks a project's config for them.

>>> from toll.models.text.schema import Schema
>>> print(labeling_config(Schema.load()))  # doctest: +ELLIPSIS
<View>
  <Relations name="relations" toName="text">
    <Relation value="perpetrator"/>
...
  <Labels name="label" toName="text">
    <Label value="KILLED" background="#d62728"/>
...
  <Text name="text" value="$text" granularity="symbol"/>
</View>
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from toll.models.text.schema import Schema

FROM_NAME = "label"
TO_NAME = "text"
RELATIONS_NAME = "relations"


def labeling_config(schema: Schema) -> str:
    """The Label Studio labeling config for a schema: entity ``<Labels>`` and ``<Relations>``.

    Written by hand because the SDK's ``LabelInterface.create`` puts ``<Label>`` children inside
    ``<Relations>``, which Label Studio does not read as relation labels.
    """
    lines = ["<View>", f'  <Relations name="{RELATIONS_NAME}" toName="{TO_NAME}">']
    lines += [f"    <Relation value={quoteattr(name)}/>" for name in schema.relation_labels]
    lines += ["  </Relations>", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    lines += [
        f"    <Label value={quoteattr(name)} background={quoteattr(t.color)}/>"
        for name, t in schema.entities.items()
    ]
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="$text" granularity="symbol"/>', "</View>"]
    return "\n".join(lines) + "\n"
