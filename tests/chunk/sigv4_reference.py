#!/usr/bin/python3
"""Signs requests with botocore's S3 SigV4 signer, the reference for nasd's.

Reads a JSON list of requests on stdin (method, path (raw), query (raw
[name, value] pairs), headers ([name, value] pairs, host included),
payload_hash, access_key, secret_key, session_token, region, amz_date) and
prints a JSON list of {"authorization", "canonical_request"}. The path and
query are encoded the way botocore's S3 client puts them in a URL.
"""
import json
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode


def sign(case):
    creds = Credentials(case["access_key"], case["secret_key"], case["session_token"] or None)
    headers = dict(case["headers"])
    host = next(v for k, v in case["headers"] if k.lower() == "host")
    url = "https://" + host + percent_encode(case["path"], safe="/~")
    if case["query"]:
        url += "?" + "&".join(percent_encode(k) + "=" + percent_encode(v) for k, v in case["query"])
    request = AWSRequest(method=case["method"], url=url, headers=headers)
    request.context["timestamp"] = case["amz_date"]
    request.headers["X-Amz-Date"] = case["amz_date"]
    request.headers["X-Amz-Content-SHA256"] = case["payload_hash"]
    if case["session_token"]:
        request.headers["X-Amz-Security-Token"] = case["session_token"]
    auth = S3SigV4Auth(creds, "s3", case["region"])
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    signed = auth.signed_headers(auth.headers_to_sign(request))
    scope = "/".join([case["amz_date"][:8], case["region"], "s3", "aws4_request"])
    authorization = "AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s" % (
        case["access_key"], scope, signed, signature)
    return {"authorization": authorization, "canonical_request": canonical}


def main():
    cases = json.load(sys.stdin)
    json.dump([sign(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
