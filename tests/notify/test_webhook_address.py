"""Webhooks post only to public https addresses, checked at save and again at send
(server-side request forgery): a kind, tried over IPv4, IPv6 and IPv4-mapped IPv6."""

from __future__ import annotations

import pytest

from movements.domain.actions.outbox import Outgoing
from movements.domain.errors import RuleViolation
from movements.domain.outbox_vocabulary import Channel
from movements.domain.webhook_address import check_webhook_url
from movements.i18n import gettext
from movements.notify.channels import send_webhook
from movements.notify.loopback import WebhookReceiver

INNER = [
    "https://127.0.0.1/logout", "https://127.8.9.10:8443/x", "https://localhost/h",
    "https://169.254.169.254/latest", "https://10.1.2.3/h", "https://172.16.0.9/h",
    "https://192.168.1.1/h", "https://100.64.0.1/h", "https://0.0.0.0/h",
    "https://224.0.0.1/h", "https://240.0.0.1/h", "https://255.255.255.255/h",
    "https://[::1]/h", "https://[::]/h", "https://[fe80::1]/h", "https://[fc00::5]/h",
    "https://[ff02::1]/h", "https://[::ffff:127.0.0.1]/h",
    "https://[::ffff:169.254.169.254]/h", "https://2130706433/h",
]
NOT_HTTPS = ["http://127.0.0.1:8120/logout", "http://93.184.215.14/h",
             "javascript:alert(1)", "ftp://93.184.215.14/h", "https:///nohost", "",
             "https://[::1/h", "file:///etc/passwd"]


@pytest.mark.parametrize("url", INNER)
def test_inner_addresses_are_refused(url: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_webhook_url(url)
    assert refused.value.field == "url" and "URL" in refused.value.message


@pytest.mark.parametrize("url", NOT_HTTPS)
def test_anything_but_https_is_refused(url: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_webhook_url(url)
    assert refused.value.field == "url"


def test_public_https_passes_and_the_setting_lets_loopback_in() -> None:
    assert check_webhook_url(" https://93.184.215.14/h ") == "https://93.184.215.14/h"
    assert check_webhook_url("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/h")
    assert check_webhook_url("http://127.0.0.1:8120/h", allow_private=True)
    with pytest.raises(RuleViolation):
        check_webhook_url("javascript:alert(1)", allow_private=True)


def test_an_unresolvable_name_is_refused() -> None:
    with pytest.raises(RuleViolation, match="does not resolve"):
        check_webhook_url("https://no-such-host.invalid/h")


def test_the_refusal_reads_in_dutch() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_webhook_url("https://169.254.169.254/latest")
    dutch = gettext(refused.value.phrase, "nl")
    assert "169.254.169.254" in dutch and dutch != refused.value.message


async def test_the_send_checks_again_and_posts_nothing_inside() -> None:
    partner = WebhookReceiver().start()
    try:
        message = Outgoing(1, "k-1", Channel.WEBHOOK, partner.url, "", "{}", 1,
                           secret="whsec_" + "A" * 32)
        partner.secret = message.secret or ""
        refused = await send_webhook(message, "https://movements.example")
        assert refused.detail.startswith("refused: URL")
        assert not refused.ok and partner.deliveries == []
        allowed = await send_webhook(message, "https://movements.example",
                                     allow_private=True)
        assert allowed.ok and len(partner.deliveries) == 1
    finally:
        partner.stop()
