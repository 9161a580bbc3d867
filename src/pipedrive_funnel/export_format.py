"""The fixed shape of a Pipedrive CRM export: file names, headers, value formats and lookup tables.

Everything here is the export's contract, not a choice of this project: users replace the sample
with their own export, so the generator writes exactly this and the dbt seeds read exactly this.
"""

from __future__ import annotations

import json
from typing import Final

DEAL_CHANGES: Final = "deal_changes.csv"
ACTIVITY: Final = "activity.csv"
ACTIVITY_TYPES: Final = "activity_types.csv"
USERS: Final = "users.csv"
STAGES: Final = "stages.csv"
FIELDS: Final = "fields.csv"

HEADERS: Final[dict[str, tuple[str, ...]]] = {
    DEAL_CHANGES: ("deal_id", "change_time", "changed_field_key", "new_value"),
    ACTIVITY: ("activity_id", "type", "assigned_to_user", "deal_id", "done", "due_to"),
    ACTIVITY_TYPES: ("id", "name", "active", "type"),
    USERS: ("id", "name", "email", "modified"),
    STAGES: ("stage_id", "stage_name"),
    FIELDS: ("ID", "FIELD_KEY", "NAME", "FIELD_VALUE_OPTIONS"),
}
FILE_NAMES: Final = tuple(HEADERS)

# Value formats (datetime.strftime patterns).
USER_MODIFIED_FORMAT: Final = "%Y-%m-%d %H:%M:%S.%f"  # users.modified
BOOLEAN_TEXT: Final = {True: "True", False: "False"}  # activity.done

# deal_changes.changed_field_key
FIELD_ADD_TIME: Final = "add_time"
FIELD_USER_ID: Final = "user_id"
FIELD_STAGE_ID: Final = "stage_id"
FIELD_LOST_REASON: Final = "lost_reason"

# activity.type -> (activity_types.id, name, active)
ACTIVITY_TYPE_ROWS: Final = (
    (1, "Sales Call 1", "Yes", "meeting"),
    (2, "Sales Call 2", "Yes", "sc_2"),
    (3, "Follow Up Call", "No", "follow_up"),
    (4, "After Close Call", "Yes", "after_close_call"),
)
TYPE_MEETING: Final = "meeting"
TYPE_SALES_CALL_2: Final = "sc_2"
TYPE_FOLLOW_UP: Final = "follow_up"
TYPE_AFTER_CLOSE_CALL: Final = "after_close_call"

# stages.csv spells stage 2 "Qualified lead"; fields.csv carries the canonical labels.
STAGE_ROWS: Final = (
    (1, "Lead Generation"),
    (2, "Qualified lead"),
    (3, "Needs Assessment"),
    (4, "Proposal/Quote Preparation"),
    (5, "Negotiation"),
    (6, "Closing"),
    (7, "Implementation/Onboarding"),
    (8, "Follow-up/Customer Success"),
    (9, "Renewal/Expansion"),
)
STAGE_LABELS: Final = {
    stage_id: ("Qualified Lead" if stage_id == 2 else name) for stage_id, name in STAGE_ROWS
}
STAGE_IDS: Final = tuple(stage_id for stage_id, _ in STAGE_ROWS)

LOST_REASON_LABELS: Final = {
    1: "Customer Not Ready",
    2: "Pricing Issues",
    3: "Unreachable Customer",
    4: "Product Mismatch",
    5: "Duplicate Entry",
}


def _options_json(labels: dict[int, str]) -> str:
    return json.dumps(
        [{"id": str(option_id), "label": label} for option_id, label in labels.items()]
    )


FIELD_ROWS: Final = (
    (13, FIELD_ADD_TIME, "Deal created", ""),
    (3, FIELD_USER_ID, "Owner", ""),
    (10, FIELD_STAGE_ID, "Stage", _options_json(STAGE_LABELS)),
    (23, FIELD_LOST_REASON, "Lost reason", _options_json(LOST_REASON_LABELS)),
)
