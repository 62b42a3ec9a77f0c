"""The fake Slack Web API, driven through slack_sdk as the bot drives Slack.

End-to-end tests trust this fake, so these tests check it against the real client: the
SDK's encoding, its retry handlers and its error mapping.
"""

import time
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.support.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.support.slack_signing import sign, slash_command_body

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//reviewbot//EN\r\nEND:VCALENDAR\r\n"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )


async def test_rate_limited_call_is_retried_after_retry_after_and_then_succeeds(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    started = time.monotonic()

    response = await client.chat_postMessage(channel="U1", text="Your check-in is due")

    assert response["ok"] is True
    # Without the header the handler waits 1 to 2 s, so 2 s or more shows it was honoured.
    assert time.monotonic() - started >= 2.0
    assert len(fake.calls_to("chat.postMessage")) == 2


async def test_rate_limit_answer_carries_retry_after_and_ratelimited_error(
    fake: FakeSlack,
) -> None:
    bare_client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])
    fake.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        await bare_client.chat_postMessage(channel="U1", text="hello")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


async def test_server_error_fault_answers_that_status_once_then_recovers(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail_next("chat.postMessage", status=503)

    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="U1", text="hello")
    recovered = await client.chat_postMessage(channel="U1", text="hello")

    assert raised.value.response.status_code == 503
    assert recovered["ok"] is True


async def test_error_next_raises_slack_api_error_with_that_error_as_often_as_queued(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.error_next("chat.postMessage", "account_inactive", count=2)

    errors = []
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="U1", text="hello")
        errors.append(raised.value.response["error"])
    third = await client.chat_postMessage(channel="U1", text="hello")

    assert errors == ["account_inactive", "account_inactive"]
    assert raised.value.response.status_code == 200
    assert third["ok"] is True


