"""Request and response models of /api/v1: the single source of its validation and its OpenAPI document.

Limits here match the services' own (they check again, for the pages and the CLI), so a request
the contract allows is only refused for a reason of the assembly's rules or its moment.
"""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from webapp.printing import queue
from webapp.services.assembly import MAX_GROUPS, MAX_IDEAS_PER_GROUP
from webapp.services.ballots import MAX_BATCH
from webapp.services.ideas import DETAIL_MAX, TITLE_MAX


Method = Literal["approval", "dot", "ranked", "support", "judgment"]
PhaseName = Literal["setup", "submission", "voting", "results"]
Source = Literal["phone", "paper"]
ID_MAX = 100
IdeaId = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX)]
Limit = Annotated[int, Field(ge=1, le=100)]


# -- requests -------------------------------------------------------------------------------------
class Request(BaseModel):
    """A request body: exactly these fields, of exactly these JSON types."""

    model_config = ConfigDict(extra="forbid", strict=True)
    # Error codes kept from before the contract was generated, by field name.
    field_codes: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers(cls, data: object) -> object:
        return integral(data)


def integral(value: object) -> object:
    """JSON has one kind of number: 3.0 is the integer 3 (JSON Schema agrees), so strict integer
    fields take it; 3.5, "3" and true stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral(item) for item in value]
    return value


class AssemblySettings(Request):
    """Only the fields sent (and not null) change."""

    question: str | None = Field(None, min_length=1, max_length=300)
    briefing: str | None = Field(None, max_length=2000)
    num_groups: int | None = Field(None, ge=1, le=MAX_GROUPS)
    ideas_per_group: int | None = Field(None, ge=1, le=MAX_IDEAS_PER_GROUP)
    method: Method | None = None
    max_choices: Limit | None = None
    points: Limit | None = None
    max_per_idea: Limit | None = None
    threshold: Limit | None = None  # support levels: whole percent in support needed to pass
    field_codes = {"method": "bad_method"}


class PhaseChange(Request):
    phase: PhaseName
    field_codes = {"phase": "unknown_phase"}


class Reveal(Request):
    revealed: bool = True


class Hide(Request):
    hidden: bool = True


class Merge(Request):
    into: IdeaId | None = Field(None, description="the idea to merge into; null undoes the merge")


class IdeaEntry(Request):
    title: str = Field("", max_length=TITLE_MAX, description="blank removes this slot's idea")
    detail: str = Field("", max_length=DETAIL_MAX)


class GroupIdeas(Request):
    ideas: list[IdeaEntry] = Field(max_length=MAX_IDEAS_PER_GROUP)


Choices = Annotated[
    dict[IdeaId, Annotated[int, Field(ge=0, le=100)]],
    Field(max_length=MAX_GROUPS * MAX_IDEAS_PER_GROUP,
          description="idea id -> 1 (approval), points (dot), rank (ranked), support level 1..5 "
                      "(support: 5 strongly support, 4 support, 3 neutral, 2 oppose, 1 strongly oppose) or "
                      "grade 1..6 (judgment: 6 Excellent ... 1 Reject); 0 or left out means not chosen / blank"),
]


class Ballot(Request):
    choices: Choices
    field_codes = {"choices": "bad_value"}


class PaperBallot(Request):
    choices: Choices
    replace: bool = Field(False, description="must be true to replace a phone vote")
    field_codes = {"choices": "bad_value"}


class Count(Request):
    count: int = Field(ge=1, le=MAX_BATCH)


LARGE_PRINT = "large type; a paper ballot then spreads its ideas over more slips"


class PrintCount(Request):
    count: int = Field(ge=1, le=queue.MAX_BATCH)
    large_print: bool = Field(False, description=LARGE_PRINT)


class GroupCards(Request):
    slips_per_group: int | None = Field(None, ge=0, le=50, description="null: the kit's slips_per_group")
    large_print: bool = Field(False, description=LARGE_PRINT)


class GroupName(Request):
    name: str = Field(min_length=1, max_length=60)


class StewardLabel(Request):
    label: str = Field("", max_length=60)


# -- responses ------------------------------------------------------------------------------------
class Rules(BaseModel):
    method: Method
    max_choices: int
    points: int
    max_per_idea: int
    threshold: int = 50


class Counts(BaseModel):
    ideas: int
    groups: int
    groups_submitted: int
    ballots_cast: int
    ballots_issued: int
    paper_ballots: int


class Assembly(BaseModel):
    id: str
    question: str
    briefing: str
    phase: PhaseName
    ideas_per_group: int
    num_groups: int
    rules: Rules
    revealed: bool
    counts: Counts


class Idea(BaseModel):
    id: str
    number: int
    title: str
    detail: str


class SlotIdea(Idea):
    slot: int


class GroupCard(BaseModel):
    number: int
    name: str
    code: str


class GroupView(BaseModel):
    group: GroupCard
    ideas_per_group: int
    editable: bool
    ideas: list[SlotIdea]


class StoredBallot(BaseModel):
    choices: dict[str, int]
    source: Source
    revision: int


class BallotView(BaseModel):
    code: str
    display_code: str
    phase: PhaseName
    rules: Rules
    ideas: list[Idea]
    ballot: StoredBallot | None


class PaperBallotView(BallotView):
    voted: bool
    source: Source | None


class TallyRow(BaseModel):
    rank: int
    tied: bool
    idea_id: str
    number: int
    title: str
    score: int
    supporters: int
    firsts: int


class Tally(BaseModel):
    assembly_id: str
    question: str
    rules: Rules
    ballots_cast: int
    ballots_issued: int
    rows: list[TallyRow]


class KitStatus(BaseModel):
    web_ok: bool
    printer: str
    uplink: bool
    sync: str
    settings: str = Field(description="ok, problem or unknown: the boot step's reading of the settings file")
    storage: str = Field(description="ok, low, full or unknown: free space on the data partition")
    clock: str = Field(description="ok, restored, never_set or unknown")


class PrinterState(BaseModel):
    state: str
    error: str | None


class BatchProgress(BaseModel):
    batch: str
    total: int
    printed: int
    started: str


class Progress(BaseModel):
    queued: int
    printed: int
    failed: int
    batches: list[BatchProgress]


class PrintJob(BaseModel):
    id: str
    kind: str
    label: str
    batch: str | None
    status: str
    attempts: int
    last_error: str | None
    next_try_in_s: int | None = Field(None, ge=0, description="seconds until the next try, on the kit's clock")
    reprint: bool = Field(False, description="cut off part-way: prints marked REPRINT; destroy the torn copy")
    replaced_by: str | None = Field(None, description="the job printing fresh code(s) instead of this one's")


class PrintStatus(Progress):
    printer: PrinterState
    jobs: list[PrintJob]


class Queued(Progress):
    batch: str | None


class GroupRow(BaseModel):
    id: str
    number: int
    name: str
    code: str
    display_code: str


class IdeaRow(BaseModel):
    id: str
    number: int
    title: str
    detail: str
    group_number: int
    proposing_groups: list[int]
    hidden: bool
    merged_into: str | None


class BallotCodeRow(BaseModel):
    code: str
    display_code: str
    batch: int
    voted: bool


class IssuedCodes(BaseModel):
    codes: list[str]
    display_codes: list[str]


class StewardRow(BaseModel):
    id: str
    label: str
    created_at: str
    revoked: bool


class NewCode(BaseModel):
    code: str
    display_code: str


class Status(BaseModel):
    phase: PhaseName
    revealed: bool
    counts: Counts


class OpenAPIDocument(BaseModel):
    openapi: str
    info: dict
    paths: dict


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, for scripts")
    message: str = Field(description="for people, in the request's language")
    field: str | None = Field(None, description="the request field at fault, if one is")


class Error(BaseModel):
    error: ErrorDetail
