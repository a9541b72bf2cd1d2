"""The words zcwatch uses for its data, defined once: window kinds, alert kinds, statuses, outcomes.

Each is a ``StrEnum``, so a member is the very string stored in the database and printed in
JSON (``WindowKind.APPLY == "apply"``); the tuples below feed the database's CHECK constraints
and the config's validation. Adding a member here is the whole change of vocabulary; the
schema's CHECK constraints then need a migration (see CONTRIBUTING.md, "Add an alert kind").
"""

from __future__ import annotations

from enum import StrEnum


class WindowKind(StrEnum):
    """One step of a committee's procedure that has dates."""

    APPLY = "apply"  # the applicant's online application (网上申报/个人申报)
    ACCEPT = "accept"  # the committee accepting the materials (受理)
    UNIT_REVIEW = "unit_review"  # employer/department review, pre-review publicity (单位审核/评前公示)
    PAPER = "paper"  # paper materials (纸质材料报送)
    FEE = "fee"  # fees (缴费)
    REVIEW = "review"  # the committee's review itself (评审)
    OTHER = "other"  # a dated step that is none of these (材料补正, …)


class AlertKind(StrEnum):
    """Why a subscriber is told about a window."""

    MONTH_AHEAD = "month_ahead"  # lead_days before it opens, with the checklist
    ANNOUNCED = "announced"  # found after its month-ahead moment: at once
    ESTIMATE = "estimate"  # last season's dates moved a year on; the committee has not announced yet
    OPENS = "opens"  # on the opening day
    CLOSING_SOON = "closing_soon"  # closing_soon_days before the end
    CHANGED = "changed"  # its dates changed after an alert went out


class ReminderKind(StrEnum):
    """A reminder about one applicant's own application (issue 17): the district office's guide, step by
    step. Sent through the same ledger as the window alerts (``alert_kind``), keyed to the application's
    window; notifier.timeline plans them from the applicant's ``ApplicationEvent``s."""

    CHECK_RESULT = "check_result"  # each working day of the office's first review: look at the result
    CONTACT_OFFICE = "contact_office"  # a week after submitting with no approval: contact the office
    EXPECT_SMS = "expect_sms"  # the office passed it: an SMS will ask for the paper materials
    CHASE_SMS = "chase_sms"  # a week after the approval with no SMS: call
    NO_WAIT_SMS = "no_wait_sms"  # the committee's deadline is near: do not wait for the SMS
    RESUBMIT = "resubmit"  # returned (退案): fix and resubmit, with the deadline
    CHECK_STATUS = "check_status"  # during the committee's review: look at least weekly


class ApplicationEvent(StrEnum):
    """Where an applicant's application stands, as they record it (``zcwatch timeline``, the manage page)."""

    SUBMITTED = "submitted"  # submitted online in the system
    OFFICE_PASSED = "office_passed"  # the district office's first review passed it
    SMS = "sms"  # the office's SMS about the paper materials arrived
    RETURNED = "returned"  # returned (退案) by the office or the committee
    RESUBMITTED = "resubmitted"  # fixed and submitted again after a return
    COMMITTEE_PASSED = "committee_passed"  # the committee's review passed it: nothing more to remind


class DeliveryStatus(StrEnum):
    """Where one (subscriber, channel, window version, alert kind) row of the ledger stands."""

    PENDING = "pending"  # planned, not yet claimed
    SENDING = "sending"  # claimed for a send by a worker holding a lease; left so only by a crash
    SENT = "sent"
    FAILED = "failed"  # the send failed; retried with backoff until the window closes
    DEAD = "dead"  # given up: the window closed while it kept failing
    SKIPPED = "skipped"  # no longer useful when it came due (never sent late)


class WindowStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"  # an edit or re-extraction replaced it; kept, never deleted
    ESTIMATE = "estimate"  # made from last season's dates, not published


class SubscriberStatus(StrEnum):
    """Whether a subscriber is told anything (issue 15)."""

    PENDING = "pending"  # signed up on the web, not yet confirmed (double opt-in, WxPusher scan)
    ACTIVE = "active"  # told; may be paused until a date (``paused_until``)
    UNSUBSCRIBED = "unsubscribed"  # told nothing; the row stays so its manage link still answers


class SubscriberOrigin(StrEnum):
    """Who manages a subscriber: ``config`` rows are synced from ``[[subscribers]]`` at every run."""

    CONFIG = "config"
    CLI = "cli"  # `zcwatch subscribers add` / `import`
    WEB = "web"  # the /subscribe page


class ChannelType(StrEnum):
    """How a subscriber is reached. Only ``apprise`` stores a full Apprise URL (an operator wrote it);
    the web's channels store the address alone and combine it with the operator's sender when sending."""

    APPRISE = "apprise"
    EMAIL = "email"  # an address; sent through [web] mail_url
    WXPUSHER = "wxpusher"  # a WxPusher UID; sent with [web] wxpusher_app_token
    WECOMBOT = "wecombot"  # a WeCom group bot key (the user's own bot)


