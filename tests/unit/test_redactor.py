"""The redactor on its own: fakes keep shape, link back, and never come from a hash."""

from __future__ import annotations

import base64
import json
import re

from awstape.model.calls import CallName, match_key, matched_as_given, operation_model
from awstape.redaction.redactor import Redactor, fakes
from awstape.redaction.rules import PathRule, Rules


def model(service: str, operation: str):  # type: ignore[no-untyped-def]
    found = operation_model(service, operation)
    assert found is not None
    return found


def test_fakes_keep_length_and_character_classes() -> None:
    for value in ("Passw0rd!-x", "deadbeef0123abcd", "DEADBEEF0123", "ab/+cd=="):
        fake = fakes.shaped(value, "awstape:0")
        assert len(fake) == len(value) and fake != value
        for real_char, fake_char in zip(value, fake, strict=True):
            if not real_char.isalnum():
                assert fake_char == real_char
    assert re.fullmatch(r"[0-9a-f]{16}", fakes.shaped("deadbeef0123abcd", "s"))
    assert fakes.shaped("same", "awstape:3") == fakes.shaped("same", "awstape:3")


def test_ecr_token_stays_base64_of_user_and_password() -> None:
    token = base64.b64encode(b"AWS:123456789012-auth-token").decode()
    fake = fakes.basic_auth_token(token, "awstape:0")
    user, _, password = base64.b64decode(fake).decode().partition(":")
    assert user == "AWS" and len(password) == len("123456789012-auth-token")
    assert "123456789012" not in password


def test_the_same_value_gets_the_same_fake_and_fakes_come_from_a_counter() -> None:
    redactor = Redactor()
    put = redactor.request_params({"Name": "/a", "Value": "hunter2hunter2"},
                                  model("ssm", "PutParameter"))
    again = redactor.request_params({"Name": "/b", "Value": "hunter2hunter2"},
                                    model("ssm", "PutParameter"))
    assert put["Value"] == again["Value"] != "hunter2hunter2"
    other = Redactor().request_params({"Name": "/a", "Value": "another-value1"},
                                      model("ssm", "PutParameter"))
    assert other["Value"] == fakes.shaped("another-value1", "awstape:0")  # not a hash of it


def test_json_secret_keeps_readable_keys_and_its_layout() -> None:
    secret = '{"host": "db", "port": 5432, "username": "app", "password": "s3cr3t-pw"}'
    stored = Redactor().request_params({"Name": "x", "SecretString": secret},
                                       model("secretsmanager", "CreateSecret"))
    document = json.loads(stored["SecretString"])
    assert {k: document[k] for k in ("host", "port", "username")} == {
        "host": "db", "port": 5432, "username": "app"}
    assert document["password"] != "s3cr3t-pw" and len(document["password"]) == 9
    assert stored["SecretString"].replace(document["password"], "s3cr3t-pw") == secret


def test_account_ids_only_where_they_are_account_ids() -> None:
    named = Redactor().request_params({"Name": "987650001234", "Value": "x", "Type": "String"},
                                      model("ssm", "PutParameter"))
    assert named["Name"] == "987650001234"  # a parameter named by a number, left alone
    redactor = Redactor()
    redactor.book.account("987650001234")  # revealed by AWS (a response) before the call
    stored = redactor.request_params(
        {"Name": "/p", "Value": "x", "Type": "String",
         "Description": "arn:aws:iam::987650001234:role/r in 987650001234.dkr.ecr.x"},
        model("ssm", "PutParameter"))
    assert stored["Description"] == "arn:aws:iam::111122223333:role/r in 111122223333.dkr.ecr.x"


