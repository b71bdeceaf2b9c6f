"""The one parameter table, and the immutable ``Params`` snapshot built from it.

Every place that knows a parameter's name, range, default, step or unit reads it from ``SPECS``:
the command line's ``--set``, preset validation, the sliders and the help screen.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grutui.errors import GrutuiError


class ParamError(GrutuiError, ValueError):
    """A parameter name or value that is not in the table's range."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its name, label, range, default, step, unit and one-line help.

    ``taper`` and ``pivot`` shape a slider's travel (``position``): with a taper above 1 the
    travel near ``pivot`` (the minimum unless given) is spread out and the far ends squeezed,
    for a parameter whose useful part is a corner of its range. ``useful`` is the part of the
    range where settings sound musical (what "randomise" draws from); the whole range if None.
    """

    name: str
    label: str
    minimum: float
    maximum: float
    default: float
    step: float
    unit: str
    help: str
    kind: str = "float"  # "float", "choice" or "bool"
    choices: tuple[float, ...] = ()
    taper: float = 1.0
    pivot: float | None = None
    useful: tuple[float, float] | None = None

    def parse(self, text: str) -> float | int | bool:
        """Parse a value typed by a user (``--set``, the value editor) and validate it."""
        text = text.strip()
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("on", "true", "yes", "1"):
                return True
            if lowered in ("off", "false", "no", "0"):
                return False
            raise ParamError(f"{self.name}: expected on or off, got {_short(text)}")
        if self.kind == "choice":
            cleaned = text.lower().removesuffix("x")
        else:
            cleaned = text.removesuffix(self.unit).strip() if self.unit else text
        try:
            value = parse_number(cleaned)
        except ValueError:
            raise ParamError(f"{self.name}: expected a number, got {_short(text)}") from None
        return self.validate(value)

    def validate(self, value: Any) -> float | int | bool:
        """Check a value's type and range; return it in the parameter's own type."""
        if self.kind == "bool":
            if not _is_bool(value):
                raise ParamError(f"{self.name}: expected true or false, got {_short(value)}")
            return bool(value)
        # numbers.Real: numpy's scalars too (np.float32, np.int64), as a notebook hands them
        if _is_bool(value) or not isinstance(value, numbers.Real):
            raise ParamError(f"{self.name}: expected a number, got {_short(value)}")
        try:
            value = float(value)
        except OverflowError:  # an integer of hundreds of digits
            raise ParamError(
                f"{self.name}: a {_digits(int(value))}-digit number is out of range "
                f"{self.minimum:g} to {self.maximum:g}"
            ) from None
        if self.kind == "choice":
            if value not in self.choices:  # NaN and infinities included
                allowed = ", ".join(f"{c:g}" for c in self.choices)
                raise ParamError(f"{self.name}: {value:g} is not one of {allowed}")
            return int(value)
        if not math.isfinite(value):
            raise ParamError(
                f"{self.name}: not a finite number in range {self.minimum:g} to {self.maximum:g}"
            )
        if not self.minimum <= value <= self.maximum:
            raise ParamError(
                f"{self.name}: {value:g} is out of range {self.minimum:g} to {self.maximum:g}"
            )
        return value

    @property
    def decimals(self) -> int:
        """Decimal places that show a tenth of a step (the fine keys' step), so every step
        changes what is shown."""
        if self.kind != "float":
            return 0
        return max(0, -math.floor(math.log10(self.step / 10) + 1e-9))

    def format_number(self, value: float | int | bool) -> str:
        """The value as a user reads and types it, without its unit: every slider, the A/B
        table, the value dialog and ``grutui presets show`` use this."""
        if self.kind == "bool":
            return "on" if value else "off"
        if self.kind == "choice":
            return f"{int(value)}x"
        value = float(value)
        digits = self.decimals
        text = f"{value:.{digits}f}"
        # A typed value between fine steps shows its own digits (up to 6) rather than a
        # rounding of itself.
        while digits < 6 and abs(float(text) - value) > 1e-9 * max(1.0, abs(value)):
            digits += 1
            text = f"{value:.{digits}f}"
        return text.removeprefix("-") if float(text) == 0.0 else text

    def format(self, value: float | int | bool) -> str:
        """The value as a user reads it, with its unit (``format_number`` plus the unit)."""
        text = self.format_number(value)
        return f"{text} {self.unit}" if self.unit and self.kind == "float" else text

    def clamp_step(self, value: float | int | bool, steps: float) -> float | int | bool:
        """``value`` moved by ``steps`` steps (choices and booleans move to a neighbour)."""
        if self.kind == "bool":
            return (not value) if steps else value
        if self.kind == "choice":
            direction = (steps > 0) - (steps < 0)
            position = self.choices.index(float(value)) + direction
            return int(self.choices[min(max(position, 0), len(self.choices) - 1)])
        fine = self.step / 10
        # rounded to the shown digits too: 3 * 0.1 is 0.30000000000000004, not what a preset
        # file should say
        moved = round(round((float(value) + steps * self.step) / fine) * fine, self.decimals)
        return float(min(max(moved, self.minimum), self.maximum))

    @property
    def default_value(self) -> float | int | bool:
        """``default`` in the parameter's own type (the ``Params`` field default)."""
        if self.kind == "bool":
            return bool(self.default)
        return int(self.default) if self.kind == "choice" else float(self.default)

    def fraction(self, value: float | int | bool) -> float:
        """Position of ``value`` on a slider's travel, 0..1, following the taper."""
        if self.kind == "bool":
            return 1.0 if value else 0.0
        if self.kind == "choice":
            return self.choices.index(float(value)) / (len(self.choices) - 1)
        value = min(max(float(value), self.minimum), self.maximum)
        pivot, at = self._pivot()
        if value >= pivot:
            span = self.maximum - pivot
            return at + (1.0 - at) * ((value - pivot) / span) ** (1.0 / self.taper) if span else at
        return at - at * ((pivot - value) / (pivot - self.minimum)) ** (1.0 / self.taper)

    def value_at(self, fraction: float) -> float:
        """The float value at ``fraction`` (0..1) of a slider's travel: ``fraction``'s
        inverse."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        pivot, at = self._pivot()
        if fraction >= at:
            part = (fraction - at) / (1.0 - at) if at < 1.0 else 0.0
            value = pivot + (self.maximum - pivot) * part**self.taper
        else:
            value = pivot - (pivot - self.minimum) * ((at - fraction) / at) ** self.taper
        return min(max(value, self.minimum), self.maximum)

    def _pivot(self) -> tuple[float, float]:
        """The pivot's value and its position (where it sits on a linear slider)."""
        pivot = self.minimum if self.pivot is None else self.pivot
        return pivot, (pivot - self.minimum) / (self.maximum - self.minimum)


# Ranges cover the seed notebook's figures (Wf 10, Uf 6, Uh 4, bf 5) and the author's plugin
# (Wh 0.01..5); defaults are the plugin's. Hot settings (Wh 8) are inside the range on purpose.
# The useful ranges (what "randomise" draws) are the plugin's. Wh's slider gives 0..5 about
# two thirds of its travel (taper 3); Drive's spreads the dBs around 0 and squeezes the ends,
# where a normalised sound is either clean or already square.
SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "Wf",
        "Wf",
        -10.0,
        20.0,
        0.5,
        0.1,
        "",
        "Input weight of the gate: more saturation and hysteresis in the top half",
        useful=(0.0, 10.0),
    ),
    ParamSpec(
        "Wh",
        "Wh",
        0.0,
        20.0,
        1.0,
        0.05,
        "",
        "Input weight of the tanh: the drive into the nonlinearity",
        taper=3.0,
        useful=(0.2, 5.0),
    ),
    ParamSpec(
        "Uf",
        "Uf",
        -10.0,
        10.0,
        0.5,
        0.1,
        "",
        "Feedback weight of the gate: wider gap between rising and falling branches",
        useful=(0.0, 5.0),
    ),
    ParamSpec(
        "Uh",
        "Uh",
        -5.0,
        5.0,
        0.5,
        0.05,
        "",
        "Feedback weight into the tanh: width of the curve's central part",
        useful=(0.0, 2.0),
    ),
    ParamSpec(
        "bf",
        "bf",
        -5.0,
        10.0,
        0.0,
        0.1,
        "",
        "Bias of the gate: high values hold the output (odd harmonics, softer attack)",
        useful=(-1.0, 5.0),
    ),
    ParamSpec(
        "drive_db",
        "Drive",
        -24.0,
        36.0,
        0.0,
        0.5,
        "dB",
        "Input gain before the nonlinearity",
        taper=2.0,
        pivot=0.0,
    ),
    ParamSpec(
        "output_db", "Output", -48.0, 12.0, 0.0, 0.5, "dB", "Output gain after the DC blocker"
    ),
    ParamSpec(
        "mix",
        "Mix",
        0.0,
        100.0,
        100.0,
        1.0,
        "%",
        "Dry/wet mix; the dry path is delayed to stay phase aligned",
    ),
    ParamSpec(
        "oversample",
        "Oversampling",
        1.0,
        8.0,
        4.0,
        1.0,
        "x",
        "Oversampling factor of the nonlinearity: 1x aliases, 4x is clean",
        kind="choice",
        choices=(1.0, 2.0, 4.0, 8.0),
    ),
    ParamSpec(
        "dc_block",
        "DC blocker",
        0.0,
        1.0,
        1.0,
        1.0,
        "",
        "Removes the DC offset asymmetric settings leave (5 Hz high-pass)",
        kind="bool",
    ),
    ParamSpec(
        "auto_gain",
        "Auto gain",
        0.0,
        1.0,
        0.0,
        1.0,
        "",
        "Output gain that keeps the wet as loud as the dry (BS.1770), to judge tone, not level",
        kind="bool",
    ),
)

