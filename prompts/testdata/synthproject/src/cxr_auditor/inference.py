"""Synthetic inference module for cxr-auditor's import tests (not a real one)."""

from __future__ import annotations

import re

MAX_TOKENS: int = 64

# The draft system message: annotated, parenthesized, adjacent literals.
_DRAFT_SYSTEM_INSTRUCTION: str = (
    "SYNTHETIC system line: answer with the list only. "
    'Never a <think> block, never "prose".'
)

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)

# The corrective suffix: it starts with an escaped newline and keeps its
# braces as they are (it is never formatted).
RETRY_CORRECTIVE_SUFFIX: str = (
    "\nSYNTHETIC retry: that was not a list; "
    "reply with [ ... ] only, {no fields here}, "
    "no prose."
)


def attempt_prompt(prompt: str, attempt: int) -> str:
    """Append the suffix on retries."""
    return prompt + RETRY_CORRECTIVE_SUFFIX if attempt > 1 else prompt