def test_an_account_id_the_test_supplied_first_and_example_ids_stay_themselves() -> None:
    redactor = Redactor()
    put = model("ssm", "PutParameter")
    stored = redactor.request_params(
        {"Name": "/p", "Value": "x", "Type": "String",
         "Description": "arn:aws:iam::222222222222:role/r and arn:aws:iam::123456789012:role/s"},
        put)
    assert stored["Description"] == (
        "arn:aws:iam::222222222222:role/r and arn:aws:iam::123456789012:role/s")
    # Later, in a response, the supplied id is still the test's own.
    assert redactor.scrub("arn:aws:iam::222222222222:role/r") == "arn:aws:iam::222222222222:role/r"
    assert redactor.scrub("arn:aws:iam::333344445555:role/r") == "arn:aws:iam::111122223333:role/r"


def test_a_value_the_test_supplied_reads_back_as_itself_at_replay() -> None:
    recorder = Redactor()
    put = model("ssm", "PutParameter")
    stored = recorder.request_params({"Name": "/p", "Value": "live-secret-1"}, put)
    body, _ = recorder.response(
        json.dumps({"Parameter": {"Value": "live-secret-1"}}).encode(), {},
        model("ssm", "GetParameter"), 200, {"Parameter": {"Value": "live-secret-1"}})
    assert b"live-secret-1" not in body

    replayer = Redactor()
    replayer.link(stored, {"Name": "/p", "Value": "live-secret-1"}, put)
    restored, _ = replayer.restore(body, {})
    assert json.loads(restored) == {"Parameter": {"Value": "live-secret-1"}}


def test_user_path_rules_are_secret_and_matched_by_presence() -> None:
    rules = Rules.from_config([{"path": "ssm.PutParameter.Tags[].Value"}], "pyproject.toml")
    assert rules.is_secret("ssm", "PutParameter", ("Tags", "[]", "Value"), "Value", None)
    assert not rules.is_secret("ssm", "PutParameter", ("Tags", "[]", "Key"), "Key", None)
    stored = Redactor(rules).request_params(
        {"Name": "/p", "Value": "v", "Tags": [{"Key": "k", "Value": "tag-secret"}]},
        model("ssm", "PutParameter"))
    assert stored["Tags"][0]["Value"] != "tag-secret"


def test_one_rule_for_an_ssm_value_in_redaction_matching_and_linking() -> None:
    # A String parameter's Value is plain: stored as is, matched by value, never linked.
    put = model("ssm", "PutParameter")
    name = CallName("ssm", "PutParameter", "us-east-1")
    test = Rules().secret_test(name)
    plain = {"Name": "/p", "Value": "2", "Type": "String"}
    secure = {"Name": "/p", "Value": "hunter2hunter2", "Type": "SecureString"}
    assert Redactor().request_params(plain, put) == plain
    assert match_key(plain, put.input_shape, test) != match_key(
        {**plain, "Value": "3"}, put.input_shape, test)
    assert match_key(secure, put.input_shape, test) == match_key(
        {**secure, "Value": "other-secret"}, put.input_shape, test)
    replayer = Redactor()
    replayer.link(plain, {**plain, "Value": "3"}, put)
    replayer.link(Redactor().request_params(secure, put), secure, put)
    assert replayer.book.links == {fakes.shaped("hunter2hunter2", "awstape:0"): "hunter2hunter2"}


def test_a_secret_that_is_a_word_of_the_protocol_is_replaced_where_it_stands_only() -> None:
    redactor = Redactor()
    params = redactor.request_params({"UserName": "u", "Password": "Password"},
                                     model("iam", "CreateLoginProfile"))
    assert params["Password"] != "Password"
    stored = redactor.seal(json.dumps({"params": params}), "cassette")
    assert '"Password":' in stored  # the member keeps its name
    assert redactor.seal("<PasswordResetRequired>", "body") == "<PasswordResetRequired>"


def test_secret_bytes_that_are_text_stay_text_of_their_shape() -> None:
    seed = base64.b32encode(b"0123456789abcdefghij")
    fake = fakes.fake_bytes(seed, "awstape:0")
    assert fake != seed and len(base64.b32decode(fake)) == 20
    assert len(fakes.fake_bytes(b"\x89PNG\x00\x01", "awstape:0")) == 6