SPEC_BY_NAME: dict[str, ParamSpec] = {spec.name: spec for spec in SPECS}
GRU_NAMES: tuple[str, ...] = ("Wf", "Wh", "Uf", "Uh", "bf")


def spec(name: str) -> ParamSpec:
    """The spec of ``name``, or a ``ParamError`` listing the known names."""
    try:
        return SPEC_BY_NAME[name]
    except KeyError:
        known = ", ".join(SPEC_BY_NAME)
        raise ParamError(f"unknown parameter {_short(name)} (known: {known})") from None


def _default(name: str) -> Any:
    return SPEC_BY_NAME[name].default_value


@dataclass(frozen=True)
class Params:
    """An immutable snapshot of every parameter; swapping the reference is the update.

    Fields are the names of ``SPECS``, with their defaults and ranges (validated on creation, a
    ``ParamError`` if out of range): the GRU weights ``Wf``, ``Wh``, ``Uf``, ``Uh`` and bias
    ``bf`` (unitless), ``drive_db`` and ``output_db`` (dB), ``mix`` (percent wet),
    ``oversample`` (1, 2, 4 or 8), ``dc_block`` and ``auto_gain`` (on/off).

    Examples
    --------
    >>> Params(Wh=3.0).replace(mix=50).mix
    50.0
    """

    Wf: float = _default("Wf")
    Wh: float = _default("Wh")
    Uf: float = _default("Uf")
    Uh: float = _default("Uh")
    bf: float = _default("bf")
    drive_db: float = _default("drive_db")
    output_db: float = _default("output_db")
    mix: float = _default("mix")
    oversample: int = _default("oversample")
    dc_block: bool = _default("dc_block")
    auto_gain: bool = _default("auto_gain")

    def __post_init__(self) -> None:
        for name in SPEC_BY_NAME:
            object.__setattr__(self, name, SPEC_BY_NAME[name].validate(getattr(self, name)))

    def replace(self, **changes: Any) -> Params:
        """A copy with ``changes`` applied, each checked against its range.

        Parameters
        ----------
        **changes
            Parameter names and new values, e.g. ``Wh=3.0, mix=50``.

        Raises
        ------
        ParamError
            An unknown name or a value out of range (the message names both).
        """
        for name in changes:
            spec(name)
        return dataclasses.replace(self, **changes)

    def with_text(self, name: str, text: str) -> Params:
        """A copy with one parameter parsed from user text (``Wf=5`` style values)."""
        return self.replace(**{name: spec(name).parse(text)})

    def as_dict(self) -> dict[str, float | int | bool]:
        """The values keyed by parameter name, in table order."""
        return {name: getattr(self, name) for name in SPEC_BY_NAME}

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], base: Params | None = None) -> Params:
        """``base`` (or the defaults) with ``values`` applied; unknown keys are errors."""
        return (base or cls()).replace(**dict(values))