async def test_files_upload_v2_stores_the_bytes_with_title_and_channel(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.files_upload_v2(
        content=ICS, filename="check-in.ics", title="Check-in", channel="DU1"
    )

    uploaded = fake.uploaded_files[response["file"]["id"]]
    assert uploaded.content == ICS
    assert uploaded.title == "Check-in"
    assert uploaded.channel_id == "DU1"
    assert uploaded.completed is True
    assert [call.method for call in fake.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    completion = fake.calls_to("files.completeUploadExternal")[0]
    assert completion.params["files"] == [{"id": uploaded.file_id, "title": "Check-in"}]


async def test_complete_upload_refuses_a_file_whose_bytes_never_arrived(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    announced = await client.files_getUploadURLExternal(filename="a.ics", length=3)

    with pytest.raises(SlackApiError) as raised:
        await client.files_completeUploadExternal(
            files=[{"id": announced["file_id"], "title": "a"}], channel_id="DU1"
        )

    assert raised.value.response["error"] == "file_not_found"


async def test_users_lookup_by_email_finds_a_registered_user_whatever_the_case(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.users["U222"] = {"email": "bob@example.com", "real_name": "Bob", "tz": "Europe/Berlin"}

    response = await client.users_lookupByEmail(email="Bob@Example.com")

    assert response["user"]["id"] == "U222"
    assert response["user"]["profile"]["email"] == "bob@example.com"
    assert response["user"]["tz"] == "Europe/Berlin"
    assert fake.calls_to("users.lookupByEmail")[0].http_method == "GET"


async def test_users_lookup_by_email_of_a_stranger_answers_users_not_found(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.users["U222"] = {"email": "bob@example.com"}

    with pytest.raises(SlackApiError) as raised:
        await client.users_lookupByEmail(email="eve@example.com")

    assert raised.value.response["error"] == "users_not_found"


async def test_users_info_answers_the_registered_profile_and_refuses_unknown_ids(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.users["U222"] = {"email": "bob@example.com", "real_name": "Bob", "tz": "Asia/Tokyo"}

    known = await client.users_info(user="U222")
    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U999")

    assert known["user"]["profile"]["email"] == "bob@example.com"
    assert known["user"]["tz_offset"] == 9 * 3600
    assert raised.value.response["error"] == "user_not_found"


async def test_post_message_records_json_blocks_and_bearer_token_and_answers_increasing_ts(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Agreements"}}]

    first = await client.chat_postMessage(channel="U1", text="Agreements", blocks=blocks)
    second = await client.chat_postMessage(channel="C9", text="Summary")

    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks
    assert call.token == "xoxb-test"
    assert first["channel"] == "DU1"
    assert second["channel"] == "C9"
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
async def test_post_message_without_text_or_blocks_answers_no_text(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="U1")

    assert raised.value.response["error"] == "no_text"


async def test_conversations_open_answers_the_dm_channel_of_the_user(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.conversations_open(users="U222")

    assert response["channel"]["id"] == "DU222"
    assert fake.calls_to("conversations.open")[0].params["users"] == "U222"


async def test_views_open_records_the_view_and_answers_with_id_and_hash(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    view = {
        "type": "modal",
        "callback_id": "review_form",
        "title": {"type": "plain_text", "text": "Review"},
        "blocks": [],
    }

    response = await client.views_open(trigger_id="1.2.3", view=view)

    opened = response["view"]
    assert opened["id"].startswith("V")
    assert opened["hash"]
    assert opened["callback_id"] == "review_form"
    assert fake.calls_to("views.open")[0].params["view"] == view
    assert fake.last_view() == opened


async def test_views_update_with_a_stale_hash_answers_hash_conflict(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Review"}, "blocks": []}
    opened = (await client.views_open(trigger_id="1.2.3", view=view))["view"]
    await client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)

    with pytest.raises(SlackApiError) as raised:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)

    assert raised.value.response["error"] == "hash_conflict"


async def test_views_publish_keeps_the_home_tab_per_user(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }

    await client.views_publish(user_id="U1", view=home)

    assert fake.home_views["U1"]["blocks"] == home["blocks"]
    assert fake.home_views["U1"]["type"] == "home"


async def test_auth_test_and_connections_open_answer_what_bolt_needs(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    auth = await client.auth_test()
    connection = await client.apps_connections_open(app_token="xapp-test")

    assert (auth["user_id"], auth["team_id"]) == (BOT_USER_ID, TEAM_ID)
    assert auth["bot_id"]
    assert connection["url"].startswith("ws://127.0.0.1:")
    assert fake.calls_to("apps.connections.open")[0].token == "xapp-test"


async def test_unknown_method_answers_ok_and_is_recorded(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.api_call("reactions.add", params={"name": "tada", "channel": "C1"})

    assert response["ok"] is True
    assert fake.calls_to("reactions.add")[0].params == {"name": "tada", "channel": "C1"}


async def test_call_without_a_token_answers_not_authed(fake: FakeSlack) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)

    with pytest.raises(SlackApiError) as raised:
        await anonymous.chat_postMessage(channel="U1", text="hello")

    assert raised.value.response["error"] == "not_authed"


async def test_response_url_records_the_json_a_webhook_client_posts(fake: FakeSlack) -> None:
    webhook = AsyncWebhookClient(fake.response_url("start-review"))

    answer = await webhook.send_dict({"response_type": "ephemeral", "text": "Opening the form"})

    assert answer.status_code == 200
    assert [response.body["text"] for response in fake.responses_to("start-review")] == [
        "Opening the form"
    ]


async def test_wait_for_calls_returns_once_the_call_arrives_and_times_out_otherwise(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="U1", text="hello")

    arrived = await fake.wait_for_calls("chat.postMessage", within=1.0)
    with pytest.raises(TimeoutError, match=r"views\.open was called 0 times"):
        await fake.wait_for_calls("views.open", within=0.05)

    assert len(arrived) == 1


async def test_clear_forgets_calls_and_queued_faults(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    await client.chat_postMessage(channel="U1", text="hello")
    fake.error_next("chat.postMessage", "channel_not_found")

    fake.clear()
    response = await client.chat_postMessage(channel="U1", text="again")

    assert response["ok"] is True
    assert len(fake.calls) == 1


async def test_without_recording_only_counts_are_kept() -> None:
    async with FakeSlack(record=False) as quiet:
        counting = AsyncWebClient(token="xoxb-test", base_url=quiet.base_url)
        for _ in range(3):
            await counting.chat_postMessage(channel="U1", text="nudge")

        assert quiet.calls == []
        assert quiet.call_counts["chat.postMessage"] == 3


def test_signing_helper_produces_a_signature_slack_sdk_accepts() -> None:
    body = slash_command_body(text="start <@U222|bob>", user_id="U111")
    verifier = SignatureVerifier(signing_secret="shhh")

    headers = sign(body, "shhh")

    assert verifier.is_valid_request(body, headers) is True
    assert verifier.is_valid_request(body + b"&x=1", headers) is False
    assert SignatureVerifier("other").is_valid_request(body, headers) is False


def test_signature_with_a_stale_timestamp_is_refused() -> None:
    body = slash_command_body(text="list", user_id="U111")

    headers = sign(body, "shhh", timestamp=int(time.time()) - 301)

    assert SignatureVerifier(signing_secret="shhh").is_valid_request(body, headers) is False


async def test_latency_delays_every_answer_by_that_many_seconds() -> None:
    async with FakeSlack(latency=0.2) as slow:
        slow_client = AsyncWebClient(token="xoxb-test", base_url=slow.base_url)
        started = time.monotonic()

        await slow_client.auth_test()

        assert time.monotonic() - started >= 0.2


async def test_ephemeral_and_update_answer_with_the_message_timestamps(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    ephemeral = await client.chat_postEphemeral(channel="C1", user="U1", text="Only you")
    updated = await client.chat_update(channel="DU1", ts="1700000000.000100", text="Done")

    assert ephemeral["message_ts"] == "1700000000.000100"
    assert (updated["channel"], updated["ts"]) == ("DU1", "1700000000.000100")
    assert updated["message"]["text"] == "Done"
