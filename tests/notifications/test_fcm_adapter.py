"""The firebase-admin seam: internals guard, endpoint and credentials, no SDK retries, pooled connections."""

import json

import firebase_admin
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import messaging

from models.settings import load_settings
from notifications import fcm_adapter
from notifications.senders import FcmSender, Outcome, PushMessage
from tests.notifications.fake_fcm import unavailable


def test_the_sdk_internals_the_adapter_uses_are_still_there(fcm_sender):
    fcm_adapter.check_sdk_internals()
    fcm_adapter.check_sdk_internals(messaging._get_messaging_service(fcm_sender._app))


def test_with_the_default_base_url_google_gets_the_same_pooled_adapter_without_retries(fcm_env):
    settings = load_settings({k: v for k, v in fcm_env.items() if k != "FCM_BASE_URL"})
    app = fcm_adapter.initialize_fcm_app(settings)
    try:
        service = messaging._get_messaging_service(app)
        adapter = service._client.session.get_adapter(service._fcm_url)
    finally:
        firebase_admin.delete_app(app)

    assert service._fcm_url == "https://fcm.googleapis.com/v1/projects/yiwang-test/messages:send"
    assert service._fcm_topic_url == "https://fcm.googleapis.com/v1/projects/yiwang-test/registrations"
    assert adapter._pool_maxsize >= fcm_adapter.SEND_EACH_LIMIT
    assert (adapter.max_retries.read, adapter.max_retries.status) == (0, 0)
    assert not adapter.max_retries.status_forcelist


def test_the_guard_fails_loudly_and_names_the_version_when_internals_move():
    class UpgradedService:  # what a messaging service looks like if an upgrade renamed the URL fields
        fcm_send_url = "https://fcm.googleapis.com/v1/projects/p/messages:send"

    with pytest.raises(fcm_adapter.SdkInternalsChanged) as raised:
        fcm_adapter.check_sdk_internals(UpgradedService())
    message = str(raised.value)
    assert f"firebase-admin {firebase_admin.__version__}" in message
    assert "_fcm_url" in message and "_fcm_topic_url" in message and "_client.session" in message


def test_the_guard_notices_a_method_that_stopped_using_the_url_attribute(monkeypatch):
    def send_each(self, messages, dry_run=False):  # an upgrade that builds the URL some other way
        return self._client.body("post", url=self._new_style_url, json={})

    monkeypatch.setattr(messaging._MessagingService, "send_each", send_each)

    with pytest.raises(fcm_adapter.SdkInternalsChanged, match="send_each no longer builds its URL from _fcm_url"):
        fcm_adapter.check_sdk_internals()


def test_messages_go_to_the_configured_endpoint_with_the_static_token(fake_fcm, fcm_sender):
    [result] = fcm_sender.send_batch([PushMessage(token="device-1", title="t", body="b")])

    assert result.outcome is Outcome.SENT
    [request] = fake_fcm.requests
    assert request.path == f"/v1/projects/{fake_fcm.project_id}/messages:send"
    assert request.headers["authorization"] == f"Bearer {fake_fcm.access_token}"


def test_a_rejected_static_token_is_a_permanent_failure(fake_fcm, fcm_settings):
    sender = FcmSender.from_settings(fcm_settings.replace(FCM_STATIC_TOKEN="not-the-right-token"))
    try:
        [result] = sender.send_batch([PushMessage(token="device-1", title="t", body="b")])
    finally:
        sender.close()

    assert result.outcome is Outcome.FAILED
    assert "UnauthenticatedError" in result.error
    assert fake_fcm.sent_messages() == []


def test_the_sdk_does_not_retry_a_503_itself(fake_fcm, fcm_sender):
    fake_fcm.program(unavailable())

    [result] = fcm_sender.send_batch([PushMessage(token="device-1", title="t", body="b")])

    assert result.outcome is Outcome.RETRY
    assert fake_fcm.request_count == 1  # the SDK's own urllib3 retry would have sent 5


def test_connections_are_kept_for_a_whole_batch_and_reused(fake_fcm, bulk_sender):
    fake_fcm.latency = 0.05  # keeps many requests in flight at once
    for batch in range(2):
        messages = [PushMessage(token=f"device-{batch}-{i}", title="t", body="b") for i in range(500)]
        assert {r.outcome for r in bulk_sender.send_batch(messages)} == {Outcome.SENT}

    assert fake_fcm.connections_opened > 10  # more parallel connections than requests' default pool
    # A pool smaller than the batch closes every connection it cannot keep once its request is done.
    assert fake_fcm.connections_closed_by_client == 0


def test_a_service_account_key_file_gets_its_token_from_the_key_token_uri(fake_fcm, fcm_env, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": fake_fcm.project_id, "private_key_id": "k1", "private_key": pem,
        "client_email": "push@yiwang-test.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"{fake_fcm.url}/token",
    }))
    settings = {k: v for k, v in fcm_env.items() if k != "FCM_STATIC_TOKEN"}
    sender = FcmSender.from_settings(load_settings({**settings, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}))
    try:
        [result] = sender.send_batch([PushMessage(token="device-1", title="t", body="b")])
    finally:
        sender.close()

    assert result.outcome is Outcome.SENT
    token_request, send_request = fake_fcm.requests
    assert token_request.path == "/token"
    assert send_request.headers["authorization"] == f"Bearer {fake_fcm.access_token}"
