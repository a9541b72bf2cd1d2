"""The Chinese name of each window kind, shared by alert messages and the staff digest."""

from __future__ import annotations

KIND_LABELS = {
    "apply": "网上申报",
    "accept": "受理",
    "unit_review": "单位审核/推荐",
    "paper": "纸质材料",
    "fee": "缴费",
    "review": "评审",
    "other": "其他",
}


def kind_label(kind: str) -> str:
    """The label for a kind; an unknown kind is shown as it is rather than hidden."""
    return KIND_LABELS.get(kind, kind)
