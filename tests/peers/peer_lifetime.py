"""PEER_CREDENTIALS_TTL: every temporary credential the AWS peer hands out expires this many
seconds after it is issued, whatever DurationSeconds asked for.

A deliberate departure from AWS, for tests only: real STS never issues a session shorter than
900 s (and the AWS CLI refuses to ask for one), so a test of renewal across several credential
rotations would take most of an hour against it. With this switch the same AssumeRole /
AssumeRoleWithWebIdentity request gets an answer whose Expiration is N seconds away; with
PEER_EXPIRE_CREDS=1 (and IAM enforcement on) the keys are refused afterwards, as on AWS.
Everything else about the answer is unchanged. Off (stock lifetimes) when unset.
"""
import os

from moto.sts import models as sts_models

CREDENTIALS_TTL = int(os.environ.get("PEER_CREDENTIALS_TTL", "0") or "0")

_stock_assumed_role_init = sts_models.AssumedRole.__init__


def _short_lived_assumed_role_init(self, *args, **kwargs):
    # moto computes Expiration in __init__ from `duration`; every STS session (AssumeRole,
    # web identity, SAML, and the sessions the Identity Center routes hand out) passes here.
    if "duration" in kwargs:
        kwargs["duration"] = min(int(kwargs["duration"]), CREDENTIALS_TTL)
    _stock_assumed_role_init(self, *args, **kwargs)


def install():
    """Applies the switch when PEER_CREDENTIALS_TTL is set; returns the TTL (0 = off)."""
    if CREDENTIALS_TTL > 0:
        sts_models.AssumedRole.__init__ = _short_lived_assumed_role_init
    return CREDENTIALS_TTL
