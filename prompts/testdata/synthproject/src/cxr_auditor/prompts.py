"""
Synthetic prompt module for cxr-auditor's import tests (not a real prompt).

A decoy that must not be read: IMAGE_GROUNDING_PROMPT = "decoy in a docstring"
"""

# DRAFT_PARSING_PROMPT = 'decoy in a comment'
from __future__ import annotations

import re
from enum import Enum


class Shape(str, Enum):
    """A stand-in vocabulary; the importer never reads it."""

    ROUND = "round"
    SQUARE = "square"
    IMAGE_GROUNDING_PROMPT = "a class attribute, not the module constant"


_LABELS = ", ".join(member.value for member in Shape)
_BRACES = re.compile(r"\{[^}]*\}\"")
_BANNER = f"{_LABELS!r:>{10}} {'}'}"
_RAW_BYTES = b"\x00\xff"


# Grounding prompt: parenthesized implicit concatenation of a triple-quoted
# literal (with a continuation right after its opening quotes) and several
# single-quoted ones, with comments in between.
IMAGE_GROUNDING_PROMPT: str = (
    """\
SYNTHETIC TEST PROMPT \u2014 describe the phantom \
in one JSON list.
Allowed labels: {label_list}
Sentinel: {no_finding} (use "{no_finding}" alone when nothing is seen).
Tabs\tand\\backslashes, 'single' and "double" quotes, a ''' inside.
Example: [{{"label": "{no_finding}", "box_2d": null, "confidence": 0.5}}]
"""
    # a comment between two literals
    'Escapes: \x41\101\u00e9\U0001F9EA \d\q caf\u00e9 \'ok\' done.\n'
    "Unicode as is: é ≤ — 🧪. Empty braces in JSON: {{}}.\n"  # trailing comment
    'Split '  'adjacent '   "literals; "
    '''continued \
on one line with a "''" pair
'''
    u"u-prefixed tail.\n"
)


# Draft prompt: one triple-quoted literal; the draft goes on a line of its
# own, as {draft_report}.
DRAFT_PARSING_PROMPT = """\
SYNTHETIC TEST PROMPT: list what the draft says about each label of {label_list}.
Statuses: "present" or "absent"; a normal draft is {{"label": "{no_finding}"}}.
Answer like [{{"label": "round", "status": "present", "span": "round"}}].\r\n
Draft follows:
{draft_report}
End of draft. \u00a7 \x7e
"""


def build_image_grounding_prompt() -> str:
    """Render the grounding prompt (a local name below shadows nothing)."""
    IMAGE_GROUNDING_PROMPT = "a local variable, not the module constant"
    del IMAGE_GROUNDING_PROMPT
    return globals()["IMAGE_GROUNDING_PROMPT"].format(label_list=_LABELS, no_finding="none")


def build_draft_parsing_prompt(draft_report: str) -> str:
    """Render the draft prompt."""
    return DRAFT_PARSING_PROMPT.format(label_list=_LABELS, no_finding="none", draft_report=draft_report.strip())
