"""Real SMS providers' delivery-status callbacks, verified as each provider documents
and turned into a ``ProviderReceipt`` (``movements.domain.actions.receipts``).

Twilio (``twilio://`` in Apprise): the StatusCallback of a message, a form POST with
``MessageSid``, ``MessageStatus``, ``To``, ``ErrorCode`` ... and the header
``X-Twilio-Signature``: base64 of HMAC-SHA1, keyed with the account's Auth Token, over the
full URL Twilio called followed by every POST parameter's name and value, sorted by
name, with no separators (Twilio, "Webhooks security", twilio.com/docs/usage/security
#validating-requests; the same as twilio-python's ``RequestValidator.compute_signature``,
whose test vector tests/notify/test_provider_receipts.py checks).  Twilio's library is
not used for these few lines: it would bring its own HTTP stack (aiohttp) along.
Statuses (Twilio, "Message resource", Status values): delivered, read -> delivered;
failed, undelivered, canceled -> failed (with ``ErrorCode``: 30003 "Unreachable destination
handset" and so on); queued, accepted, scheduled, sending, sent -> pending.

Vonage (``vonage://``, Apprise's plugin sends through the SMS API, rest.nexmo.com/sms/json):
the SMS API's delivery receipt, a POST (form or JSON; set the account's webhook method
to POST or POST-JSON) with ``messageId``, ``msisdn`` (our recipient, digits only),
``status``, ``err-code``, and, with signed webhooks enabled, ``sig``, ``timestamp`` and
``nonce``.  The signature (Vonage, "Signing Messages", developer.vonage.com/getting-
started/concepts/signing-messages; as vonage-python-sdk's ``check_signature``): every
parameter but ``sig``, sorted by name, as ``&name=value`` with ``&`` and ``=`` in values
replaced by ``_``; "md5hash" is MD5 of that string followed by the signature secret
(lower-case hex), the HMAC methods (md5, sha1, sha256, sha512) are HMAC of the string
keyed with the secret (hex, compared without case).  Statuses (Vonage, "Delivery
receipts"): delivered -> delivered; expired, failed, rejected -> failed (with
``err-code``); accepted, buffered, unknown -> pending.  Vonage gives each part of a long
SMS its own messageId and receipt.

Every refusal raises :class:`BadReceipt` with the HTTP status and a message saying what
was wrong and where; nothing is written for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from movements.domain.actions.receipts import DELIVERED, FAILED, PENDING, ProviderReceipt

#: A Vonage receipt's signed ``timestamp`` may be this old (seconds).  Receipts are
#: idempotent, so a replay inside the window changes nothing; the window only bounds
#: how long a captured receipt can be replayed at all.
VONAGE_TOLERANCE = 24 * 3600

TWILIO_STATUSES = {
    "delivered": DELIVERED, "read": DELIVERED,
    "failed": FAILED, "undelivered": FAILED, "canceled": FAILED,
    "queued": PENDING, "accepted": PENDING, "scheduled": PENDING, "sending": PENDING,
    "sent": PENDING,
}
#: Twilio's commonest delivery errors (Twilio error dictionary, 30001-30008).
TWILIO_ERRORS = {
    "30001": "queue overflow", "30002": "account suspended",
    "30003": "unreachable destination handset", "30004": "message blocked",
    "30005": "unknown destination handset", "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier", "30008": "unknown error",
}
VONAGE_STATUSES = {
    "delivered": DELIVERED, "expired": FAILED, "failed": FAILED, "rejected": FAILED,
    "accepted": PENDING, "buffered": PENDING, "unknown": PENDING,
}
#: Vonage's delivery receipt error codes (SMS API, "Delivery receipt error codes").
VONAGE_ERRORS = {
    "1": "unknown", "2": "absent subscriber (temporary)",
    "3": "absent subscriber (permanent)", "4": "call barred by user",
    "5": "portability error", "6": "anti-spam rejection", "7": "handset busy",
    "8": "network error", "9": "illegal number", "10": "illegal message",
    "11": "unroutable", "12": "destination unreachable", "13": "subscriber age restriction",
    "14": "number blocked by carrier", "15": "prepaid insufficient funds",
    "99": "general error",
}
VONAGE_METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")


class BadReceipt(Exception):
    """A callback refused: ``status`` is the HTTP answer, ``message`` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _field(params: Mapping[str, str], name: str, provider: str, longest: int = 100) -> str:
    value = (params.get(name) or "").strip()
    if not value or len(value) > longest:
        raise BadReceipt(400, f"{provider} receipt field {name!r}: missing or longer than "
                              f"{longest} characters")
    return value


def _e164(value: str, provider: str, name: str) -> str:
    digits = value.removeprefix("+")
    if not digits.isdigit() or not 6 <= len(digits) <= 15:
        raise BadReceipt(400, f"{provider} receipt field {name!r}: {value!r} is not a "
                              f"phone number")
    return "+" + digits


