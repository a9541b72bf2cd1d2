"""The replica (zcwatch.demo.replica and its test subclass) over real HTTP.

urllib with a ProxyHandler, exactly how a crawler reaches it.

Covers proxy-form dispatch on the real host names, conditional requests (ETag / Last-Modified / 304),
every fault, edits in place, new listing items, and the request log. The "hang" fault is tested with a
short client timeout and a private server that stop() must release promptly.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from email.utils import formatdate
from http.client import HTTPResponse

import pytest
from support.replica import COLUMN_URL, TOO_LARGE_BYTES, ReplicaServer
from support.replica_fixtures import proxy_opener, replica_fixture, replica_server_fixture  # noqa: F401

from crawler.pages import decode_html, detect_challenge, parse_listing, parse_notice

NOTICE = COLUMN_URL + "content/post_10999952.html"
GBK_BARE = "http://wjw.gz.gov.cn/ztzl/zcps/tzgg/content/post_10012345.html"
EDU = "http://www.gzhmu.edu.cn/rsc/info/1041/5678.htm"


def fetch(
    server: ReplicaServer, url: str, headers: dict[str, str] | None = None, timeout: float = 5
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body); HTTP errors are answers too, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with proxy_opener(server).open(request, timeout=timeout) as response:
            assert isinstance(response, HTTPResponse)
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def test_serves_column_through_proxy(replica: ReplicaServer) -> None:
    status, headers, body = fetch(replica, replica.column_url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    listing = parse_listing(decode_html(body, headers["Content-Type"])[0], replica.column_url)
    assert len(listing.items) == 10
    assert replica.proxy_url.startswith("http://127.0.0.1:")
    logged = replica.requests[-1]
    assert (logged.method, logged.host, logged.path, logged.status) == (
        "GET",
        "rsj.gz.gov.cn",
        urlpath(),
        200,
    )
    assert logged.bytes_sent == len(body)


def urlpath() -> str:
    return COLUMN_URL.removeprefix("http://rsj.gz.gov.cn")


def test_other_hosts_and_charsets(replica: ReplicaServer) -> None:
    status, headers, body = fetch(replica, GBK_BARE)
    assert status == 200
    assert headers["Content-Type"] == "text/html"  # no charset: the page must be sniffed
    assert decode_html(body, headers["Content-Type"])[1] == "gb18030"
    status, headers, _ = fetch(replica, EDU)
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    status, headers, body = fetch(replica, "http://rsj.gz.gov.cn/attachment/6/6850/6850001/10980012.pdf")
    assert (status, headers["Content-Type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF")


def test_robots_txt(replica: ReplicaServer) -> None:
    status, _, body = fetch(replica, "http://rsj.gz.gov.cn/robots.txt")
    assert status == 200
    assert b"Disallow: /search/" in body
    for host in ("wjw.gz.gov.cn", "www.gzhmu.edu.cn"):
        assert fetch(replica, f"http://{host}/robots.txt")[0] == 200


def test_404_and_redirect(replica: ReplicaServer) -> None:
    assert fetch(replica, COLUMN_URL + "content/post_10985530.html")[0] == 404  # the withdrawn notice
    assert fetch(replica, "http://example.com/")[0] == 404
    assert fetch(replica, "http://rsj.gz.gov.cn/../../etc/passwd")[0] == 404
    assert fetch(replica, "http://rsj.gz.gov.cn/%2e%2e/%2e%2e/README.md")[0] == 404
    # A directory without its slash redirects, as a web server does; urllib follows the redirect.
    status, _, body = fetch(replica, COLUMN_URL.rstrip("/"))
    assert status == 200 and "评委会评审通知".encode() in body
    assert [r.status for r in replica.requests[-2:]] == [301, 200]


def test_plain_path_request_means_rsj(replica: ReplicaServer) -> None:
    with urllib.request.urlopen(replica.proxy_url + urlpath() + "index_2.html", timeout=5) as response:
        assert response.status == 200
    assert replica.requests[-1].host == "rsj.gz.gov.cn"


def test_etag_and_if_modified_since(replica: ReplicaServer) -> None:
    status, headers, _ = fetch(replica, NOTICE)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert fetch(replica, NOTICE, {"If-None-Match": etag})[0] == 304
    assert fetch(replica, NOTICE, {"If-Modified-Since": last_modified})[0] == 304
    assert fetch(replica, NOTICE, {"If-Modified-Since": formatdate(0, usegmt=True)})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    assert fetch(replica, NOTICE, {"If-None-Match": '"other"', "If-Modified-Since": last_modified})[0] == 200
    assert replica.requests[1].status == 304 and replica.requests[1].bytes_sent == 0
    assert replica.requests[1].headers["If-None-Match"] == etag


def test_edit_changes_validators(replica: ReplicaServer) -> None:
    _, headers, body = fetch(replica, NOTICE)
    edited = body.decode().replace("2月14日", "2月21日")
    replica.edit(NOTICE, edited)
    status, new_headers, new_body = fetch(replica, NOTICE, {"If-None-Match": headers["ETag"]})
    assert status == 200 and new_body.decode() == edited
    assert new_headers["ETag"] != headers["ETag"]
    assert fetch(replica, NOTICE, {"If-Modified-Since": headers["Last-Modified"]})[0] == 200
    # Two edits within one second still move Last-Modified forward.
    replica.edit(NOTICE, edited + "<!-- again -->")
    status, newer, _ = fetch(replica, NOTICE, {"If-Modified-Since": new_headers["Last-Modified"]})
    assert status == 200 and newer["Last-Modified"] != new_headers["Last-Modified"]
    replica.reset()
    assert fetch(replica, NOTICE)[2] == body


def test_add_listing_item(replica: ReplicaServer) -> None:
    _, headers, _ = fetch(replica, replica.column_url)
    url = COLUMN_URL + "content/post_12000001.html"
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"></head><body><div class="content"><ucapcontent>'
        "<p>网上申报：2026年12月1日至12月19日。</p></ucapcontent></div></body></html>"
    )
    title = "关于做好2026年度广州市卫生专业技术人才高级职称评审工作的通知"
    replica.add_listing_item(title, url, "2026-11-20", html)
    status, new_headers, body = fetch(replica, replica.column_url, {"If-None-Match": headers["ETag"]})
    assert status == 200 and new_headers["ETag"] != headers["ETag"]
    listing = parse_listing(body.decode(), replica.column_url)
    assert len(listing.items) == 11
    assert [i.url for i in listing.items].index(url) == 2  # below the two pinned items
    assert listing.items[2].title == title and listing.items[2].date == "2026-11-20"
    status, _, page = fetch(replica, url)
    assert status == 200
    assert "2026年12月1日" in parse_notice(page.decode(), url).body
    # Conditional requests see the change through Last-Modified as well.
    assert fetch(replica, replica.column_url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 200
    replica.reset()
    assert fetch(replica, url)[0] == 404
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        replica.add_listing_item(title, url, "20 Nov 2026", html)


@pytest.mark.parametrize(("fault", "status"), [("http500", 500), ("http503", 503)])
def test_server_errors(replica: ReplicaServer, fault: str, status: int) -> None:
    replica.set_fault(fault)
    assert fetch(replica, replica.column_url)[0] == status
    assert fetch(replica, NOTICE)[0] == status
    replica.set_fault(None)
    assert fetch(replica, NOTICE)[0] == 200


def test_fault_on_one_path_only(replica: ReplicaServer) -> None:
    replica.set_fault("http500", urlpath() + "index_2.html")
    assert fetch(replica, COLUMN_URL + "index_2.html")[0] == 500
    assert fetch(replica, COLUMN_URL + "index.html")[0] == 200
    replica.set_fault("http503", urlpath())  # the directory means its index.html
    assert fetch(replica, COLUMN_URL + "index.html")[0] == 503
    with pytest.raises(ValueError, match="unknown fault"):
        replica.set_fault("explode")


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ("challenge412", 412, "HTTP 412 anti-bot challenge"),
        ("challenge521", 521, "HTTP 521 anti-bot challenge"),
        ("challenge200", 200, "JavaScript cookie challenge page"),
    ],
)
def test_challenges(replica: ReplicaServer, fault: str, status: int, reason: str) -> None:
    replica.set_fault(fault)
    got, headers, body = fetch(replica, replica.column_url)
    assert got == status
    text = decode_html(body, headers.get("Content-Type"))[0]
    assert detect_challenge(got, text) == reason
    assert "document.cookie" in text
    assert parse_listing(text, replica.column_url).items == []


def test_layout_fault_changes_listings_only(replica: ReplicaServer) -> None:
    _, _, normal = fetch(replica, replica.column_url)
    replica.set_fault("layout")
    status, _, body = fetch(replica, replica.column_url)
    assert status == 200 and body != normal
    listing = parse_listing(body.decode(), replica.column_url)
    assert listing.fallback and len(listing.items) == 10
    assert 'class="infoList"' not in body.decode()
    assert fetch(replica, NOTICE)[0] == 200
    assert parse_notice(fetch(replica, NOTICE)[2].decode(), NOTICE).template == "ucap"


def test_too_large(replica: ReplicaServer) -> None:
    replica.set_fault("too_large", urlpath() + "content/post_10999952.html")
    status, headers, body = fetch(replica, NOTICE, timeout=20)
    assert status == 200
    assert int(headers["Content-Length"]) == TOO_LARGE_BYTES == len(body)
    assert replica.requests[-1].bytes_sent == TOO_LARGE_BYTES


def test_robots_disallow_all(replica: ReplicaServer) -> None:
    replica.set_fault("robots_disallow_all")
    status, _, body = fetch(replica, "http://rsj.gz.gov.cn/robots.txt")
    assert status == 200 and body == b"User-agent: *\nDisallow: /\n"
    assert fetch(replica, replica.column_url)[0] == 200  # only robots.txt changes


def test_head_request(replica: ReplicaServer) -> None:
    request = urllib.request.Request(NOTICE, method="HEAD")
    with proxy_opener(replica).open(request, timeout=5) as response:
        assert response.status == 200 and response.read() == b""
    assert replica.requests[-1].method == "HEAD" and replica.requests[-1].bytes_sent == 0


def test_request_log_is_a_snapshot(replica: ReplicaServer) -> None:
    fetch(replica, NOTICE, {"User-Agent": "zcwatch-test/1.0"})
    snapshot = replica.requests
    fetch(replica, NOTICE)
    assert len(snapshot) == 1 and len(replica.requests) == 2
    assert snapshot[0].headers["User-Agent"] == "zcwatch-test/1.0"
    replica.clear_log()
    assert replica.requests == []


def test_hang_times_out_and_stop_releases_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    server = ReplicaServer().start()
    try:
        server.set_fault("hang")
        started = time.monotonic()
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            fetch(server, COLUMN_URL, timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 5  # the handler sleeping 30 s woke up
    with pytest.raises(RuntimeError):
        _ = server.proxy_url


def test_context_manager_and_default_root() -> None:
    with ReplicaServer() as server:
        assert server.root.name == "site"
        assert server.column_url == "http://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
    with pytest.raises(FileNotFoundError):
        ReplicaServer(root=server.root / "nope")
