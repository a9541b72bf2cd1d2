"""Configuration: bad files end in one line naming file and key (exit 2); good ones load and print masked.

Every case is a real file in tmp_path, loaded both through ``core.config.load_config`` and through
the installed ``zcwatch`` command in a subprocess.
"""

from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli import REPO, one_line, run_zcwatch

from core.config import Config, load_config, template_text
from core.errors import EXIT_USAGE, ConfigError
from notifier.channels import validate_url
from store.migrate import LATEST

# A subscriber table that is valid apart from what a case adds to it.
SUB = '[[subscribers]]\nname = "卫生系列"\nurls = ["json://localhost:8080/hook"]\n'
SRC = "https://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"


@dataclass(frozen=True)
class Bad:
    id: str
    text: str
    key: str | None  # None: the file itself is the problem (missing, not TOML)
    problem: str  # a fragment of the message
    secret: str | None = None  # must appear nowhere in the output
    write: bool = True  # False: the file does not exist


BAD = [
    Bad("unknown-top-level", 'colour = "red"\n', "colour", "unknown key"),
    Bad("unknown-in-section", "[crawl]\ndelay = 2\ncolour = 1\n", "crawl.colour", "unknown key"),
    Bad("unknown-in-subscriber", SUB + 'colour = "red"\n', "subscribers[0].colour", "unknown key"),
    Bad(
        "unknown-in-second-source",
        f'[[sources]]\nname = "a"\nurl = "{SRC}"\n[[sources]]\nname = "b"\nurl = "{SRC}"\nurll = "x"\n',
        "sources[1].urll",
        "unknown key",
    ),
    Bad(
        "selector-not-css",
        f'[[sources]]\nname = "gd"\nurl = "{SRC}"\n[sources.selectors]\nitem = "div.list >> li"\n',
        "sources[0].selectors.item",
        "not a CSS selector",
    ),
    Bad(
        "selector-unknown",
        f'[[sources]]\nname = "gd"\nurl = "{SRC}"\n[sources.selectors]\nlisting = "li"\n',
        "sources[0].selectors.listing",
        "unknown key",
    ),
    Bad(
        "selector-not-a-string",
        f'[[sources]]\nname = "gd"\nurl = "{SRC}"\n[sources.selectors]\nbody = 3\n',
        "sources[0].selectors.body",
        "expected a string",
    ),
    Bad("unknown-section", "[crawler]\ndelay = 2\n", "crawler", "unknown key"),
    Bad("section-not-a-table", "crawl = 3\n", "crawl", "expected a table"),
    Bad("delay-string", '[crawl]\ndelay = "2"\n', "crawl.delay", "got str"),
    Bad("lead-days-bool", "[alerts]\nlead_days = true\n", "alerts.lead_days", "got a boolean"),
    Bad(
        "subscriber-lead-days-bool", SUB + "lead_days = false\n", "subscribers[0].lead_days", "got a boolean"
    ),
    Bad("lead-days-float", "[alerts]\nlead_days = 30.5\n", "alerts.lead_days", "expected an integer"),
    Bad("lead-days-range", "[alerts]\nlead_days = 0\n", "alerts.lead_days", "between 1 and 120"),
    Bad("list-item-type", "[crawl]\nfollow_domains = [1]\n", "crawl.follow_domains[0]", "expected a string"),
    Bad(
        "source-url-ftp",
        '[[sources]]\nname = "gz"\nurl = "ftp://rsj.gz.gov.cn/ywzt/"\n',
        "sources[0].url",
        "not an http(s) URL",
    ),
    Bad(
        "source-url-no-host",
        '[[sources]]\nname = "gz"\nurl = "https:///ywzt/"\n',
        "sources[0].url",
        "not an http(s) URL",
    ),
    Bad(
        "source-url-not-a-column",
        '[[sources]]\nname = "gz"\nurl = "https://rsj.gz.gov.cn/ywzt"\n',
        "sources[0].url",
        "column URL",
    ),
    Bad("proxy-not-http", '[crawl]\nproxy = "socks5//proxy"\n', "crawl.proxy", "not an http(s) URL"),
    Bad(
        "web-mail-url-not-mail",
        '[web]\nmail_url = "json://127.0.0.1:9/x"\n',
        "web.mail_url",
        "an Apprise mailto:// or mailtos:// URL",
    ),
    Bad(
        "web-wxpusher-token-shape",
        '[web]\nwxpusher_app_token = "SecretTok123"\n',
        "web.wxpusher_app_token",
        "a WxPusher app token (AT_…)",
        secret="SecretTok123",
    ),
    Bad("web-wxpusher-api", '[web]\nwxpusher_api = "ftp://x"\n', "web.wxpusher_api", "an http(s) address"),
    Bad(
        "apprise-bad-wecombot-key",
        '[[subscribers]]\nname = "a"\nurls = ["wecombot://S3cretKey!xyz"]\n',
        "subscribers[0].urls[0]",
        "wecombot:// URL rejected",
        secret="S3cretKey!xyz",
    ),
    Bad(
        "apprise-bad-pushplus-token",
        '[[subscribers]]\nname = "a"\nurls = ["json://localhost/x", "pushplus://Tok3nSecret"]\n',
        "subscribers[0].urls[1]",
        "pushplus:// URL rejected",
        secret="Tok3nSecret",
    ),
    Bad(
        "apprise-unknown-service",
        '[[subscribers]]\nname = "a"\nurls = ["nosuch://user:Passw0rdX@host"]\n',
        "subscribers[0].urls[0]",
        "unsupported service nosuch://",
        secret="Passw0rdX",
    ),
    Bad(
        "apprise-not-a-url",
        '[digest]\nrecipients = ["me@example.com"]\n',
        "digest.recipients[0]",
        "not an Apprise URL",
    ),
    Bad(
        "missing-env-secret",
        '[[subscribers]]\nname = "a"\nurls = ["mailtos://me:${SMTP_PASSWORD}@163.com?to=me@example.com"]\n',
        "subscribers[0].urls[0]",
        "environment variable SMTP_PASSWORD is not set",
    ),
    Bad("subscriber-without-urls", '[[subscribers]]\nname = "a"\n', "subscribers[0].urls", "at least one"),
    Bad(
        "subscriber-bad-kind", SUB + 'kinds = ["apply", "exam"]\n', "subscribers[0].kinds[1]", "unknown kind"
    ),
    Bad("bad-timezone", 'timezone = "Asia/Beijing"\n', "timezone", "unknown time zone"),
    Bad("bad-timezone-path", 'timezone = "../../etc/passwd"\n', "timezone", "unknown time zone"),
    Bad("bad-hhmm-one-digit-hour", '[alerts]\nopens_at = "9:00"\n', "alerts.opens_at", "expected HH:MM"),
    Bad(
        "bad-hhmm-in-list",
        '[daemon]\ncrawl_times = ["08:40", "24:00"]\n',
        "daemon.crawl_times[1]",
        "expected HH:MM",
    ),
    Bad("bad-quiet-hours", SUB + 'quiet_hours = "22:00"\n', "subscribers[0].quiet_hours", "HH:MM-HH:MM"),
    Bad("bad-weekday", '[digest]\nweekday = "monday"\n', "digest.weekday", "one of mon"),
    Bad(
        "duplicate-source-names",
        f'[[sources]]\nname = "gz"\nurl = "{SRC}"\n[[sources]]\nname = "gz"\nurl = "{SRC}"\n',
        "sources[1].name",
        "duplicate source name 'gz'",
    ),
    Bad("duplicate-subscriber-names", SUB + SUB, "subscribers[1].name", "duplicate subscriber name"),
    Bad("database-not-sqlite", '[database]\nurl = "postgresql://db/zc"\n', "database.url", "sqlite"),
    # Values that parse but would hang or crash a run (issue 11): each number has a sane range.
    Bad("delay-inf", "[crawl]\ndelay = inf\n", "crawl.delay", "at most 300"),
    Bad("delay-nan", "[crawl]\ndelay = nan\n", "crawl.delay", "at most 300"),
    Bad("timeout-huge", "[crawl]\ntimeout = 1e23\n", "crawl.timeout", "at most 600"),
    Bad("timeout-zero", "[crawl]\ntimeout = 0\n", "crawl.timeout", "above 0"),
    Bad("jitter-huge", "[daemon]\njitter_seconds = 1000000000000\n", "daemon.jitter_seconds", "at most 3600"),
    Bad("admin-hours-inf", "[admin]\nhours = inf\n", "admin.hours", "at most 720"),
    Bad("review-below-above-one", "[extract]\nreview_below = 1.5\n", "extract.review_below", "at most 1"),
    Bad(
        "unterminated-env-ref",
        '[crawl]\ncontact = "${ZC_CONTACT"\n',
        "crawl.contact",
        "unterminated or malformed ${NAME}",
    ),
    Bad("not-toml", "timezone = Asia/Shanghai\n", None, "not valid TOML"),
    Bad("not-toml-duplicate-key", "[crawl]\ndelay = 2\ndelay = 3\n", None, "not valid TOML"),
    Bad("not-utf8", '# \xff\ntimezone = "Asia/Shanghai"\n', None, "not UTF-8"),
    Bad("office-phone-letters", '[office]\nphone = "call us"\n', "office.phone", "a telephone number"),
    Bad("office-name-empty", '[office]\nname = " "\n', "office.name", "at most 60 characters"),
    Bad("office-review-days-range", "[office]\nreview_days = 0\n", "office.review_days", "between 1 and 20"),
    Bad(
        "office-remind-at-order",
        '[office]\nremind_at = ["18:00", "09:00"]\n',
        "office.remind_at",
        "times in order, each once",
    ),
    Bad("office-remind-at-time", '[office]\nremind_at = ["9点"]\n', "office.remind_at[0]", "HH:MM"),
    Bad(
        "office-text-unknown-placeholder",
        '[office.texts]\ncontact_office = "请致电{telephone}"\n',
        "office.texts.contact_office",
        "unknown placeholder {telephone}",
    ),
    Bad(
        "office-text-broken-placeholder",
        '[office.texts]\nchase_sms = "请致电{phone"\n',
        "office.texts.chase_sms",
        "not a text with {placeholders}",
    ),
    Bad("office-unknown-key", "[office]\nfax = 1\n", "office.fax", "unknown key"),
    Bad("missing-file", "", None, "no such file", write=False),
]