def twilio_signature(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """Twilio's X-Twilio-Signature for a form POST to ``url`` with ``params``."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode("ascii")


def twilio_receipt(url: str, params: Mapping[str, str], signature: str | None,
                   auth_token: str) -> ProviderReceipt:
    """Verify and read a Twilio StatusCallback (``url``: the full URL Twilio called,
    our public address; ``params``: the form fields).  Raises BadReceipt: 401 for a
    missing or wrong signature, 400 for a missing field or a status that is not an
    outgoing message's."""
    if not signature:
        raise BadReceipt(401, "twilio receipt: no X-Twilio-Signature header")
    expected = twilio_signature(url, params, auth_token)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise BadReceipt(401, f"twilio receipt: X-Twilio-Signature does not verify for "
                              f"{url} (the URL must be the one Twilio calls: "
                              f"MOVEMENTS_PUBLIC_URL + /outbox/receipts/twilio)")
    sid = _field(params, "MessageSid", "twilio", 64)
    status = _field(params, "MessageStatus", "twilio", 24).lower()
    if status not in TWILIO_STATUSES:
        raise BadReceipt(400, f"twilio receipt field 'MessageStatus': {status!r} is not a "
                              f"sent message's status ({', '.join(TWILIO_STATUSES)})")
    to = _e164(_field(params, "To", "twilio", 40).removeprefix("whatsapp:"), "twilio", "To")
    code = (params.get("ErrorCode") or "").strip()
    reason = (f"error {code}: {TWILIO_ERRORS[code]}" if code in TWILIO_ERRORS
              else f"error {code}" if code else None)
    return ProviderReceipt("twilio", sid, to, status, TWILIO_STATUSES[status], reason)


def vonage_signature(params: Mapping[str, str], secret: str, method: str) -> str:
    """Vonage's ``sig`` over ``params`` (without ``sig``) with ``method``."""
    signed = "".join(f"&{name}={params[name].replace('&', '_').replace('=', '_')}"
                     for name in sorted(params) if name != "sig")
    if method == "md5hash":
        return hashlib.md5((signed + secret).encode("utf-8")).hexdigest()
    return hmac.new(secret.encode("utf-8"), signed.encode("utf-8"), method).hexdigest()


def vonage_receipt(params: Mapping[str, str], secret: str, method: str = "md5hash", *,
                   now: float | None = None) -> ProviderReceipt:
    """Verify and read a Vonage SMS API delivery receipt (``params``: the form or JSON
    fields, as strings).  Raises BadReceipt: 401 for a missing or wrong ``sig`` or a
    ``timestamp`` outside ``VONAGE_TOLERANCE``, 400 for a missing field or an unknown
    status."""
    if method not in VONAGE_METHODS:
        raise BadReceipt(500, f"MOVEMENTS_NOTIFY_VONAGE_SIGNATURE_METHOD {method!r}: one of "
                              f"{', '.join(VONAGE_METHODS)}")
    given = (params.get("sig") or "").strip()
    if not given:
        raise BadReceipt(401, "vonage receipt: no 'sig' (enable signed webhooks for the "
                              "account)")
    if not hmac.compare_digest(vonage_signature(params, secret, method).lower().encode(),
                               given.lower().encode()):
        raise BadReceipt(401, f"vonage receipt: 'sig' does not verify ({method})")
    try:
        stamp = int(params.get("timestamp") or "")
    except ValueError:
        raise BadReceipt(401, "vonage receipt field 'timestamp': not Unix seconds") from None
    if abs((time.time() if now is None else now) - stamp) > VONAGE_TOLERANCE:
        raise BadReceipt(401, f"vonage receipt field 'timestamp': {stamp} is more than "
                              f"{VONAGE_TOLERANCE // 3600} hours away from now")
    ref = _field(params, "messageId", "vonage", 64)
    status = _field(params, "status", "vonage", 24).lower()
    if status not in VONAGE_STATUSES:
        raise BadReceipt(400, f"vonage receipt field 'status': {status!r} is not one of "
                              f"{', '.join(VONAGE_STATUSES)}")
    to = _e164(_field(params, "msisdn", "vonage", 20), "vonage", "msisdn")
    code = (params.get("err-code") or "").strip()
    reason = (f"err-code {code}: {VONAGE_ERRORS[code]}" if code in VONAGE_ERRORS
              else f"err-code {code}" if code and code != "0" else None)
    return ProviderReceipt("vonage", ref, to, status, VONAGE_STATUSES[status], reason,
                           per_segment=True)


__all__ = ["TWILIO_STATUSES", "VONAGE_METHODS", "VONAGE_STATUSES", "VONAGE_TOLERANCE",
           "BadReceipt", "twilio_receipt", "twilio_signature", "vonage_receipt",
           "vonage_signature"]