def test_short_secrets_and_literals_are_replaced_where_they_stand_only() -> None:
    redactor = Redactor()
    params = redactor.request_params(
        {"UserPoolId": "us-east-1_x", "Username": "someone-long",
         "UserAttributes": [{"Name": "email_verified", "Value": "true"},
                            {"Name": "custom:pin", "Value": "k1"}]},
        model("cognito-idp", "AdminUpdateUserAttributes"))
    assert [a["Value"] for a in params["UserAttributes"]] != ["true", "k1"]
    body = '{"Required": true, "Mutable": true, "Key": "k1x"}'
    assert redactor.seal(body, "body") == body  # JSON's literal and other text untouched


def test_credentials_shorter_than_an_access_key_are_a_stand_ins_dummies() -> None:
    redactor = Redactor()
    redactor.learn_credentials("testing", "testing", None)
    assert redactor.seal('{"Prefix": "test/testing"}', "c") == '{"Prefix": "test/testing"}'
    key = "AKIA" + "IOSFODNN7ABCDEFG"  # in pieces: the repository's own scan would flag it
    redactor.learn_credentials(key)
    assert key not in redactor.seal(f"key {key}", "c")


def test_an_example_account_id_is_never_made_a_secret() -> None:
    redactor = Redactor()
    redactor.request_params({"SecretId": "s", "SecretString": json.dumps(
        {"account": "123456789012", "password": "hunter2-long"})},
        model("secretsmanager", "PutSecretValue"))
    arn = "arn:aws:iam::123456789012:role/r"
    assert redactor.seal(arn, "c") == arn


def test_a_uuid_fake_stays_a_uuid_and_a_date_stays_digits() -> None:
    import uuid
    fake = fakes.shaped("6d7ad3fd-1a4b-463c-9b6e-8678704d9512", "awstape:0")
    assert uuid.UUID(fake) and fake != "6d7ad3fd-1a4b-463c-9b6e-8678704d9512"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", fakes.shaped("2024-01-01", "awstape:0"))