class ReviewAction(StrEnum):
    """What a member of staff did to a window (issue 16); the word stored in ``window_reviews``."""

    CONFIRM = "confirm"  # the dates as read are right
    CORRECT = "correct"  # dates, step or committee set by hand
    DISMISS = "dismiss"  # not a window at all: hidden, told to nobody
    ADD = "add"  # a window no notice gave (announced by phone, in a meeting)


class StaffAction(StrEnum):
    """What the audit log records besides window reviews: every staff action that changes something."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SUBSCRIBER_REMOVE = "subscriber_remove"
    DELIVERY_RETRY = "delivery_retry"
    STAFF_ADD = "staff_add"
    STAFF_PASSWORD = "staff_password"
    STAFF_TOKEN = "staff_token"
    STAFF_REMOVE = "staff_remove"


class FetchStatus(StrEnum):
    PENDING = "pending"
    FETCHED = "fetched"
    EXTERNAL = "external"  # listed, but on a site we do not fetch
    FAILED = "failed"


class CrawlOutcome(StrEnum):
    """How one crawl of one source ended, worst first when several apply (crawler.outcome)."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # the listing was read but some notices failed
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    BLOCKED = "blocked"  # an anti-bot challenge: never bypassed
    LAYOUT_SUSPECT = "layout_suspect"  # no items, far fewer than last time, or only the fallback read it
    TOO_LARGE = "too_large"
    ERROR = "error"  # the crawl process itself failed


WINDOW_KINDS: tuple[str, ...] = tuple(m.value for m in WindowKind)
WINDOW_ALERT_KINDS: tuple[str, ...] = tuple(m.value for m in AlertKind)
REMINDER_KINDS: tuple[str, ...] = tuple(m.value for m in ReminderKind)
# Everything the ledger's alert_kind may say: a window's alerts, then an application's reminders.
ALERT_KINDS: tuple[str, ...] = WINDOW_ALERT_KINDS + REMINDER_KINDS
APPLICATION_EVENTS: tuple[str, ...] = tuple(m.value for m in ApplicationEvent)
DELIVERY_STATUSES: tuple[str, ...] = tuple(m.value for m in DeliveryStatus)
WINDOW_STATUSES: tuple[str, ...] = tuple(m.value for m in WindowStatus)
SUBSCRIBER_STATUSES: tuple[str, ...] = tuple(m.value for m in SubscriberStatus)
SUBSCRIBER_ORIGINS: tuple[str, ...] = tuple(m.value for m in SubscriberOrigin)
CHANNEL_TYPES: tuple[str, ...] = tuple(m.value for m in ChannelType)
REVIEW_ACTIONS: tuple[str, ...] = tuple(m.value for m in ReviewAction)
AUDIT_ACTIONS: tuple[str, ...] = REVIEW_ACTIONS + tuple(m.value for m in StaffAction)
FETCH_STATUSES: tuple[str, ...] = tuple(m.value for m in FetchStatus)
CRAWL_OUTCOMES: tuple[str, ...] = tuple(m.value for m in CrawlOutcome)

# Plain strings (not members) so they print and repr as stored: "apply", never "<WindowKind.APPLY…>".

# What a subscriber who names no kinds is told about: the two steps an applicant acts on.
DEFAULT_SUBSCRIBED_KINDS: tuple[str, ...] = (WindowKind.APPLY.value, WindowKind.ACCEPT.value)

# The Chinese name of each window kind, shared by alert messages, the digest and the board.
KIND_LABELS: dict[str, str] = {
    WindowKind.APPLY: "网上申报",
    WindowKind.ACCEPT: "受理",
    WindowKind.UNIT_REVIEW: "单位审核/推荐",
    WindowKind.PAPER: "纸质材料",
    WindowKind.FEE: "缴费",
    WindowKind.REVIEW: "评审",
    WindowKind.OTHER: "其他",
}

# The Chinese name of each application event, for the manage page, the CLI and reminders.
EVENT_LABELS: dict[str, str] = {
    ApplicationEvent.SUBMITTED: "已提交申报",
    ApplicationEvent.OFFICE_PASSED: "区初审通过",
    ApplicationEvent.SMS: "收到纸质材料短信",
    ApplicationEvent.RETURNED: "被退案",
    ApplicationEvent.RESUBMITTED: "已修改重新申报",
    ApplicationEvent.COMMITTEE_PASSED: "评委会审核通过",
}

# What each reminder asks of the applicant, in short (the manage page's "next reminder", the CLI's list).
REMINDER_LABELS: dict[str, str] = {
    ReminderKind.CHECK_RESULT: "查看初审结果",
    ReminderKind.CONTACT_OFFICE: "联系区办确认初审",
    ReminderKind.EXPECT_SMS: "留意纸质材料短信",
    ReminderKind.CHASE_SMS: "致电确认纸质材料短信",
    ReminderKind.NO_WAIT_SMS: "不必等待短信，准备纸质材料",
    ReminderKind.RESUBMIT: "修改后重新申报",
    ReminderKind.CHECK_STATUS: "查看评审进度",
}

# How the board, the digest and alerts mark a window a member of staff confirmed, corrected or added.
REVIEWED_LABEL = "人工核对"


def kind_label(kind: str) -> str:
    """The label for a kind; an unknown kind is shown as it is rather than hidden."""
    return KIND_LABELS.get(kind, kind)
