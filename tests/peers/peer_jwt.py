"""JWT signature checks against an OpenID issuer's JWKS, shared by the STS web-identity checks
(aws_peer.py) and Identity Center's trusted token issuer (identity_center.py)."""
import base64
import json
import threading
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# The issuer is on loopback: a proxy from the environment must never see that traffic.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IssuerUnreachable(Exception):
    """Discovery or the JWKS could not be fetched (STS: IDPCommunicationError)."""


class UnknownSigningKey(Exception):
    """No key of the issuer's JWKS has the token's `kid`, even after a fresh fetch."""


class MalformedToken(Exception):
    """Not three base64url JSON parts."""


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_int(text):
    return int.from_bytes(b64url_decode(text), "big")


class IssuerKeys:
    """The issuer's JWKS, fetched through discovery once and again when a `kid` is unknown."""

    def __init__(self, issuer):
        self.issuer = issuer
        self.keys = None
        self.lock = threading.Lock()

    def _fetch_json(self, url):
        try:
            with _direct.open(url, timeout=5) as answer:
                return json.load(answer)
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise IssuerUnreachable(f"Couldn't reach the identity provider: {error}") from None

    def _fetch(self):
        discovery = self._fetch_json(f"{self.issuer}/.well-known/openid-configuration")
        try:
            self.keys = self._fetch_json(discovery["jwks_uri"]).get("keys", [])
        except (KeyError, AttributeError, TypeError):
            raise IssuerUnreachable("The identity provider's discovery document names no usable jwks_uri") from None

    def find(self, kid):
        with self.lock:
            if self.keys is None:
                self._fetch()
            match = [k for k in self.keys if kid is None or k.get("kid") == kid]
            if not match:
                self._fetch()  # the issuer may have rotated its keys since the last fetch
                match = [k for k in self.keys if kid is None or k.get("kid") == kid]
        if not match:
            raise UnknownSigningKey("Couldn't retrieve verification key from your identity provider")
        return match[0]


_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_CURVES = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}


def signature_is_valid(alg, jwk, signing_input, signature):
    family, bits = alg[:2], alg[2:]
    if bits not in _HASHES or family not in {"RS", "PS", "ES"}:
        return False
    digest = _HASHES[bits]()
    try:
        if family in {"RS", "PS"}:
            key = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"])).public_key()
            scheme = (
                padding.PKCS1v15()
                if family == "RS"
                else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            )
            key.verify(signature, signing_input, scheme, digest)
        else:
            curve = _CURVES[jwk["crv"]]()
            key = ec.EllipticCurvePublicNumbers(_b64url_int(jwk["x"]), _b64url_int(jwk["y"]), curve).public_key()
            half = len(signature) // 2  # JWS carries r||s; cryptography wants DER
            der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
            key.verify(der, signing_input, ec.ECDSA(digest))
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def split_token(token):
    """(header, claims, signing_input, signature) of a compact JWS; MalformedToken otherwise."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
    except (ValueError, TypeError):
        raise MalformedToken("not a valid JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise MalformedToken("not a valid JWT")
    return header, claims, f"{header_part}.{claims_part}".encode(), signature


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
