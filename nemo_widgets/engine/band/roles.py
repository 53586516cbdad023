"""What each section does in the song's shape, as the band hears it: how hard it plays, whether it builds into a
chorus, strips down before the last chorus, is an EDM drop, or ends the song."""

from __future__ import annotations

from dataclasses import dataclass

from nemo_widgets.engine.model import Arrangement

BREAKDOWN_ENERGY = 0.3  # the section before the last chorus plays this sparsely
DROP_GAP = 1.0  # beats of silence before an EDM drop (the riser alone)
FINAL_ENERGY = 0.85  # the final hit: the band as in a chorus
LOW, HIGH = 0.45, 0.75  # drum levels: below LOW sparse, from HIGH full


@dataclass(frozen=True)
class SectionRole:
    energy: float  # how full and loud the band plays here (the form's energy, lowered in a breakdown)
    build: bool  # leads into a chorus: a fill or riser in its last bar(s)
    breakdown: bool  # right before the last chorus: stripped down
    drop: bool  # an EDM chorus: everything hits on its first beat after a short silence
    final: bool  # the last section: ends on one held hit
    gap: float  # beats at the section's end where the band is silent (before a drop)

    @property
    def drop_next(self) -> bool:
        return self.gap > 0


def section_roles(arr: Arrangement, genre_drops: bool) -> tuple[SectionRole, ...]:
    sections = arr.sections
    choruses = [i for i, s in enumerate(sections) if s.kind == "chorus"]
    last_chorus = choruses[-1] if choruses else None
    while last_chorus is not None and last_chorus - 1 in choruses:  # a double last chorus: break down before both
        last_chorus -= 1
    roles = []
    for i, section in enumerate(sections):
        following = sections[i + 1] if i + 1 < len(sections) else None
        breakdown = (last_chorus is not None and i == last_chorus - 1 and section.kind != "chorus" and i > 0)
        build = following is not None and following.kind == "chorus" and section.kind != "chorus"
        roles.append(SectionRole(
            energy=min(section.energy, BREAKDOWN_ENERGY) if breakdown else section.energy,
            build=build,
            breakdown=breakdown,
            drop=genre_drops and section.kind == "chorus",
            final=following is None,
            gap=DROP_GAP if build and genre_drops else 0.0,
        ))
    return tuple(roles)


def level(energy: float) -> str:
    """How hard the drums play: "low", "mid" or "high"."""
    return "low" if energy < LOW else ("high" if energy >= HIGH else "mid")
