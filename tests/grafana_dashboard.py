"""The part of Grafana's dashboard JSON model (schemaVersion 39) that our dashboards use.

Grafana is not installable here, so this model stands in for its schema: every field our JSON
carries must be one Grafana reads, with the type Grafana gives it (unknown fields are refused, so
a typo cannot pass silently), and the layout must fit Grafana's 24-column grid.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GRID_COLUMNS = 24


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataSourceRef(Strict):
    type: Literal["prometheus"]
    uid: str = Field(min_length=1, max_length=40)


class Target(Strict):
    refId: str = Field(pattern=r"^[A-Z]$")
    expr: str = Field(min_length=1)
    datasource: DataSourceRef
    legendFormat: str | None = None
    instant: bool | None = None
    range: bool | None = None


class GridPos(Strict):
    h: int = Field(ge=1)
    w: int = Field(ge=1, le=GRID_COLUMNS)
    x: int = Field(ge=0, lt=GRID_COLUMNS)
    y: int = Field(ge=0)

    @model_validator(mode="after")
    def fits_the_grid(self) -> GridPos:
        assert self.x + self.w <= GRID_COLUMNS, f"panel at x={self.x} w={self.w} overflows"
        return self

    def cells(self) -> set[tuple[int, int]]:
        return {
            (x, y) for x in range(self.x, self.x + self.w) for y in range(self.y, self.y + self.h)
        }


class FieldDefaults(Strict):
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    custom: dict[str, Any] | None = None
    thresholds: dict[str, Any] | None = None


class FieldConfig(Strict):
    defaults: FieldDefaults
    overrides: list[dict[str, Any]]


class Panel(Strict):
    id: int = Field(ge=1)
    type: Literal["row", "timeseries", "stat", "bargauge", "table", "gauge"]
    title: str = Field(min_length=1)
    gridPos: GridPos
    description: str | None = None
    datasource: DataSourceRef | None = None
    targets: list[Target] = Field(default_factory=list)
    fieldConfig: FieldConfig | None = None
    options: dict[str, Any] | None = None
    interval: str | None = Field(default=None, pattern=r"^\d+[smhdw]$")
    collapsed: bool | None = None
    panels: list[Panel] | None = None  # a row's folded panels

    @model_validator(mode="after")
    def queries_what_it_shows(self) -> Panel:
        if self.type == "row":
            assert not self.targets, f"row {self.title!r} has queries"
        else:
            assert self.targets and self.datasource, f"panel {self.title!r} queries nothing"
            ref_ids = [t.refId for t in self.targets]
            assert len(set(ref_ids)) == len(ref_ids), f"panel {self.title!r} repeats a refId"
        return self


class TimeRange(Strict):
    from_: str = Field(alias="from", pattern=r"^now(-\d+[smhdwMy])?$")
    to: str = Field(pattern=r"^now(-\d+[smhdwMy])?$")


class Dashboard(Strict):
    uid: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    title: str = Field(min_length=1)
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    timezone: Literal["browser", "utc", ""] = "browser"
    editable: bool = True
    graphTooltip: Literal[0, 1, 2] = 0
    schemaVersion: int = Field(ge=36)
    version: int = Field(ge=0)
    refresh: str | Literal[False] = Field(default=False)
    time: TimeRange
    annotations: dict[str, list[dict[str, Any]]] | None = None
    templating: dict[str, list[dict[str, Any]]] | None = None
    links: list[dict[str, Any]] = Field(default_factory=list)
    panels: list[Panel]

    @model_validator(mode="after")
    def panels_are_distinct(self) -> Dashboard:
        ids = [panel.id for panel in self.panels]
        assert len(set(ids)) == len(ids), "panel ids repeat"
        taken: set[tuple[int, int]] = set()
        for panel in self.panels:
            cells = panel.gridPos.cells()
            assert not cells & taken, f"panel {panel.title!r} overlaps another"
            taken |= cells
        return self

    def queries(self) -> list[tuple[str, str]]:
        """(panel title, PromQL) for every query of every panel."""
        return [(p.title, t.expr) for p in self.panels for t in p.targets]