def test_a_web_token_fake_still_decodes_but_its_signature_is_not_the_real_one() -> None:
    def part(document: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    signature = base64.urlsafe_b64encode(bytes(range(200, 256))).decode().rstrip("=")
    token = f"{part({'alg': 'RS256', 'kid': 'k'})}."
    token += part({"sub": "u", "pw": "hunter2-long", "api_key": "claimed-canary-1"})
    token += f".{signature}"
    redactor = Redactor()
    redactor.request_params({"UserName": "u", "Password": "hunter2-long"},
                            model("iam", "CreateLoginProfile"))
    fake = redactor._secret(token, "AccessToken")
    header, claims, fake_signature = fake.split(".")
    assert header == token.split(".")[0] and fake_signature != signature
    assert len(fake_signature) == len(signature)
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["sub"] == "u" and decoded["pw"] != "hunter2-long"
    assert decoded["api_key"] != "claimed-canary-1"
    assert len(decoded["api_key"]) == len("claimed-canary-1")
    assert token not in redactor.seal(f"token: {token}", "c")


def test_an_event_stream_is_changed_inside_its_messages_and_framed_anew() -> None:
    from botocore.eventstream import EventStreamBuffer

    from awstape.redaction.text import change_bytes

    def message(payload: bytes) -> bytes:
        import struct
        import zlib
        headers = b"\x0b:event-type\x07\x00\x05hello"
        prelude = struct.pack(">II", 16 + len(headers) + len(payload), len(headers))
        body = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + payload
        return body + struct.pack(">I", zlib.crc32(body))

    stream = message(b'{"at": 1764000000123}') + message(b'{"name": "someone-secret-1"}')
    changed = change_bytes(stream, lambda text: text.replace("someone-secret-1", "fake"), {})
    buffer = EventStreamBuffer()
    buffer.add_data(changed)  # checks every length and CRC
    assert [m.payload for m in buffer] == [b'{"at": 1764000000123}', b'{"name": "fake"}']
    assert change_bytes(stream[:-3], lambda text: text, {}) == stream[:-3]


def test_a_secret_learned_after_a_token_was_made_is_swept_from_its_claims_too() -> None:
    from awstape.redaction.text import b64url, unb64url

    claims = b64url(json.dumps({"sub": "6d7ad3fd-1a4b-463c-9b6e-8678704d9512"}).encode())
    token = f"eyJhbGciOiJub25lIn0.{claims}.{b64url(b'signature-bytes')}"
    redactor = Redactor()
    stored = redactor._secret(token, "AccessToken")
    redactor._secret("6d7ad3fd-1a4b-463c-9b6e-8678704d9512", "Value")  # learned later
    sealed = redactor.seal(json.dumps({"AccessToken": stored}), "c")
    inside = unb64url(json.loads(sealed)["AccessToken"].split(".")[1])
    assert b"6d7ad3fd" not in inside and json.loads(inside)["sub"]


def test_a_short_value_the_test_sent_in_plain_is_no_secret_in_a_response() -> None:
    redactor = Redactor()
    redactor.request_params(
        {"Name": "c", "AuthorizationType": "API_KEY", "AuthParameters": {
            "ApiKeyAuthParameters": {"ApiKeyName": "test", "ApiKeyValue": "test"},
            "InvocationHttpParameters": {"HeaderParameters": [
                {"Key": "k1", "Value": "v1", "IsValueSecret": True}]}}},
        model("events", "CreateConnection"))
    stored = json.loads(redactor._secret(json.dumps(
        {"api_key_value": "test", "header": {"key": "k1", "value": "v1"}}), "SecretString"))
    assert stored["header"]["key"] == "k1"  # already in the cassette as it is
    assert stored["api_key_value"] != "test"


def test_a_value_swept_late_pairs_its_fakes_with_what_the_test_sends_now() -> None:
    redactor = Redactor()
    recorded = {"Name": "rule", "EventPattern": '{"source": ["zax.i8"]}'}
    live = {"Name": "rule", "EventPattern": '{"source": ["aws.s3"]}'}
    redactor.link(recorded, live, model("events", "PutRule"), late=("EventPattern",))
    body, _ = redactor.restore(b'{"Input": "{\\"source\\": \\"zax.i8\\"}"}', {})
    assert b"aws.s3" in body and b"zax.i8" not in body


def test_a_plain_member_before_a_secret_with_its_value_is_swept_as_stored() -> None:
    """The call's secrets are known before its plain members are stored: ``Name`` comes before
    ``ApiKeyValue`` in the walk, yet reads as the key's fake, at record and at replay."""
    create = model("events", "CreateConnection")
    params = {"Name": "shared-value-1234", "AuthorizationType": "API_KEY",
              "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key",
                                                          "ApiKeyValue": "shared-value-1234"}}}
    redacted = Redactor().request_params(params, create)
    fake = redacted["AuthParameters"]["ApiKeyAuthParameters"]["ApiKeyValue"]
    assert fake != "shared-value-1234" and redacted["Name"] == fake
    other = dict(params, Name="another-name-5678")  # nothing to sweep: stored as sent
    assert Redactor().request_params(other, create)["Name"] == "another-name-5678"
    # After one secret, before another with its value: swept as well.
    basic = {"Name": "n", "AuthorizationType": "BASIC", "AuthParameters": {
        "BasicAuthParameters": {"Password": "first-secret-1234", "Username": "second-7890"},
        "InvocationHttpParameters": {"HeaderParameters": [
            {"Key": "x", "Value": "second-7890", "IsValueSecret": True}]}}}
    walked = Redactor().request_params(basic, create)
    assert walked["AuthParameters"]["BasicAuthParameters"]["Username"] != "second-7890"