def _write(tmp_path: Path, case: Bad) -> Path:
    path = tmp_path / "zcwatch.toml"
    if case.write:
        data = case.text.encode("latin-1") if case.id == "not-utf8" else case.text.encode("utf-8")
        path.write_bytes(data)
    return path


def _prefix(path: Path, key: str | None) -> str:
    return f"{path}: {key}: " if key else f"{path}: "


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_config_raises_config_error(tmp_path: Path, case: Bad, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    path = _write(tmp_path, case)
    with pytest.raises(ConfigError) as info:
        load_config(path, check_url=validate_url)
    err = info.value
    assert err.key == case.key
    assert str(err).startswith(_prefix(path, case.key)), str(err)
    assert case.problem in err.problem
    assert "\n" not in str(err)
    assert err.exit_code == EXIT_USAGE
    if case.secret:
        assert case.secret not in str(err)


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_config_through_cli_is_one_line_exit_2(tmp_path: Path, case: Bad) -> None:
    path = _write(tmp_path, case)
    proc = run_zcwatch(["--config", str(path), "config"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc.stderr)
    assert line.startswith("zcwatch: " + _prefix(path, case.key)), line
    assert case.problem in line
    assert proc.stdout == ""
    if case.secret:
        assert case.secret not in proc.stderr + proc.stdout


def test_every_command_validates_the_config_first(tmp_path: Path) -> None:
    """A command that would crawl still stops at the config (before any network I/O): exit 2."""
    path = tmp_path / "c.toml"
    path.write_text('[crawl]\ndelay = "slow"\n', encoding="utf-8")
    for args in (["crawl"], ["notices"], ["init"]):
        proc = run_zcwatch(["--config", str(path), *args], cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert one_line(proc.stderr).startswith(f"zcwatch: {path}: crawl.delay: ")
    assert not (tmp_path / "data").exists()


def test_database_path_errors_are_config_errors(tmp_path: Path) -> None:
    """A path that cannot hold a database is the config's fault: one line and exit 2, like any bad key."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for url in ("sqlite:///adir", "sqlite:///afile/sub/z.sqlite3"):
        path = tmp_path / "c.toml"
        path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        proc = run_zcwatch(["--config", str(path), "notices"], cwd=tmp_path)
        assert proc.returncode == 2, (url, proc.stderr)
        line = one_line(proc.stderr)
        assert line.startswith("zcwatch: "), line
        assert "[database] url" in line
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"


def test_no_sources_is_said_not_silently_replaced(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[crawl]\ndelay = 0\ncontact = "t@example.org"\n', encoding="utf-8")
    assert load_config(path).sources == ()
    proc = run_zcwatch(["--config", str(path), "crawl"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert one_line(proc.stderr) == (
        f"zcwatch: {path}: sources: no [[sources]] table: nothing to crawl "
        "(the template from `zcwatch init` has the Guangzhou column)"
    )
    # `run` still plans alerts from what is stored, and says on every run that nothing was crawled.
    ran = run_zcwatch(["--config", str(path), "run"], cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr
    assert one_line(ran.stderr) == "zcwatch: no [[sources]] in the config: nothing was crawled"


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'[crawl]\ncontact = "bom@example.org"\n')
    assert load_config(path).crawl.contact == "bom@example.org"


# --- good configurations --------------------------------------------------------------------------------


def test_shipped_config_loads_and_documents_the_defaults() -> None:
    path = REPO / "config.toml"
    config = load_config(path)
    # "the value shown is the default": the shipped file changes nothing.
    assert config == Config(path=path)
    assert config.sources[0].url.startswith("https://rsj.gz.gov.cn/")


def test_template_equals_repo_config_byte_for_byte() -> None:
    template = REPO / "core" / "config_template.toml"
    assert template.read_bytes() == (REPO / "config.toml").read_bytes()
    assert template_text().encode("utf-8") == template.read_bytes()


def test_env_interpolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", "abcd-efgh")
    monkeypatch.setenv("ZC_CONTACT", "ops@example.org")
    monkeypatch.setenv("ZC_DB", str(tmp_path / "db" / "z.sqlite3"))
    path = tmp_path / "c.toml"
    path.write_text(
        'timezone = "Asia/Shanghai"\n'
        '[database]\nurl = "sqlite:///${ZC_DB}"\n'
        '[crawl]\ncontact = "${ZC_CONTACT}"\n'
        '[[subscribers]]\nname = "a"\n'
        'urls = ["mailtos://me:${SMTP_PASSWORD}@163.com?to=me@example.com"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.crawl.contact == "ops@example.org"
    assert "ops@example.org" in config.crawl.effective_user_agent
    assert config.subscribers[0].urls == ("mailtos://me:abcd-efgh@163.com?to=me@example.com",)
    assert config.database_path == tmp_path / "db" / "z.sqlite3"


def test_relative_database_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "c.toml"
    path.parent.mkdir()
    path.write_text('[database]\nurl = "sqlite:///data/x.sqlite3"\n', encoding="utf-8")
    assert load_config(path).database_path == tmp_path / "etc" / "data" / "x.sqlite3"


def test_config_command_masks_secrets(tmp_path: Path) -> None:
    password = "Sm7pAuthCode9"
    bot_key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    proxy_password = "Pr0xyPw"
    path = tmp_path / "c.toml"
    path.write_text(
        '[crawl]\nproxy = "http://u:${PROXY_PW}@proxy.example:3128"\n'
        f'[[sources]]\nname = "gz-pstz"\nurl = "{SRC}"\n'
        '[[subscribers]]\nname = "卫生系列"\n'
        'urls = ["mailtos://me:${SMTP_PASSWORD}@163.com?to=me@example.com",\n'
        f'        "wecombot://{bot_key}"]\n'
        'committees = ["卫生"]\n'
        f'[digest]\nrecipients = ["wecombot://{bot_key}"]\n'
        '[web]\nmail_url = "mailtos://zc:${SMTP_PASSWORD}@smtp.qq.com?from=zc@qq.com"\n'
        'wxpusher_app_token = "AT_WxPusherTok3nSecret"\n',
        encoding="utf-8",
    )
    proc = run_zcwatch(
        ["--config", str(path), "config"],
        cwd=tmp_path,
        env={"SMTP_PASSWORD": password, "PROXY_PW": proxy_password},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    for secret in (password, bot_key, proxy_password, "WxPusherTok3nSecret"):
        assert secret not in out
    # Still useful: the effective values are readable and the output is TOML.
    data = tomllib.loads(out)
    assert data["subscribers"][0]["name"] == "卫生系列"
    assert data["subscribers"][0]["committees"] == ["卫生"]
    assert len(data["subscribers"][0]["urls"]) == 2
    assert data["subscribers"][0]["urls"][0].startswith("mailtos://")
    assert data["subscribers"][0]["urls"][1].startswith("wecombot://")
    assert data["crawl"]["proxy"] == "http://u:****@proxy.example:3128"
    assert (
        data["web"]["mail_url"].startswith("mailtos://zc:****@")
        and data["web"]["wxpusher_app_token"] == "AT_****"
    )
    # A stored subscriber's own fields are not [[subscribers]] keys: the dump reads back as a config.
    assert set(data["subscribers"][0]) <= {
        "name",
        "urls",
        "config",
        "tags",
        "committees",
        "kinds",
        "quiet_hours",
    }
    assert data["sources"][0]["name"] == "gz-pstz"


def test_config_env_var_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text("[alerts]\nlead_days = 14\n", encoding="utf-8")
    proc = run_zcwatch(["config"], cwd=tmp_path, env={"ZCWATCH_CONFIG": str(path)})
    assert proc.returncode == 0, proc.stderr
    assert tomllib.loads(proc.stdout)["alerts"]["lead_days"] == 14


def test_init_in_empty_dir(tmp_path: Path) -> None:
    proc = run_zcwatch(["init"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = tmp_path / "config.toml"
    db = tmp_path / "data" / "zcwatch.sqlite3"
    assert config.read_text(encoding="utf-8") == template_text()
    assert db.is_file()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert {"sources", "notices", "windows", "deliveries", "incidents", "meta"} <= tables


def test_init_leaves_an_existing_config_untouched(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    mine = '# mine\ntimezone = "Asia/Shanghai"\n[alerts]\nlead_days = 21\n'
    config.write_text(mine, encoding="utf-8")
    before = config.stat().st_mtime_ns
    proc = run_zcwatch(["init"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "left as it is" in proc.stdout
    assert config.read_text(encoding="utf-8") == mine
    assert config.stat().st_mtime_ns == before
    assert (tmp_path / "data" / "zcwatch.sqlite3").is_file()


def test_init_with_an_invalid_existing_config_is_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlead_days = true\n", encoding="utf-8")
    proc = run_zcwatch(["init"], cwd=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc.stderr).startswith("zcwatch: config.toml: alerts.lead_days: ")
    assert config.read_text(encoding="utf-8") == "[alerts]\nlead_days = true\n"


def test_init_into_a_new_folder(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "zcwatch" / "config.toml"
    proc = run_zcwatch(["--config", str(config), "init"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert config.read_text(encoding="utf-8") == template_text()
    assert (config.parent / "data" / "zcwatch.sqlite3").is_file()