def _is_bool(value: Any) -> bool:
    """True for ``True``/``False`` and numpy's boolean scalars."""
    return isinstance(value, bool) or (
        getattr(getattr(value, "dtype", None), "kind", "") == "b" and getattr(value, "ndim", 1) == 0
    )


def _digits(value: int) -> int:
    """How many decimal digits ``value`` has (``str()`` refuses past 4300)."""
    bits = abs(value).bit_length()
    if bits < 14000:
        return len(str(abs(value)))
    return int(bits * math.log10(2)) + 1


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_params(value: Any, name: str = "params") -> Params:
    """``value`` if it is a ``Params`` (``None``: the defaults), else a ``TypeError`` that says
    how to make one."""
    if value is None:
        return Params()
    if not isinstance(value, Params):
        raise TypeError(
            f"{name} must be a grutui.Params, got {type(value).__name__} (Params(**values) or "
            "grutui.load_preset(name).params)"
        )
    return value


def parse_number(text: str, integer: bool = False) -> float:
    """A number as a user types it, blanks around it allowed; a ``ValueError`` otherwise.

    ASCII only, without ``_``: ``float()`` and ``int()`` also take other scripts' digits
    (``"٥"``, ``"５"``) and digit separators (``"1_000"``), which a typo should not turn into a
    setting. ``integer``: a whole number written without a point or an exponent.
    """
    cleaned = text.strip()
    if not cleaned.isascii() or "_" in cleaned:
        raise ValueError(f"not a number: {text!r}")
    return int(cleaned) if integer else float(cleaned)


def parse_assignment(text: str) -> tuple[str, float | int | bool]:
    """Parse one ``KEY=VALUE`` assignment (the CLI's ``--set``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ParamError(f"expected KEY=VALUE, got {_short(text)}")
    return key.strip(), spec(key.strip()).parse(value)


def _check_fields() -> None:
    # a real check, not an assert: ``python -O`` would strip that and let the two drift apart
    fields = tuple(f.name for f in dataclasses.fields(Params))
    if fields != tuple(SPEC_BY_NAME):
        raise RuntimeError(f"Params fields {fields} differ from the SPECS table")


_check_fields()
