"""WeCom group bot (``wecombot://``) that also reads WeCom's answer, registered over Apprise's own.

WeCom answers HTTP 200 even when it refuses a message (a deleted bot, a wrong key, a rate limit):
the refusal is ``{"errcode": 93000, "errmsg": …}`` in the body. Apprise 2.x's plugin only looks at
the status, so a refused alert would be recorded as sent and never retried. This subclass sends
the same payload and also treats a non-zero ``errcode`` as a failure. Everything else (URL
forms, native https://qyapi.weixin.qq.com/… URLs, privacy masking) is Apprise's.

Registered once, by importing ``notifier.channels``. DingTalk and ServerChan have the same gap in
Apprise 2.3; their signing and payloads differ, and they are left as documented limits.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from apprise.common import NotifyType
from apprise.manager_plugins import NotificationManager
from apprise.plugins.wecombot import NotifyWeComBot


class CheckedWeComBot(NotifyWeComBot):
    def send(
        self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, **kwargs: Any
    ) -> bool:
        payload = {"msgtype": "text", "text": {"content": body}}
        headers = {"User-Agent": self.app_id, "Content-Type": "application/json; charset=utf-8"}
        self.throttle()
        try:
            r = requests.post(
                self.api_url,
                data=json.dumps(payload).encode("utf-8"),
                headers=headers,
                verify=self.verify_certificate,
                timeout=self.request_timeout,
                allow_redirects=self.redirects,
            )
        except requests.RequestException as e:
            self.logger.warning("A Connection error occurred sending WeCom Bot notification.")
            self.logger.debug(f"Socket Exception: {e!s}")
            return False
        if r.status_code != requests.codes.ok:
            status = NotifyWeComBot.http_response_code_lookup(r.status_code)
            sep = ", " if status else ""
            self.logger.warning(f"Failed to send WeCom Bot notification: {status}{sep}error={r.status_code}.")
            return False
        try:
            answer = r.json()
        except ValueError:
            answer = {}
        code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        if code:
            self.logger.warning(
                f"WeCom Bot refused the notification: errcode={code} {str(answer.get('errmsg', ''))[:100]}"
            )
            return False
        self.logger.info("Sent WeCom Bot notification.")
        return True


def register() -> None:
    NotificationManager().add(CheckedWeComBot, schemas="wecombot", force=True)
