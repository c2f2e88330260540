"""WTForms select choices (tuple choices are deprecated in WTForms 3.3)."""

from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """Turn ``(value, label)`` pairs into ``SelectChoice`` objects."""
    return [SelectChoice(value, label) for value, label in pairs]