def test_parameters_with_nothing_secret_are_scrubbed_as_the_walk_scrubs_them() -> None:
    # ssm.AddTagsToResource nests a list of structures; nothing in it is secret, so it is
    # scrubbed without a walk. A path rule for the call that matches nothing makes its test
    # read paths: the walk's way, to compare with.
    account = "2468" + "13579024"
    params = {"ResourceType": "Parameter", "ResourceId": f"arn:aws:ssm:us-east-1:{account}:x",
              "Tags": [{"Key": "owner", "Value": account}, {"Key": "ab", "Value": "ab"}]}
    tag = model("ssm", "AddTagsToResource")
    assert matched_as_given(tag.input_shape, Rules().secret_test(CallName("ssm", tag.name, "")))
    walked = Redactor(Rules(paths=(PathRule("ssm.AddTagsToResource.Nothing"),)))
    fast = Redactor()
    for redactor in (walked, fast):  # AWS said it first: not the test's own, so faked
        redactor.book.account(account)
    assert fast.request_params(params, tag) == walked.request_params(params, tag)
    assert account not in json.dumps(fast.request_params(params, tag))
    assert fast.book.plain == walked.book.plain and "ab" in fast.book.plain
    assert fast.book.accounts == walked.book.accounts


def test_fakes_are_what_random_choice_drew_so_recorded_cassettes_keep_matching() -> None:
    # Fakes are drawn in one loop for speed; they must stay those of random.choice per
    # character (how every committed cassette's fakes were made), in all three alphabets.
    import random
    import string

    def by_choice(value: str, seed: str) -> str:
        rng = random.Random(seed)
        if re.fullmatch(r"[0-9a-f]{8,}", value):
            return "".join(rng.choice("0123456789abcdef") for _ in value)
        if re.fullmatch(r"[A-Z2-7]{16,}=*", value):
            return "".join(rng.choice(string.ascii_uppercase + "234567") if c != "=" else c
                           for c in value)
        classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
        return "".join(next((rng.choice(a) for a in classes if c in a), c) for c in value)

    for n, value in enumerate(["Passw0rd!-x", "deadbeef0123abcd", "JBSWY3DPEHPK3PXPJBSW==",
                               "value-000001-00007919-kept-by-the-test", "a", "Ünïcode-9"]):
        for seed in (f"awstape:{n}", f"awstape:response:{n}", "x"):
            assert fakes.shaped(value, seed) == by_choice(value, seed), (value, seed)


def test_a_response_is_walked_only_when_its_walk_can_teach_what_its_body_does_not() -> None:
    account = "2468" + "13579024"
    # sns.CreateTopic's answer holds no secret and no account member: not walked, and the
    # ARN's account is still found in the body's text.
    create = model("sns", "CreateTopic")
    redactor = Redactor()
    arn = f"arn:aws:sns:us-east-1:{account}:t"
    body = f"<CreateTopicResponse><CreateTopicResult><TopicArn>{arn}</TopicArn>" \
           "</CreateTopicResult></CreateTopicResponse>".encode()
    stored, _ = redactor.response(body, {}, create, 200, {"TopicArn": arn})
    assert account not in stored.decode() and redactor.book.accounts == {account: "111122223333"}
    assert not redactor._learns_from(create.output_shape, Rules().secret_test(
        CallName("sns", "CreateTopic", "")))
    # sts.GetCallerIdentity's Account is an account member (not in an ARN): walked.
    who = model("sts", "GetCallerIdentity")
    redactor = Redactor()
    body = f"<GetCallerIdentityResponse><GetCallerIdentityResult><Account>{account}</Account>" \
           "</GetCallerIdentityResult></GetCallerIdentityResponse>".encode()
    stored, _ = redactor.response(body, {}, who, 200, {"Account": account})
    assert account not in stored.decode()
    # ssm.GetParameter's Value is secret: walked, and the value faked in the body.
    get = model("ssm", "GetParameter")
    redactor = Redactor()
    parsed = {"Parameter": {"Name": "/p", "Type": "SecureString", "Value": "s3cr3t-value-1"}}
    stored, _ = redactor.response(json.dumps(parsed).encode(), {}, get, 200, parsed)
    assert b"s3cr3t-value-1" not in stored
