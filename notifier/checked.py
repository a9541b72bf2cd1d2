"""Chat-bot channels that also read the service's answer, registered over Apprise's own plugins.

WeCom bots, DingTalk bots and ServerChan answer HTTP 200 even when they refuse a message (a deleted
bot, a wrong key, a keyword filter, a rate limit): the refusal is ``{"errcode": 93000, …}`` or
``{"code": 40001, …}`` in the body. Apprise 2.x's plugins for these three only look at the status,
so a refused alert would be recorded as sent and never retried. The subclasses below send exactly
the payload Apprise would and also treat a non-zero code as a failure; everything else (URL forms,
native https:// URLs, privacy masking, signing) is Apprise's. ``register()`` is called once, on
the first URL ``notifier.channels`` parses. (Apprise's WeCom app, WxPusher, PushPlus and Feishu
plugins already check the body.)
"""

from __future__ import annotations

import json
from typing import Any

import requests
from apprise import NotifyBase
from apprise.common import NotifyFormat, NotifyType
from apprise.manager_plugins import NotificationManager
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.serverchan import NotifyServerChan
from apprise.plugins.wecombot import NotifyWeComBot


def post_checked(
    plugin: NotifyBase,
    service: str,
    url: str,
    *,
    json_body: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    code_key: str = "errcode",
    message_key: str = "errmsg",
) -> bool:
    """POST like the Apprise plugin does; False on a transport error, a non-200, or a non-zero code."""
    headers = {"User-Agent": plugin.app_id}
    if json_body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    plugin.throttle()
    try:
        r = requests.post(
            url,
            data=json.dumps(json_body).encode("utf-8") if json_body is not None else form,
            headers=headers,
            params=params,
            verify=plugin.verify_certificate,
            timeout=plugin.request_timeout,
            allow_redirects=plugin.redirects,
        )
    except requests.RequestException as e:
        plugin.logger.warning(f"A Connection error occurred sending {service} notification.")
        plugin.logger.debug(f"Socket Exception: {e!s}")
        return False
    if r.status_code != requests.codes.ok:
        status = plugin.http_response_code_lookup(r.status_code)
        sep = ", " if status else ""
        plugin.logger.warning(f"Failed to send {service} notification: {status}{sep}error={r.status_code}.")
        return False
    try:
        answer = r.json()
    except ValueError:
        answer = {}
    code = answer.get(code_key, 0) if isinstance(answer, dict) else 0
    if code:
        detail = str(answer.get(message_key, ""))[:100]
        plugin.logger.warning(f"{service} refused the notification: {code_key}={code} {detail}")
        return False
    plugin.logger.info(f"Sent {service} notification.")
    return True


class CheckedWeComBot(NotifyWeComBot):
    def send(
        self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, **kwargs: Any
    ) -> bool:
        payload = {"msgtype": "text", "text": {"content": body}}
        return post_checked(self, "WeCom Bot", self.api_url, json_body=payload)


class CheckedDingTalk(NotifyDingTalk):
    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        body_format: NotifyFormat | None = None,
        **kwargs: Any,
    ) -> bool:
        payload: dict[str, Any] = {"msgtype": "text", "at": {"atMobiles": self.targets, "isAtAll": False}}
        if body_format == NotifyFormat.MARKDOWN:
            title = " ".join(title.split()).lstrip("#- ")
            text = f"# {title}\n{body}" if title else body
            payload["markdown"] = {"title": title or self.app_desc, "text": text}
            payload["msgtype"] = "markdown"
        else:
            payload["text"] = {"content": f"{title}\r\n{body}" if title else body}
        params = None
        if self.secret:
            timestamp, signature = self.get_signature()
            params = {"timestamp": timestamp, "sign": signature}
        url = self.notify_url.format(token=self.token)
        return post_checked(self, "DingTalk", url, json_body=payload, params=params)


class CheckedServerChan(NotifyServerChan):
    def send(
        self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, **kwargs: Any
    ) -> bool:
        url = self.notify_url.format(token=self.token)
        return post_checked(
            self,
            "ServerChan",
            url,
            form={"title": title, "desp": body},
            code_key="code",
            message_key="message",
        )


def register() -> None:
    manager = NotificationManager()
    for plugin, schema in (
        (CheckedWeComBot, "wecombot"),
        (CheckedDingTalk, "dingtalk"),
        (CheckedServerChan, "schan"),
    ):
        manager.add(plugin, schemas=schema, force=True)
