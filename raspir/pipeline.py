"""Named pipelines: the passes that take a rasp module down to an la model.

A pipeline names raspir's passes and xDSL's generic ones (``cse``, ``dce``,
``canonicalize``, ...), which work on raspir's IR because its ops declare
their side effects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError

from raspir.errors import InvalidArgumentError

O0: tuple[str, ...] = (
    "rasp-legalize",
    "convert-rasp-to-sa",
    "schedule-layers",
    "convert-sa-to-craft",
    "convert-craft-to-la",
)
"""rasp → sa → scheduled sa → craft → la, no optimisation (``rasp-legalize``
is a lowering: it rewrites what no component computes)."""

O2: tuple[str, ...] = (
    "canonicalize",
    "cse",
    "rasp-legalize",
    "rasp-fuse-maps",
    "rasp-prune-value-sets",
    "canonicalize",
    "dce",
    "rasp-choose-encodings",
    "convert-rasp-to-sa",
    "schedule-layers{narrow=true}",
    "convert-sa-to-craft",
    "craft-eliminate-dead-directions",
    "craft-compress-residual",
    "convert-craft-to-la",
)
"""The optimising pipeline: trivial ops simplified, shared subexpressions
merged, composite selectors and numbers read as categories legalized, chains of maps fused, value sets pruned to what positions can reach
(which can make more ops trivial), dead code removed, encodings chosen
(numbers where an s-op is only compared for equality), layers scheduled at
the least depth with the narrowest residual found, dead residual directions
removed and the rest share dimensions where their lives allow."""

PIPELINES: dict[str, tuple[str, ...]] = {"-O0": O0, "-O2": O2}
"""Pipelines by the name the API and ``raspir compile --pipeline`` accept."""

DEFAULT = O2

PassSpec = str | ModulePass


def inserted(name: str, after: str, pipeline: Sequence[str] = O2) -> list[str]:
    """``pipeline`` (by default ``-O2``) with the pass spec ``name`` right after
    the first pass named ``after``: how an opt-in pass joins a pipeline."""
    names = [spec.split("{")[0] for spec in pipeline]
    if after not in names:
        raise InvalidArgumentError(
            f"cannot insert {name} after {after}: the pipeline has no such pass "
            f"({', '.join(names)})"
        )
    out = list(pipeline)
    out.insert(names.index(after) + 1, name)
    return out


_PIPELINE_ITEM = re.compile(
    "(?:(?<=^)|(?<=,))(" + "|".join(map(re.escape, PIPELINES)) + ")(?=,|$)"
)
"""A pipeline name standing as an item of a pipeline text."""


def make_pass(spec: str) -> ModulePass:
    """The pass a spec names: ``name`` or ``name{option=value ...}``."""
    return resolve(spec)[0]


def resolve(pipeline: str | Sequence[PassSpec]) -> list[ModulePass]:
    """Passes from a pipeline name (``-O0``), a comma-separated pipeline text
    (``convert-rasp-to-sa,schedule-layers``, options in braces, pipeline names
    allowed as items: ``-O2,my-pass``) or a list of pass specs and pass objects.
    Passes of installed plug-ins and loaded passes (``raspir.plugins``) count."""
    from xdsl.transforms import get_all_passes

    from raspir.plugins import available_passes

    available = available_passes()
    if isinstance(pipeline, str):
        if pipeline in PIPELINES:
            return resolve(PIPELINES[pipeline])
        expanded = _PIPELINE_ITEM.sub(
            lambda m: ",".join(PIPELINES[m.group(1)]), pipeline
        )
        try:
            specs = list(parse_pipeline(expanded))
        except ArgSpecParseError as e:
            reason = str(e).strip().splitlines()[-1].strip()
            raise InvalidArgumentError(
                f"cannot parse pipeline '{pipeline}': {reason}"
            ) from None
        passes = []
        for spec in specs:
            factory = available.get(spec.name)
            if factory is None:
                ours = sorted(set(available) - set(get_all_passes()))
                known = ", ".join([*PIPELINES, *ours])
                raise InvalidArgumentError(
                    f"unknown pass or pipeline '{spec.name}' (known: {known})"
                )
            try:
                passes.append(factory().from_pass_spec(spec))
            except Exception as e:  # noqa: BLE001 - xDSL reports bad options variously
                raise InvalidArgumentError(f"pass '{spec.name}': {e}") from None
        return passes
    if not isinstance(pipeline, Sequence):
        raise InvalidArgumentError(
            "pipeline must be a name such as '-O2', a comma-separated pipeline or "
            f"a list of passes, got {type(pipeline).__name__}"
        )
    out: list[ModulePass] = []
    for item in pipeline:
        if not isinstance(item, str | ModulePass):
            raise InvalidArgumentError(
                f"pipeline item {item!r} (type {type(item).__name__}) is not a pass "
                "name or a pass"
            )
        out += [item] if isinstance(item, ModulePass) else resolve(item)
    return out


def stages(
    module: ModuleOp, passes: str | Sequence[PassSpec] = DEFAULT
) -> Iterator[tuple[str, ModuleOp]]:
    """Apply ``passes`` in turn, yielding ``(pass name, module after it)``.

    Each yielded module is a snapshot of its own; ``module`` is not modified.
    """
    current = module.clone()
    ctx = Context()
    passes = resolve(passes)
    for each, name in zip(passes, stage_names(passes), strict=True):
        each.apply(ctx, current)
        current.verify()
        yield name, current.clone()


def stage_names(passes: str | Sequence[PassSpec]) -> list[str]:
    """The stage name of each pass: its name, ``name.2`` when it runs a second
    time, and so on, so that timings, dumps and reports tell runs apart."""
    seen: dict[str, int] = {}
    names = []
    for each in resolve(passes):
        seen[each.name] = seen.get(each.name, 0) + 1
        count = seen[each.name]
        names.append(each.name if count == 1 else f"{each.name}.{count}")
    return names
