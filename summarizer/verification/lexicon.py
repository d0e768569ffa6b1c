"""The report language of the claim checker, read from `lexicon.toml` (data, not code).

Synonym groups for coverage, filler words left out of it, evaluative words, the
two directions, done and planned, links between items, and cause markers.
Loaded once per process.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

__all__ = ["Lexicon", "lexicon"]


@dataclass(frozen=True)
class Lexicon:
    canonical: dict[str, str]  # word -> the first word of its synonym group
    filler: frozenset[str]
    evaluative: tuple[str, ...]  # longest first
    up: frozenset[str]
    down: frozenset[str]
    done: frozenset[str]
    plan: frozenset[str]
    plan_nouns: frozenset[str]
    plan_noun_followers: frozenset[str]
    undone_before: frozenset[str]
    past_in_plan: tuple[str, ...]
    link_all: frozenset[str]
    respectively: frozenset[str]
    cause: frozenset[str]
    instructions: tuple[str, ...]

    def canon(self, word: str) -> str:
        return self.canonical.get(word, word)

    def plan_words(self, words: Sequence[str]) -> list[str]:
        """The words of a cut text that speak of a plan ("计划" before a deed, not in "雨露计划补助")."""
        found = []
        for i, word in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else ""
            if following == "了":
                continue  # "确保了…" is done
            if word in self.plan_nouns and following not in self.plan_noun_followers:
                continue  # "雨露计划补助" names a programme; "计划新建…" plans
            if word in self.plan:
                found.append(word)
        return found

    def done_words(self, words: Sequence[str]) -> list[str]:
        """The words of a cut text that say a thing is done, unless a word before keeps it undone."""
        found = []
        for i, word in enumerate(words):
            done = word in self.done or word.startswith("已")
            if done and not any(w in self.undone_before for w in words[max(0, i - 2) : i]):
                found.append(word)
        return found

    def direction(self, word: str) -> int:
        """+1 for a word of growth, -1 for one of decline, 0 otherwise."""
        return 1 if word in self.up else -1 if word in self.down else 0


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = tomllib.loads(files(__package__).joinpath("lexicon.toml").read_text(encoding="utf-8"))
    canonical: dict[str, str] = {}
    for group in data["synonyms"]:
        for word in group:
            canonical.setdefault(word, group[0])  # a word in two groups keeps its first
    return Lexicon(
        canonical=canonical,
        filler=frozenset(data["filler"]),
        evaluative=tuple(sorted(set(data["evaluative"]), key=lambda w: (-len(w), w))),
        up=frozenset(data["direction"]["up"]),
        down=frozenset(data["direction"]["down"]),
        done=frozenset(data["modality"]["done"]),
        plan=frozenset(data["modality"]["plan"]),
        plan_nouns=frozenset(data["modality"]["plan_nouns"]),
        plan_noun_followers=frozenset(data["modality"]["plan_noun_followers"]),
        undone_before=frozenset(data["modality"]["undone_before"]),
        past_in_plan=tuple(data["modality"]["past_in_plan"]),
        link_all=frozenset(data["links"]["all"]),
        respectively=frozenset(data["links"]["respectively"]),
        cause=frozenset(data["cause"]["markers"]),
        instructions=tuple(data["instructions"]["markers"]),
    )
