"""What every API call of the AWS peer passes through: the request counter behind
`GET /runas-peer/stats` and the fault queue behind `POST /runas-peer/faults`.

Shared by aws_peer.py (moto's own services) and identity_center.py (the services moto lacks), so
both count and fail the same way. Keys are "<service>:<Action>" ("sts:AssumeRoleWithWebIdentity",
"sso-oidc:CreateToken").
"""
import json
import threading
import uuid
from collections import deque
from xml.sax.saxutils import escape

_lock = threading.Lock()
_counts: dict[str, int] = {}
_faults: dict[str, deque] = {}

# Throttling is what a fault test injects most; the rest get a message naming their code.
_DEFAULT_MESSAGES = {"Throttling": "Rate exceeded", "ThrottlingException": "Rate exceeded"}


class Fault:
    """One queued error answer: HTTP status, error code, message."""

    def __init__(self, status, code, message=None):
        self.status, self.code = int(status), str(code)
        self.message = str(message) if message else _DEFAULT_MESSAGES.get(self.code, f"Injected fault {self.code}")


def count_call(key):
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1


def counts_json():
    with _lock:
        return json.dumps(_counts, sort_keys=True)


def queue_faults(request_body):
    """`{"sts:AssumeRoleWithWebIdentity": [{"status": 400, "code": "Throttling", "message": "..."}]}`
    -> number of faults queued. Raises ValueError on any other shape."""
    spec = json.loads(request_body or b"{}")
    if not isinstance(spec, dict):
        raise ValueError("the body must be a JSON object keyed by '<service>:<Action>'")
    parsed = {}
    for key, entries in spec.items():
        if ":" not in key or not isinstance(entries, list):
            raise ValueError(f"{key!r}: want '<service>:<Action>' -> [{{status, code, message}}, ...]")
        parsed[key] = []
        for entry in entries:
            if not isinstance(entry, dict) or "status" not in entry or "code" not in entry:
                raise ValueError(f"{key!r}: every fault needs 'status' and 'code'")
            status = int(entry["status"])
            if not 400 <= status <= 599:
                raise ValueError(f"{key!r}: status {status} is not an error status")
            parsed[key].append(Fault(status, entry["code"], entry.get("message")))
    with _lock:
        for key, faults in parsed.items():
            _faults.setdefault(key, deque()).extend(faults)
    return sum(len(faults) for faults in parsed.values())


def take_fault(key):
    """The next queued fault for this call, or None: the call then proceeds normally."""
    with _lock:
        queue = _faults.get(key)
        return queue.popleft() if queue else None


# --- error answers in each protocol's own format ------------------------------------------
def request_id():
    return str(uuid.uuid4())


_QUERY_NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/"}


def query_error(fault, service="sts"):
    """awsQuery (STS, IAM): <ErrorResponse><Error><Type/><Code/><Message/></Error>..."""
    namespace = _QUERY_NAMESPACES.get(service, "https://sts.amazonaws.com/doc/2011-06-15/")
    kind = "Sender" if fault.status < 500 else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">'
        f"<Error><Type>{kind}</Type><Code>{escape(fault.code)}</Code>"
        f"<Message>{escape(fault.message)}</Message></Error>"
        f"<RequestId>{request_id()}</RequestId></ErrorResponse>"
    )
    return body, {"Content-Type": "text/xml"}


def rest_xml_error(fault, wrapped):
    """restXml: S3 answers a bare <Error>; s3control wraps it in <ErrorResponse>."""
    error = (
        f"<Error><Code>{escape(fault.code)}</Code><Message>{escape(fault.message)}</Message>"
        + ("" if wrapped else f"<RequestId>{request_id()}</RequestId>")
        + "</Error>"
    )
    if wrapped:
        error = f"<ErrorResponse>{error}<RequestId>{request_id()}</RequestId></ErrorResponse>"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + error, {"Content-Type": "application/xml"}


def json_error(fault, body_fields=None):
    """awsJson / restJson: the code in `x-amzn-errortype` (and `__type` for awsJson)."""
    body = body_fields if body_fields is not None else {"__type": fault.code, "message": fault.message}
    return json.dumps(body), {
        "Content-Type": "application/json",
        "x-amzn-errortype": fault.code,
        "x-amzn-requestid": request_id(),
    }


_protocols: dict[str, str] = {}


def protocol_of(service):
    """The wire protocol of a moto service, from botocore's model (moto depends on botocore)."""
    if service not in _protocols:
        try:
            import botocore.session

            model = botocore.session.get_session().get_service_model(service)
            _protocols[service] = model.metadata.get("protocol", "query")
        except Exception:  # an unknown name: moto's own services are mostly query
            _protocols[service] = "query"
    return _protocols[service]


def moto_fault_answer(service, fault):
    """(body, headers) of `fault` in the format of moto service `service`."""
    protocol = protocol_of(service)
    if protocol in {"query", "ec2"}:
        return query_error(fault, service)
    if protocol == "rest-xml":
        return rest_xml_error(fault, wrapped=service != "s3")
    return json_error(fault)
